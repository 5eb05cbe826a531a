// Coach search page: need filter (search-as-you-type over Dutch synonyms) and the map.
// The form works without this file; it only adds comfort.
(function () {
  "use strict";

  function normalise(text) {
    return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  function setupNeedFilter() {
    var input = document.getElementById("noden-filter");
    if (!input) return;
    input.addEventListener("input", function () {
      var query = normalise(input.value.trim());
      document.querySelectorAll("#noden-lijst .need-group").forEach(function (group) {
        var anyVisible = false;
        group.querySelectorAll("label.need").forEach(function (label) {
          var hit = !query || normalise(label.dataset.terms || label.textContent).indexOf(query) !== -1;
          label.hidden = !hit;
          anyVisible = anyVisible || hit;
        });
        group.hidden = !anyVisible;
        if (query && anyVisible) group.open = true;
      });
    });
  }

  var outlines = null;
  function loadOutlines(map) {
    var draw = function (data) {
      L.geoJSON(data, { style: { color: "#0b6e4f", weight: 1, fill: false }, interactive: false }).addTo(map);
    };
    if (outlines) { draw(outlines); return; }
    fetch("/api/v1/municipalities.geojson").then(function (r) { return r.json(); }).then(function (data) {
      outlines = data;
      draw(data);
    }).catch(function () { /* the map still shows markers */ });
  }

  function setupMap() {
    var element = document.getElementById("kaart");
    if (!element || typeof L === "undefined" || element.dataset.ready) return;
    element.dataset.ready = "1";
    var data = JSON.parse(element.dataset.map);
    var map = L.map(element, { scrollWheelZoom: false });
    // Leaflet needs a view before vector layers are added.
    map.setView([data.home.lat, data.home.lon], 12);
    if (element.dataset.tileUrl) {
      L.tileLayer(element.dataset.tileUrl, { attribution: element.dataset.tileAttribution, maxZoom: 18 }).addTo(map);
    }
    loadOutlines(map);
    var bounds = L.latLngBounds([[data.home.lat, data.home.lon]]);
    if (data.isochrone) {
      var area = L.geoJSON(data.isochrone.geometry, {
        style: { color: "#3b82f6", weight: 1, fillOpacity: 0.12, dashArray: data.isochrone.estimated ? "4 4" : null }
      }).addTo(map);
      area.bindTooltip(data.isochrone.label);
      bounds.extend(area.getBounds());
    }
    L.circleMarker([data.home.lat, data.home.lon], { radius: 9, color: "#111", fillColor: "#facc15", fillOpacity: 1 })
      .addTo(map).bindTooltip("Woonplaats: " + data.home.label);
    data.results.forEach(function (r) {
      // keyboard: false: the list below is the map's equivalent, so Tab goes from the map to the list
      L.marker([r.lat, r.lon], { title: r.rank + ". " + r.name, alt: r.name, keyboard: false }).addTo(map)
        .bindPopup("<strong>" + r.rank + ". " + escapeHtml(r.name) + "</strong><br>" + r.minutes + " min " + r.mode);
      bounds.extend([r.lat, r.lon]);
    });
    map.fitBounds(bounds.pad(0.1));
  }

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML;
  }

  document.addEventListener("DOMContentLoaded", function () { setupNeedFilter(); setupMap(); });
  document.addEventListener("htmx:afterSwap", setupMap);
})();

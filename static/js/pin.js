// Location editor: place or drag the pin; the coordinates go into the form's fields.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var element = document.getElementById("pinkaart");
    if (!element || typeof L === "undefined") return;
    var lat = parseFloat(element.dataset.lat), lon = parseFloat(element.dataset.lon);
    var hasPin = isFinite(lat) && isFinite(lon);
    var map = L.map(element).setView(hasPin ? [lat, lon] : [51.0, 3.6], hasPin ? 16 : 8);
    if (element.dataset.tileUrl) L.tileLayer(element.dataset.tileUrl, { attribution: element.dataset.tileAttribution, maxZoom: 19 }).addTo(map);
    fetch("/api/v1/municipalities.geojson").then(function (r) { return r.json(); }).then(function (data) {
      L.geoJSON(data, { style: { color: "#0b6e4f", weight: 1, fill: false }, interactive: false }).addTo(map);
    });
    var marker = null;
    function place(latlng) {
      if (!marker) {
        marker = L.marker(latlng, { draggable: true, keyboard: true, title: "Locatie" }).addTo(map);
        marker.on("dragend", function () { write(marker.getLatLng()); });
      } else {
        marker.setLatLng(latlng);
      }
      write(latlng);
    }
    function write(latlng) {
      document.getElementById("l-lat").value = latlng.lat.toFixed(6);
      document.getElementById("l-lon").value = latlng.lng.toFixed(6);
    }
    if (hasPin) place(L.latLng(lat, lon));
    map.on("click", function (event) { place(event.latlng); });
  });
})();

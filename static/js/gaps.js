// Gap analysis page: population hexagons coloured by the share within reach, municipality outlines
// on top, the services of the need; a click on a hexagon tells its people and nearest service; sortable tables.
(function () {
  "use strict";
  // while the analysis runs in the background: reload now and then (a script, not a meta refresh,
  // which WCAG 2.2.1 and axe refuse); the page also offers a link to reload at once
  var pending = document.getElementById("hiaten-status");
  if (pending && pending.getAttribute("data-reload-after")) {
    window.setTimeout(function () { window.location.reload(); },
                      Number(pending.getAttribute("data-reload-after")) * 1000);
  }
  function colour(share) {
    var stops = [[0, [215, 48, 39]], [0.5, [254, 224, 139]], [1, [26, 152, 80]]];
    for (var i = 1; i < stops.length; i++) {
      if (share <= stops[i][0]) {
        var a = stops[i - 1], b = stops[i], t = (share - a[0]) / (b[0] - a[0]);
        var c = a[1].map(function (v, k) { return Math.round(v + t * (b[1][k] - v)); });
        return "rgb(" + c.join(",") + ")";
      }
    }
    return "rgb(26,152,80)";
  }
  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }
  function number(n) { return Number(n).toLocaleString("nl-BE"); }
  function setupMap() {
    var element = document.getElementById("hiatenkaart");
    if (!element || typeof L === "undefined") return;
    var map = L.map(element).setView([51.0, 3.8], 8);  // a view first, then layers
    element._leaflet_map = map;  // for tests and the browser console
    if (element.dataset.tileUrl) L.tileLayer(element.dataset.tileUrl, { attribution: element.dataset.tileAttribution }).addTo(map);
    var query = "need=" + encodeURIComponent(element.dataset.need) + "&profile=" + encodeURIComponent(element.dataset.profile);
    var hexagons = fetch("/api/v1/gaps/hexagons?" + query).then(function (r) { return r.json(); });
    var outlines = fetch("/api/v1/municipalities.geojson").then(function (r) { return r.json(); });
    Promise.all([hexagons, outlines]).then(function (data) {
      var cells = L.geoJSON(data[0], {
        style: function (f) {
          var p = f.properties, share = p.population ? p.population_within_reach / p.population : 0;
          return { color: "#555", weight: 0.3, fillOpacity: 0.7, fillColor: colour(share), className: "hexagon" };
        },
        onEachFeature: function (f, l) {
          var p = f.properties;
          var text = "<strong>" + escapeHtml(p.place || p.nis) + "</strong><br>" + number(p.population) + " inwoners (schatting)<br>";
          if (p.minutes_to_nearest === null) {
            text += "Geen dienst binnen bereik.";
          } else {
            text += "Dichtste dienst: " + escapeHtml(p.nearest_service_name || p.nearest_service_id) + ", " +
              (p.minutes_to_nearest === 0 ? "komt aan huis" : p.minutes_to_nearest.toLocaleString("nl-BE") + " min") + "<br>" +
              number(p.population_within_reach) + " van " + number(p.population) + " inwoners binnen bereik";
          }
          l.bindPopup(text);
        }
      }).addTo(map);
      var borders = L.geoJSON(data[1], {
        interactive: false,
        style: function () { return { color: "#222", weight: 1.5, fill: false, className: "municipality-outline" }; }
      }).addTo(map);
      JSON.parse(element.dataset.services || "[]").forEach(function (s) {
        L.circleMarker([s.lat, s.lon], { radius: 4, color: "#fff", weight: 1, fillColor: "#2b5797", fillOpacity: 1, className: "service-point" })
          .bindTooltip(s.name).addTo(map);
      });
      map.fitBounds(borders.getBounds());
      element.dataset.ready = String(cells.getLayers().length);
    });
  }
  function setupSort() {
    ["hiatentabel", "deelgemeententabel"].forEach(function (id) { sortable(document.getElementById(id)); });
  }
  function sortable(table) {
    if (!table) return;
    table.querySelectorAll("th button").forEach(function (button, column) {
      button.addEventListener("click", function () {
        var numeric = button.dataset.sort === "num";
        var header = button.closest("th");  // aria-sort is allowed on the column header only
        var descending = header.getAttribute("aria-sort") !== "descending";
        table.querySelectorAll("th[aria-sort]").forEach(function (th) { th.removeAttribute("aria-sort"); });
        header.setAttribute("aria-sort", descending ? "descending" : "ascending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[column], y = b.cells[column];
          var vx = numeric ? parseFloat(x.dataset.value) : x.textContent, vy = numeric ? parseFloat(y.dataset.value) : y.textContent;
          var order = numeric ? vx - vy : vx.localeCompare(vy, "nl");
          return descending ? -order : order;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { setupMap(); setupSort(); });
})();

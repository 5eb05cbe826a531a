// Gap analysis page: choropleth of the share within reach, and a sortable table.
(function () {
  "use strict";
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
  function setupMap() {
    var element = document.getElementById("hiatenkaart");
    if (!element || typeof L === "undefined") return;
    var rows = {};
    JSON.parse(element.dataset.rows).forEach(function (r) { rows[r.nis] = r; });
    var map = L.map(element).setView([51.0, 3.8], 8);  // a view first, then layers
    if (element.dataset.tileUrl) L.tileLayer(element.dataset.tileUrl, { attribution: element.dataset.tileAttribution }).addTo(map);
    fetch("/api/v1/municipalities.geojson").then(function (r) { return r.json(); }).then(function (data) {
      var layer = L.geoJSON(data, {
        style: function (f) {
          var row = rows[f.properties.nis];
          return { color: "#333", weight: 1, fillOpacity: 0.75, fillColor: row ? colour(row.share_within_reach) : "#ccc" };
        },
        onEachFeature: function (f, l) {
          var row = rows[f.properties.nis];
          if (row) l.bindTooltip(f.properties.name + ": " + Math.round(row.share_within_reach * 100) + "% binnen bereik, " +
            row.population_out_of_reach.toLocaleString("nl-BE") + " inwoners niet");
        }
      }).addTo(map);
      map.fitBounds(layer.getBounds());
    });
  }
  function setupSort() {
    var table = document.getElementById("hiatentabel");
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

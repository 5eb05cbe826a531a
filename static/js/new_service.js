// New service: show only the chosen organisation's locations (without JavaScript all are shown,
// and the server refuses a location of another organisation with a message next to the field).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var select = document.getElementById("organization_id");
    var groups = document.querySelectorAll(".location-group[data-organization-id]");
    if (!select || groups.length < 2) return;
    function show() {
      groups.forEach(function (group) {
        var mine = group.dataset.organizationId === select.value;
        group.hidden = !mine;
        if (!mine) group.querySelectorAll("input[type=checkbox]").forEach(function (box) { box.checked = false; });
      });
    }
    select.addEventListener("change", show);
    show();
  });
})();

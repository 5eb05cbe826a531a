// Embed configurator: builds the snippet and a live preview of the widget.
(function () {
  "use strict";
  var form = document.getElementById("configurator");
  if (!form) return;
  var base = form.dataset.baseUrl;
  function value(id) { return document.getElementById(id).value.trim(); }
  function update() {
    var variant = document.querySelector("input[name=cfg-variant]:checked").value;
    var p = value("cfg-partnership"), needs = value("cfg-needs").replace(/[^a-z0-9,\/-]/g, ""), lang = value("cfg-lang"),
        limit = value("cfg-limit") || "5", color = value("cfg-color");
    var snippet;
    if (variant === "iframe") {
      var q = new URLSearchParams({ partnership: p, limit: limit, color: color });
      if (lang) q.set("lang", lang);  // without it: the visitor's browser language (nl, fr or en)
      if (needs) q.set("needs", needs);
      snippet = '<iframe src="' + base + '/embed?' + q.toString() + '" title="Sociale kaart" style="width:100%;min-height:640px;border:0" loading="lazy"></iframe>';
    } else {
      snippet = '<script src="' + base + '/widget.js" data-partnership="' + p + '"' + (needs ? ' data-needs="' + needs + '"' : '') +
        (lang ? ' data-lang="' + lang + '"' : '') + ' data-limit="' + limit + '" data-color="' + color + '" async></' + 'script>';
    }
    document.getElementById("cfg-snippet").value = snippet;
    var preview = document.getElementById("cfg-preview");
    preview.textContent = "";
    var widget = document.createElement("sociale-kaart-zoeker");
    widget.setAttribute("data-partnership", p); widget.setAttribute("data-needs", needs);
    if (lang) widget.setAttribute("data-lang", lang);
    widget.setAttribute("data-limit", limit); widget.setAttribute("data-color", color);
    widget.setAttribute("data-api", window.location.origin);
    preview.appendChild(widget);
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  document.addEventListener("DOMContentLoaded", update);
  if (document.readyState !== "loading") update();
})();

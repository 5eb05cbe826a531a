/*! Sociale kaart zoekwidget. One snippet on any website:
 *  <script src="https://HOST/widget.js" data-partnership="turnhout" data-needs="housing" async></script>
 * Renders <sociale-kaart-zoeker> in Shadow DOM (no CSS leaks either way) and calls the
 * public, read-only API of the host it was loaded from. No cookies, no build step. */
(function () {
  "use strict";
  var script = document.currentScript;
  var scriptOrigin = script && script.src ? new URL(script.src, window.location.href).origin : window.location.origin;

  var STRINGS = {}; // filled in by the server from the gettext catalogues
  var PROFILES = [["walk", "walk"], ["bike", "bike"], ["transit", "cannot-cycle"], ["car", "car"]];

  var CSS = [
    ":host{all:initial;display:block;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;",
    "font-size:16px;line-height:1.45;color:#1d2433;--sk-accent:#0b6e4f;max-width:100%}",
    "*{box-sizing:border-box}",
    // The host page's styles reach the host element (even with !important) and inherit
    // inwards: set every inherited property again on the container.
    ".sk{border:1px solid #d9dee8;border-radius:10px;background:#fff;padding:14px;min-width:0;",
    "font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:16px;line-height:1.45;",
    "color:#1d2433;text-align:left;letter-spacing:normal;word-spacing:normal;text-transform:none;",
    "font-style:normal;font-weight:400;visibility:visible}",
    "h2{font-size:1.2em;margin:0 0 10px}",
    "fieldset{border:0;margin:0 0 10px;padding:0}legend,label.lbl{display:block;font-weight:600;margin:0 0 4px}",
    ".needs{display:flex;flex-wrap:wrap;gap:6px}.needs label{display:inline-flex;align-items:center;gap:4px;",
    "border:1px solid #d9dee8;border-radius:999px;padding:3px 10px;cursor:pointer;font-size:.95em}",
    "input[type=text]{width:100%;font:inherit;padding:8px;border:1px solid #aab3c5;border-radius:6px;margin-bottom:10px}",
    ".modes{display:grid;grid-template-columns:1fr 1fr;gap:4px}",
    "button{font:inherit;font-weight:600;background:var(--sk-accent);color:#fff;border:0;border-radius:6px;",
    "padding:9px 18px;cursor:pointer}button:focus-visible,input:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}",
    ".status{margin:10px 0 4px;font-weight:600}.err{color:#a11}.demo{background:#fff4d6;color:#6b4e00;",
    "padding:6px 8px;border-radius:6px;font-size:.9em;margin:8px 0}",
    "ol{list-style:none;margin:0;padding:0}li.r{border-top:1px solid #e6e9f0;padding:10px 0}",
    "li.r h3{font-size:1.02em;margin:0}.org{color:#5a6478;font-size:.9em}.t{font-weight:700;color:var(--sk-accent)}",
    ".why{margin:4px 0 0;padding-left:18px;font-size:.9em}a{color:var(--sk-accent)}.credits{color:#5a6478;font-size:.8em;padding-top:8px}",
    "@media (max-width:400px){.modes{grid-template-columns:1fr}.sk{padding:10px}}"
  ].join("");

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function fmt(text, values) {
    return text.replace(/\{(\w+)\}/g, function (_, key) { return values[key]; });
  }

  // The widget speaks the embedding page's language (nl, fr or en; otherwise Dutch): the nearest
  // lang="..." around the element, else the page's <html lang>; data-lang overrides both.
  function pageLanguage(node) {
    var holder = node.parentElement && node.parentElement.closest("[lang]");
    return (holder && holder.getAttribute("lang")) || document.documentElement.getAttribute("lang") || "nl";
  }

  class SocialeKaartZoeker extends HTMLElement {
    connectedCallback() {
      if (this.shadowRoot) return;
      var lang = (this.getAttribute("data-lang") || pageLanguage(this)).toLowerCase().slice(0, 2);
      this.t = STRINGS[lang] || STRINGS.nl;
      this.lang = STRINGS[lang] ? lang : "nl";
      this.api = (this.getAttribute("data-api") || scriptOrigin).replace(/\/$/, "");
      this.partnership = this.getAttribute("data-partnership") || "";
      this.presetNeeds = (this.getAttribute("data-needs") || "").split(",").map(function (s) { return s.trim(); }).filter(Boolean);
      this.limit = Math.min(25, Math.max(1, parseInt(this.getAttribute("data-limit") || "5", 10) || 5));
      var root = this.attachShadow({ mode: "open" });
      var style = el("style");
      var color = this.getAttribute("data-color");
      style.textContent = CSS + (color && /^#[0-9a-fA-F]{3,8}$/.test(color) ? ":host{--sk-accent:" + color + "}" : "");
      root.appendChild(style);
      this.render(root);
      this.loadNeeds();
    }

    render(root) {
      var t = this.t, uid = "sk" + Math.random().toString(36).slice(2, 8);
      this.needsBox = el("div", { "class": "needs" });
      this.textInput = el("input", { type: "text", id: uid + "-text", placeholder: t.textHint, maxlength: "100", autocomplete: "off" });
      this.placeInput = el("input", { type: "text", id: uid + "-place", placeholder: t.placeHint, maxlength: "100", autocomplete: "postal-code", required: "" });
      var modes = el("div", { "class": "modes", role: "radiogroup" });
      PROFILES.forEach(function (pair, i) {
        var input = el("input", { type: "radio", name: uid + "-mode", value: pair[1] });
        if (i === 2) input.checked = true;
        modes.appendChild(el("label", {}, [input, document.createTextNode(" " + t[pair[0]])]));
      });
      this.modes = modes;
      this.status = el("p", { "class": "status", role: "status", "aria-live": "polite" });
      this.results = el("ol", { "aria-label": t.title });
      var form = el("form", { novalidate: "" }, [
        el("h2", { text: t.title }),
        el("fieldset", {}, [el("legend", { text: t.needs }), this.needsBox]),
        el("label", { "class": "lbl", "for": uid + "-text", text: t.text }), this.textInput,
        el("label", { "class": "lbl", "for": uid + "-place", text: t.place }), this.placeInput,
        el("fieldset", {}, [el("legend", { text: t.travel }), modes]),
        el("button", { type: "submit", text: t.search })
      ]);
      var self = this;
      form.addEventListener("submit", function (event) { event.preventDefault(); self.search(); });
      root.appendChild(el("div", { "class": "sk", part: "container" }, [form, this.status, this.results]));
    }

    loadNeeds() {
      var self = this;
      var url = this.api + "/api/v1/public/needs?lang=" + this.lang + (this.partnership ? "&partnership=" + encodeURIComponent(this.partnership) : "");
      fetch(url, { credentials: "omit" }).then(function (r) { return r.json(); }).then(function (data) {
        (data.needs || []).forEach(function (need) {
          var box = el("input", { type: "checkbox", value: need.code });
          if (self.presetNeeds.indexOf(need.code) !== -1) box.checked = true;
          self.needsBox.appendChild(el("label", {}, [box, document.createTextNode(need.label)]));
        });
        self.presetNeeds.forEach(function (code) {
          if (!self.needsBox.querySelector("input[value='" + code.replace(/'/g, "") + "']")) {
            var box = el("input", { type: "checkbox", value: code }); box.checked = true;
            self.needsBox.appendChild(el("label", {}, [box, document.createTextNode(code)]));
          }
        });
      }).catch(function () { self.status.textContent = self.t.error; });
    }

    search() {
      var t = this.t, self = this;
      var needs = Array.prototype.map.call(this.needsBox.querySelectorAll("input:checked"), function (i) { return i.value; });
      var text = this.textInput.value.trim(), place = this.placeInput.value.trim();
      var mode = this.modes.querySelector("input:checked");
      if (!place) { this.showError(t.place_required); this.placeInput.focus(); return; }
      if (!needs.length && !text) { this.showError(t.chooseNeed); return; }
      var params = new URLSearchParams({ q: place, profile: mode ? mode.value : "cannot-cycle", limit: String(this.limit), lang: this.lang });
      if (needs.length) params.set("needs", needs.join(","));
      if (text) params.set("text", text);
      this.status.className = "status";
      this.status.textContent = t.searching;
      this.results.textContent = "";
      fetch(this.api + "/api/v1/public/search?" + params.toString(), { credentials: "omit" })
        .then(function (r) { return r.json().then(function (body) { return { status: r.status, body: body, retry: r.headers.get("Retry-After") }; }); })
        .then(function (res) {
          if (res.status === 429) { self.showError(fmt(t.tooMany, { s: res.retry || "60" })); return; }
          if (res.status !== 200) { self.showError((res.body && (res.body.message_nl && self.lang === "nl" ? res.body.message_nl : res.body.message)) || t.error); return; }
          self.showResults(res.body);
        })
        .catch(function () { self.showError(t.error); });
    }

    showError(message) {
      this.status.className = "status err";
      this.status.textContent = message;
    }

    showResults(body) {
      var t = this.t, list = this.results;
      // the reasons come in the language the server used (an older server: Dutch): marked so for screen readers
      var reasonsLang = body.lang || "nl";
      this.status.className = "status";
      this.status.textContent = body.results.length ? fmt(t.found, { n: body.results.length }) : t.none;
      if (body.demo) list.appendChild(el("li", { "class": "demo", text: t.demo }));
      if (body.timetable && !body.timetable.covers_today) {
        list.appendChild(el("li", { "class": "demo timetable", text: fmt(t.timetableOld, { day: body.timetable.service_date }) }));
      }
      body.results.forEach(function (r) {
        var when = r.travel.mode === "at_home" ? t.atHome
          : Math.max(1, Math.round(r.travel.minutes)) + " " + t.minutes + " " + (t[r.travel.mode] || r.travel.mode).toLowerCase() +
            (r.travel.estimated ? " (" + t.estimated + ")" : r.travel.basis === "timetabled" ? " (" + t.timetabled + ")" : "");
        var address = r.location ? r.location.address_1 + ", " + r.location.postcode + " " + r.location.city : "";
        var why = el("ul", { "class": "why", lang: reasonsLang });
        r.reasons.slice(1, 4).forEach(function (reason) { why.appendChild(el("li", { text: reason })); });
        var contact = r.service.phone ? el("a", { href: "tel:" + r.service.phone.replace(/\s/g, ""), text: t.phone + " " + r.service.phone }) : null;
        list.appendChild(el("li", { "class": "r" }, [
          el("h3", { text: r.service.name }),
          el("div", { "class": "org", text: r.service.organization.name + (address ? " · " + address : "") }),
          el("div", { "class": "t", text: when }), why, contact
        ]));
      });
      // the data behind the travel times must be credited where they are shown (OpenStreetMap: ODbL)
      if (body.attribution && body.attribution.length) {
        list.appendChild(el("li", { "class": "credits", text: body.attribution.join(" · ") }));
      }
    }
  }

  if (!window.customElements.get("sociale-kaart-zoeker")) {
    window.customElements.define("sociale-kaart-zoeker", SocialeKaartZoeker);
  }
  if (script && script.hasAttribute("data-partnership") && !script.hasAttribute("data-manual")) {
    var widget = document.createElement("sociale-kaart-zoeker");
    ["data-partnership", "data-needs", "data-lang", "data-limit", "data-color", "data-api"].forEach(function (name) {
      if (script.hasAttribute(name)) widget.setAttribute(name, script.getAttribute(name));
    });
    script.parentNode.insertBefore(widget, script.nextSibling);
  }
})();

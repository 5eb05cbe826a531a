// /docs and /redoc: start Swagger UI or ReDoc on the app's own OpenAPI document (no inline script).
document.addEventListener("DOMContentLoaded", function () {
  var swagger = document.getElementById("swagger-ui");
  if (swagger && window.SwaggerUIBundle) {
    window.ui = window.SwaggerUIBundle({
      url: swagger.getAttribute("data-openapi"),
      dom_id: "#swagger-ui",
      deepLinking: true,
      presets: [window.SwaggerUIBundle.presets.apis],
      layout: "BaseLayout",
      oauth2RedirectUrl: window.location.origin + "/docs/oauth2-redirect"
    });
  }
  var redoc = document.getElementById("redoc");
  if (redoc && window.Redoc) {
    // no search box: its web worker would be a blob: script, which the CSP rightly refuses
    window.Redoc.init(redoc.getAttribute("data-openapi"), {disableSearch: true}, redoc);
  }
});

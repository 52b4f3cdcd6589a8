// Starts Swagger UI on the API's documentation page (/api/v1/docs/). A file of its own,
// not an inline script, so that the site's Content-Security-Policy allows it.
"use strict";
(function () {
  const root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    domNode: root,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // Without deep links: each operation's heading is then a single button, not a link
    // inside a button (which screen readers cannot reach).
    deepLinking: false,
    // Read-only and public: the "Try it out" button sends real GETs, nothing else.
    supportedSubmitMethods: ["get"],
  });
})();

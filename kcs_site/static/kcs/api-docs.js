// Starts Swagger UI on the API documentation page (kcs_site/templates/api/docs.html) from the
// schema URL the page names. A file, not an inline script: the site's CSP allows only its own files.
// "Try it out" with the session: unsafe methods carry the CSRF token, as the site's forms do.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root || !window.SwaggerUIBundle) {
    return;
  }
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  window.SwaggerUIBundle({
    url: root.getAttribute("data-schema-url"),
    domNode: root,
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    requestInterceptor: function (request) {
      var token = csrfToken();
      if (token && !/^(GET|HEAD|OPTIONS)$/i.test(request.method || "GET")) {
        request.headers["X-CSRFToken"] = token;
      }
      return request;
    },
  });
})();

// Interactive API docs: Swagger UI from our own assets (no CDN), reading the generated OpenAPI 3.1 document.
window.addEventListener("load", () => {
  window.SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: true,
    tryItOutEnabled: true,
  });
});

// /docs: Swagger UI over this server's own /openapi.json. No validator badge (it would
// call a server elsewhere), "try it out" against the same origin.
window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  validatorUrl: null,
  deepLinking: true,
  docExpansion: 'list',
  defaultModelsExpandDepth: 0,
  tryItOutEnabled: true,
});

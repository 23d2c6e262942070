export * from './api-docs.decorators.js';
export * from './gateway-routes.js';
export * from './openapi.document.js';
export * from './docs.http.controller.js';

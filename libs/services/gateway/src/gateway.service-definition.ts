import helmet from '@fastify/helmet';
import type { ServiceDefinition } from '@shop/platform';
import { installCorrelation } from './correlation.js';
import { GatewayModule } from './gateway.module.js';
import { ApiDocs, serveDocsAssets } from './openapi/docs.http.controller.js';
import { buildOpenApiDocument, docsEnabled } from './openapi/openapi.document.js';

export const gatewayService: ServiceDefinition = {
  name: 'gateway',
  module: GatewayModule,
  defaultHttpPort: 3000,
  // The public API: every request gets its access log line.
  accessLogLevel: 'log',
  // Its /health/ready names those of these with no live instance in discovery.
  requires: ['user', 'product'],
  configureHttp: async (app, env) => {
    installCorrelation(app);
    await app.register(helmet as never, { contentSecurityPolicy: false });
    const origins = (env['CORS_ORIGINS'] ?? '').split(',').map((o) => o.trim()).filter(Boolean);
    app.enableCors({ origin: origins.length ? origins : false, exposedHeaders: ['x-correlation-id', 'retry-after', 'www-authenticate'] });
    if (docsEnabled(env)) {
      app.get(ApiDocs).document = buildOpenApiDocument(app, { version: env['APP_VERSION'] || undefined });
      await serveDocsAssets(app);
    }
  },
};

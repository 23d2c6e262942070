import { Controller, Get, Header, Injectable } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiExcludeController, type OpenAPIObject } from '@nestjs/swagger';
import { Public } from '@shop/auth';
import { DomainError, ErrorCodes } from '@shop/contracts';
import { createRequire } from 'node:module';

/** The gateway's OpenAPI document, set at boot when the docs are enabled. */
@Injectable()
export class ApiDocs {
  document?: OpenAPIObject;

  current(): OpenAPIObject {
    if (!this.document) throw new DomainError(ErrorCodes.NOT_FOUND, 'the API documentation is not served here');
    return this.document;
  }
}

/** The Swagger UI files /docs loads (everything else of swagger-ui-dist stays unserved). */
const UI_ASSETS = ['swagger-ui.css', 'index.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js', 'favicon-32x32.png', 'favicon-16x16.png'];

const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>shop API</title>
  <link rel="stylesheet" href="docs/assets/swagger-ui.css">
  <link rel="stylesheet" href="docs/assets/index.css">
  <link rel="icon" type="image/png" href="docs/assets/favicon-32x32.png" sizes="32x32">
  <link rel="icon" type="image/png" href="docs/assets/favicon-16x16.png" sizes="16x16">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="docs/assets/swagger-ui-bundle.js"></script>
  <script src="docs/assets/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({ url: 'docs/openapi.json', dom_id: '#swagger-ui', deepLinking: true, presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], plugins: [SwaggerUIBundle.plugins.DownloadUrl], layout: 'StandaloneLayout' });
  </script>
</body>
</html>
`;

/**
 * Swagger UI at /docs and the document at /docs/openapi.json: Nest routes
 * marked @Public, so the deny-by-default guard lets them through on their
 * rule (and the rate limit applies). Not served (404) when disabled.
 */
@ApiExcludeController()
@Controller('docs')
@Public()
export class DocsHttpController {
  constructor(private readonly docs: ApiDocs) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  page(): string {
    this.docs.current();
    return PAGE;
  }

  @Get('openapi.json')
  @Header('Content-Type', 'application/json; charset=utf-8')
  document(): OpenAPIObject {
    return this.docs.current();
  }
}

/** Serves the UI's static files (swagger-ui-dist, the copy @nestjs/swagger depends on) under /docs/assets/. */
export async function serveDocsAssets(app: NestFastifyApplication): Promise<void> {
  const fromSwagger = createRequire(createRequire(import.meta.url).resolve('@nestjs/swagger'));
  const root = (fromSwagger('swagger-ui-dist/absolute-path.js') as () => string)();
  const fastifyStatic = (await import('@fastify/static')).default;
  const allowed = new Set(UI_ASSETS.map((f) => `/${f}`));
  await app.register(fastifyStatic as never, { root, prefix: '/docs/assets/', decorateReply: false, index: false, list: false, allowedPath: (pathName: string) => allowed.has(pathName) });
}

import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, type OperationObject, type ResponseObject, type SchemaObject, SwaggerModule, getSchemaPath } from '@nestjs/swagger';
import { type ErrorCode, ErrorCodes } from '@shop/contracts';
import { RpcClient } from '@shop/messaging';
import { HTTP_STATUS_BY_CODE, type ProblemDetails } from '@shop/platform';
import { API_ANSWER, API_PROBLEMS, type ApiAnswer } from './api-docs.decorators.js';
import { type GatewayRoute, gatewayRoutes, openApiPath } from './gateway-routes.js';

export const BEARER_SCHEME = 'bearer';
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;
const PROBLEM_SCHEMA = 'Problem';
const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/**
 * Routes the gateway serves that the document leaves out, each with the
 * reason (test/security/openapi.spec.ts holds this list equal to the
 * difference between the served routes and the document).
 */
export const UNDOCUMENTED_ROUTES: Record<string, string> = {
  'GET /health/live': 'liveness probe of every app, for the orchestrator; not part of the client API',
  'GET /health/ready': 'readiness probe of every app, for the orchestrator; not part of the client API',
  'GET /metrics': 'Prometheus scrape endpoint inside the cluster (the ingress does not route it)',
  'GET /docs': 'this documentation (Swagger UI)',
  'GET /docs/openapi.json': 'this document itself',
  'GET /docs/assets/*': 'Swagger UI static files',
};

/** Codes any route may answer, whatever it does. */
function commonCodes(route: GatewayRoute, operation: OperationObject): ErrorCode[] {
  const codes: ErrorCode[] = [
    // HttpAuthGuard: a token that is sent must be valid, also on public routes; service tokens are refused.
    ErrorCodes.UNAUTHENTICATED,
    ErrorCodes.AUTH_TOKEN_INVALID,
    ErrorCodes.FORBIDDEN,
    // RateLimitGuard runs on every route.
    ErrorCodes.RATE_LIMITED,
    ErrorCodes.INTERNAL,
  ];
  // The ValidationPipe (bodies, queries) and ParseUUIDPipe (path ids).
  if (operation.requestBody || operation.parameters?.some((p) => 'in' in p && p.in !== 'header')) codes.push(ErrorCodes.VALIDATION_FAILED);
  // A controller that calls services by RPC answers 503 when none is live and 504 when a call times out.
  const injected = (Reflect.getMetadata('design:paramtypes', route.controller) as unknown[] | undefined) ?? [];
  if (injected.includes(RpcClient)) codes.push(ErrorCodes.SERVICE_UNAVAILABLE, ErrorCodes.RPC_TIMEOUT);
  return codes;
}

/** The codes a route may answer: common ones, then the controller's and the handler's @ApiProblems. */
export function problemCodesOf(route: GatewayRoute, operation: OperationObject): ErrorCode[] {
  const declared = [...((Reflect.getMetadata(API_PROBLEMS, route.controller) as ErrorCode[] | undefined) ?? []), ...((Reflect.getMetadata(API_PROBLEMS, route.handler) as ErrorCode[] | undefined) ?? [])];
  return [...new Set([...commonCodes(route, operation), ...declared])];
}

function accessText(access: GatewayRoute['access']): string {
  if (!access) return '**Access:** nobody (this route has no access rule and is refused).';
  if ('public' in access) return '**Access:** public. No token is needed; a token that is sent must be valid.';
  if (!access.roles.length) return '**Access:** any signed-in user (bearer access token).';
  return `**Access:** signed-in users with the role ${access.roles.join(' or ')} (bearer access token).`;
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 422: 'Unprocessable Content', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable', 504: 'Gateway Timeout' };

/** One example answer per code, in components.examples (operations refer to them). */
function problemExample(code: ErrorCode): ProblemDetails {
  const status = HTTP_STATUS_BY_CODE[code];
  return {
    type: `urn:shop:error:${code}`,
    title: STATUS_TEXT[status] ?? 'Error',
    status,
    detail: code === ErrorCodes.INTERNAL ? 'Internal error (error id 0192f0c4-6b1e-7cc3-9a57-3f1c2d4e5a6b)' : `an example of ${code}`,
    code,
    instance: '/api/v1/...',
    correlationId: '0192f0c4-6b1e-7cc3-9a57-3f1c2d4e5a6c',
    ...(code === ErrorCodes.INTERNAL ? { errorId: '0192f0c4-6b1e-7cc3-9a57-3f1c2d4e5a6b' } : {}),
  };
}

const exampleName = (code: ErrorCode) => `problem-${code}`;

/** One response per HTTP status, each listing its codes (schema enum and one example per code). */
function problemResponses(codes: ErrorCode[]): Record<string, ResponseObject> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = HTTP_STATUS_BY_CODE[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, ResponseObject> = {};
  for (const [status, list] of [...byStatus.entries()].sort(([a], [b]) => a - b)) {
    const headers: ResponseObject['headers'] = { 'X-Correlation-Id': { $ref: '#/components/headers/CorrelationId' } };
    if (status === 401) headers['WWW-Authenticate'] = { description: '`Bearer realm="shop"`, with `error="invalid_token"` when a token was sent but refused.', schema: { type: 'string' } };
    if (status === 429) headers['Retry-After'] = { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } };
    responses[String(status)] = {
      description: `${STATUS_TEXT[status] ?? 'Error'}: ${list.join(', ')}.`,
      headers,
      content: {
        [PROBLEM_MEDIA_TYPE]: {
          schema: { allOf: [{ $ref: getSchemaPath(PROBLEM_SCHEMA) }, { type: 'object', properties: { status: { type: 'integer', enum: [status] }, code: { type: 'string', enum: list } } }] },
          examples: Object.fromEntries(list.map((code) => [code, { $ref: `#/components/examples/${exampleName(code)}` }])),
        },
      },
    };
  }
  return responses;
}

/** RFC 9457 problem details as ProblemDetailsFilter (libs/platform) answers them. */
function problemSchema(): SchemaObject {
  return {
    type: 'object',
    description: 'An error (RFC 9457 problem details). Clients rely on `code`, not on `detail`.',
    required: ['type', 'title', 'status', 'detail', 'code'],
    properties: {
      type: { type: 'string', format: 'uri-reference', description: '`urn:shop:error:<code>`', example: 'urn:shop:error:NOT_FOUND' },
      title: { type: 'string', example: 'Not Found' },
      status: { type: 'integer', minimum: 400, maximum: 599, example: 404 },
      detail: { type: 'string', example: 'no such product' },
      code: { type: 'string', enum: Object.values(ErrorCodes), description: 'The error code (libs/contracts ErrorCodes).', example: 'NOT_FOUND' },
      instance: { type: 'string', description: 'The request path.', example: '/api/v1/products/0192f0c4-6b1e-7cc3-9a57-3f1c2d4e5a6b' },
      correlationId: { type: 'string', description: 'The request\'s X-Correlation-Id.' },
      errors: { description: 'Details of a validation failure (one message per invalid field).' },
      errorId: { type: 'string', description: 'Internal errors only: the id under which the error was logged.' },
    },
  };
}

/** Adds to every operation what the code says about it: access, security, success status, problems. Returns the codes used. */
function describeOperations(document: OpenAPIObject, routes: GatewayRoute[]): Set<ErrorCode> {
  const used = new Set<ErrorCode>();
  for (const route of routes) {
    const operation = document.paths[openApiPath(route.path)]?.[route.method.toLowerCase() as 'get'] as OperationObject | undefined;
    if (!operation) continue;
    const access = route.access;
    operation.description = [accessText(access), operation.description].filter(Boolean).join('\n\n');
    (operation as OperationObject & { 'x-access': unknown })['x-access'] = !access ? 'none' : 'public' in access ? 'public' : access.roles.length ? access.roles : 'signed-in';
    operation.security = access && 'public' in access ? [{}, { [BEARER_SCHEME]: [] }] : [{ [BEARER_SCHEME]: [] }];
    const answer = Reflect.getMetadata(API_ANSWER, route.handler) as ApiAnswer | undefined;
    const responses: Record<string, ResponseObject> = {};
    if (answer) {
      const schema = answer.type ? (answer.isArray ? { type: 'array' as const, items: { $ref: getSchemaPath(answer.type) } } : { $ref: getSchemaPath(answer.type) }) : undefined;
      responses[String(route.successStatus)] = {
        description: answer.description ?? 'Success.',
        headers: { 'X-Correlation-Id': { $ref: '#/components/headers/CorrelationId' }, ...answer.headers },
        ...(schema ? { content: { 'application/json': { schema } } } : {}),
      };
    }
    // Nest's own guesses (a bare 200/201) give way to what the route declares.
    const codes = problemCodesOf(route, operation);
    codes.forEach((c) => used.add(c));
    operation.responses = { ...responses, ...problemResponses(codes) };
  }
  return used;
}

export interface DocumentOptions {
  version?: string;
}

/**
 * The gateway's OpenAPI 3.1 document, built from its controllers: swagger
 * reads the routes, parameters and DTOs; access rules, success statuses and
 * problem answers are added from the gateway's own metadata.
 */
export function buildOpenApiDocument(app: NestFastifyApplication, options: DocumentOptions = {}): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('shop API')
    .setDescription(
      [
        'The public HTTP API of the shop platform, served by the gateway. JSON in and out; errors are RFC 9457 problem details (`application/problem+json`) with a stable `code`.',
        'Sign in with `POST /api/v1/auth/login` and send the access token as `Authorization: Bearer <token>`. Each route states who may call it at the top of its description (and in `x-access`).',
        'Every response carries an `X-Correlation-Id` (the one the client sent, or a new one). Lists take `page`/`pageSize` (clamped) and answer `{ items, total, page, pageSize }`.',
      ].join('\n\n'),
    )
    .setVersion(options.version ?? '0.1.0')
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    .addServer('/', 'This gateway')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token from `POST /api/v1/auth/login` or `/auth/refresh` (EdDSA-signed JWT, short-lived).' }, BEARER_SCHEME)
    .build();
  // Every controller of the app, wherever its module is; the routes left out are UNDOCUMENTED_ROUTES.
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controller, method) => `${controller.replace(/HttpController$|Controller$/, '').replace(/^./, (c) => c.toLowerCase())}_${method}`,
  });
  document.components ??= {};
  document.components.schemas = { ...document.components.schemas, [PROBLEM_SCHEMA]: problemSchema() };
  document.components.headers = {
    ...document.components.headers,
    CorrelationId: { description: 'The request\'s correlation id: the X-Correlation-Id the client sent (1-128 of `A-Za-z0-9._:-`) or a new one; it is in every log line and message of the request.', schema: { type: 'string' } },
  };
  for (const route of Object.keys(UNDOCUMENTED_ROUTES)) {
    const [method, path] = route.split(' ') as [string, string];
    const item = document.paths[openApiPath(path)];
    if (!item) continue;
    delete item[method.toLowerCase() as 'get'];
    if (!METHODS.some((m) => item[m])) delete document.paths[openApiPath(path)];
  }
  const used = describeOperations(document, gatewayRoutes(app));
  document.components.examples = {
    ...document.components.examples,
    ...Object.fromEntries(Object.values(ErrorCodes).filter((code) => used.has(code)).map((code) => [exampleName(code), { summary: code, value: problemExample(code) }])),
  };
  collapseSingleAllOf(document.components.schemas);
  return document;
}

/** Swagger wraps a lone `$ref` with siblings in `allOf: [ref]`; OpenAPI 3.1 allows the siblings beside `$ref` itself. */
function collapseSingleAllOf(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(collapseSingleAllOf);
  if (typeof node !== 'object' || node === null) return;
  const record = node as Record<string, unknown>;
  const allOf = record['allOf'];
  if (Array.isArray(allOf) && allOf.length === 1 && typeof allOf[0] === 'object' && allOf[0] !== null && '$ref' in allOf[0] && !('$ref' in record)) {
    delete record['allOf'];
    record['$ref'] = (allOf[0] as { $ref: string }).$ref;
  }
  Object.values(record).forEach(collapseSingleAllOf);
}

/**
 * Whether the gateway serves /docs: DOCS_ENABLED (or `docs.enabled` in the
 * configuration) when set, otherwise everywhere but production
 * (NODE_ENV=production or the `prod` configuration profile).
 */
export function docsEnabled(env: NodeJS.ProcessEnv): boolean {
  const flag = env['DOCS_ENABLED']?.trim().toLowerCase();
  if (flag === 'true') return true;
  if (flag === 'false') return false;
  if (flag) throw new Error(`DOCS_ENABLED must be true or false, got "${env['DOCS_ENABLED']}"`);
  const production = env['NODE_ENV'] === 'production' || (env['SHOP_PROFILE'] ?? '').split(',').map((p) => p.trim()).includes('prod');
  return !production;
}

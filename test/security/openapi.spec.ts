import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import type { OpenAPIObject, OperationObject, ResponseObject, SchemaObject } from '@nestjs/swagger';
import { getMetadataStorage } from 'class-validator';
import { ErrorCodes } from '@shop/contracts';
import { HTTP_STATUS_BY_CODE, type RunningService, bootstrapService } from '@shop/platform';
import { ApiDocs, UNDOCUMENTED_ROUTES, docsEnabled, gatewayRoutes, gatewayService, openApiPath } from '@shop/services/gateway';
import { ROUTE_MATRIX } from './route-matrix.js';
import { fastifyRoutes, nestRoutes } from './served-routes.js';

/**
 * The gateway's OpenAPI document, generated in process from the gateway's
 * Nest app: it documents exactly the routes the gateway serves, with the
 * access rule each enforces, its success status, problem+json errors whose
 * codes map to their status, and it passes `redocly lint` (recommended rules)
 * without errors and without the network.
 */

const root = resolve(import.meta.dirname, '../..');
/** A class (DTO or controller). */
type Class = abstract new (...args: never[]) => unknown;

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;

/** The gateway alone: the document needs no other service (routes are read, not called). */
function startGateway(env: Record<string, string>): Promise<RunningService> {
  return bootstrapService(gatewayService, { httpPort: 0, logger: false, env: { SHOP_TRANSPORT: 'in-process', CONFIG_URL: '', DISCOVERY_URLS: '', ...env } });
}

/** The @Body() and @Query() DTO classes of a handler (Nest's route-argument metadata; 3 = body, 4 = query). */
function dtoArguments(controller: Class, handler: string): Array<{ kind: 'body' | 'query'; type: Class }> {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handler) ?? {}) as Record<string, { index: number; data?: unknown }>;
  const types = (Reflect.getMetadata('design:paramtypes', controller.prototype as object, handler) ?? []) as Class[];
  return Object.entries(args).flatMap(([key, arg]) => {
    const kind = key.startsWith('3:') ? 'body' : key.startsWith('4:') ? 'query' : undefined;
    const type = types[arg.index];
    return kind && arg.data === undefined && type && !([Object, String, Number] as unknown[]).includes(type) ? [{ kind, type }] : [];
  });
}

/** The fields the ValidationPipe lets through (forbidNonWhitelisted: any other field is refused). */
function acceptedFields(dto: Class): string[] {
  return [...new Set(getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false).map((m) => m.propertyName))].sort();
}

function operations(document: OpenAPIObject): Array<{ route: string; operation: OperationObject }> {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((m) => ({ route: `${m.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`, operation: item[m] as OperationObject })),
  );
}

describe('the gateway OpenAPI document', () => {
  let gateway: RunningService;
  let document: OpenAPIObject;

  beforeAll(async () => {
    gateway = await startGateway({ NODE_ENV: 'development' });
    const res = await fetch(`${gateway.url}/docs/openapi.json`);
    expect(res.status).toBe(200);
    document = (await res.json()) as OpenAPIObject;
    mkdirSync(join(root, 'tmp'), { recursive: true });
    writeFileSync(join(root, 'tmp/openapi.json'), JSON.stringify(document, null, 2));
  });

  afterAll(async () => {
    await gateway?.close();
  });

  it('is an OpenAPI 3.1 document with the bearer scheme, served as the document the app built', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.components?.securitySchemes?.['bearer']).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(document).toEqual(JSON.parse(JSON.stringify(gateway.app.get(ApiDocs).document)));
  });

  it('documents every route the gateway serves and nothing else; the routes left out are listed with a reason', () => {
    // Nest's routes, and what Fastify serves outside Nest (compared by shape: Fastify prints parameter names its own way).
    const shape = (route: string) => route.replace(/\/:[^/]+/g, '/:');
    const nest = nestRoutes(gateway.app).map((r) => r.route);
    const outsideNest = fastifyRoutes(gateway.app).filter((r) => !r.startsWith('OPTIONS ') && !nest.map(shape).includes(shape(r)));
    const served = [...nest, ...outsideNest];
    const documented = operations(document).map((o) => o.route);
    expect(documented.filter((r) => !served.includes(r))).toEqual([]);
    expect(served.filter((r) => !documented.includes(r)).sort()).toEqual(Object.keys(UNDOCUMENTED_ROUTES).sort());
    expect(documented.length).toBe(Object.keys(ROUTE_MATRIX).length - 5);
  });

  it('states at the top of each route the access the guard enforces, as the route matrix lists it', () => {
    // Roles compare as sets: their order in @Roles() means nothing.
    const roleSet = (access: unknown) => (Array.isArray(access) ? [...(access as string[])].sort() : access);
    const stated = Object.fromEntries(operations(document).map(({ route, operation }) => [route, roleSet((operation as unknown as Record<string, unknown>)['x-access'])]));
    const expected = Object.fromEntries(
      Object.entries(ROUTE_MATRIX)
        .filter(([route]) => !(route in UNDOCUMENTED_ROUTES))
        .map(([route, access]) => [route, access === 'public' ? 'public' : access.length === 3 ? expect.toBeOneOf(['signed-in', roleSet(access)]) : roleSet(access)]),
    );
    expect(stated).toEqual(expected);
    for (const { route, operation } of operations(document)) {
      const access = ROUTE_MATRIX[route]!;
      expect(operation.description, route).toMatch(access === 'public' ? /^\*\*Access:\*\* public\./ : /^\*\*Access:\*\* (any signed-in user|signed-in users with the role)/);
      if (access !== 'public') {
        expect(operation.security, route).toEqual([{ bearer: [] }]);
        for (const role of access.length === 3 ? [] : access) expect(operation.description, route).toContain(role);
      } else {
        expect(operation.security, route).toEqual([{}, { bearer: [] }]);
      }
    }
  });

  it('gives each route a summary, its success answer with the status the route answers, and problem+json errors under the status of each code', () => {
    const served = new Map(gateway.app.getHttpAdapter().getInstance() ? nestRoutes(gateway.app).map((r) => [r.route, r]) : []);
    for (const { route, operation } of operations(document)) {
      expect(operation.summary, route).toBeTruthy();
      expect(served.has(route), route).toBe(true);
      const statuses = Object.keys(operation.responses);
      const success = statuses.filter((s) => s.startsWith('2'));
      expect(success, route).toHaveLength(1);
      for (const status of statuses.filter((s) => !s.startsWith('2'))) {
        const response = operation.responses[status] as ResponseObject;
        const media = response.content?.['application/problem+json'];
        expect(media, `${route} ${status}`).toBeDefined();
        const codes = Object.keys(media!.examples ?? {});
        for (const [code, ex] of Object.entries(media!.examples ?? {})) expect((document.components!.examples![(ex as { $ref: string }).$ref.split('/').pop()!] as { value: { code: string } }).value.code).toBe(code);
        expect(codes.length, `${route} ${status}`).toBeGreaterThan(0);
        for (const code of codes) expect(HTTP_STATUS_BY_CODE[code as keyof typeof HTTP_STATUS_BY_CODE], `${route} ${code}`).toBe(Number(status));
      }
      // Every route may answer these, whatever it does.
      expect(statuses, route).toEqual(expect.arrayContaining(['401', '403', '429', '500']));
    }
    const codesOf = (route: string) => Object.values(operations(document).find((o) => o.route === route)!.operation.responses).flatMap((r) => Object.keys((r as ResponseObject).content?.['application/problem+json']?.examples ?? {}));
    expect(codesOf('GET /api/v1/products/:id')).toEqual(expect.arrayContaining([ErrorCodes.PRODUCT_NOT_FOUND, ErrorCodes.SERVICE_UNAVAILABLE, ErrorCodes.RPC_TIMEOUT]));
    expect(codesOf('POST /api/v1/auth/login')).toEqual(expect.arrayContaining([ErrorCodes.AUTH_INVALID_CREDENTIALS, ErrorCodes.VALIDATION_FAILED, ErrorCodes.RATE_LIMITED]));
    expect(codesOf('GET /api/v1/admin/services')).not.toContain(ErrorCodes.RPC_TIMEOUT); // answered from the gateway's own registry copy
  });

  it('documents the idempotent checkout (required Idempotency-Key, its codes, Location and Idempotent-Replayed) and the payment provider\'s test tokens', () => {
    const op = (route: string) => operations(document).find((o) => o.route === route)!.operation;
    const codesOf = (route: string) => Object.values(op(route).responses).flatMap((r) => Object.keys((r as ResponseObject).content?.['application/problem+json']?.examples ?? {}));
    const checkout = op('POST /api/v1/orders');
    expect(checkout.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: true })]));
    expect(codesOf('POST /api/v1/orders')).toEqual(expect.arrayContaining([ErrorCodes.IDEMPOTENCY_KEY_REQUIRED, ErrorCodes.IDEMPOTENCY_IN_PROGRESS, ErrorCodes.IDEMPOTENCY_KEY_REUSED, ErrorCodes.ORDER_CART_EMPTY, ErrorCodes.PRODUCT_UNAVAILABLE]));
    expect(Object.keys((checkout.responses['201'] as ResponseObject).headers ?? {})).toEqual(expect.arrayContaining(['Location', 'Idempotent-Replayed']));
    expect((checkout.responses['201'] as ResponseObject).headers!['Location']).toMatchObject({ required: true });
    const pay = op('POST /api/v1/orders/:id/payment');
    for (const token of ['tok_visa', 'tok_mastercard', 'tok_chargeDeclined', 'tok_timeout', 'PAYMENT_TIMEOUT_MS', 'order.payment-window-ms']) expect(pay.description, token).toContain(token);
    expect(Object.keys(pay.responses)).toEqual(expect.arrayContaining(['402', '504']));
    expect(codesOf('POST /api/v1/orders/:id/payment')).toEqual(expect.arrayContaining([ErrorCodes.PAYMENT_DECLINED, ErrorCodes.PAYMENT_TIMEOUT, ErrorCodes.PAYMENT_IN_PROGRESS, ErrorCodes.ORDER_PAYMENT_WINDOW_CLOSED, ErrorCodes.ORDER_TRANSITION_FORBIDDEN, ErrorCodes.ORDER_NOT_FOUND]));
    expect(codesOf('GET /api/v1/orders')).not.toContain(ErrorCodes.ORDER_NOT_FOUND);
    expect(codesOf('POST /api/v1/admin/notifications/dead-letters/:id/replay')).toContain(ErrorCodes.NOTIFICATION_NOT_FOUND);
  });

  it('takes its success statuses from @HttpCode: login answers 200, register 201', () => {
    const statusOf = (route: string) => Object.keys(operations(document).find((o) => o.route === route)!.operation.responses).find((s) => s.startsWith('2'));
    expect(statusOf('POST /api/v1/auth/login')).toBe('200');
    expect(statusOf('POST /api/v1/auth/register')).toBe('201');
    expect(statusOf('GET /api/v1/products')).toBe('200');
  });

  it('describes request bodies and queries from the DTOs, with their validation rules', () => {
    const op = (route: string) => operations(document).find((o) => o.route === route)!.operation;
    const register = op('POST /api/v1/auth/register').requestBody as { content: Record<string, { schema: { $ref: string } }> };
    const ref = register.content['application/json']!.schema.$ref.split('/').pop()!;
    expect(document.components!.schemas![ref]).toMatchObject({ required: expect.arrayContaining(['email', 'password', 'displayName']), properties: { displayName: { minLength: 1, maxLength: 100 } } });
    expect(op('GET /api/v1/products').parameters!.map((p) => ('name' in p ? p.name : '')).sort()).toEqual(['categoryId', 'inStock', 'maxPrice', 'minPrice', 'page', 'pageSize', 'q', 'sellerId', 'sort', 'status']);
    expect(op('PATCH /api/v1/products/:id').parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } })]));
  });

  it('lists in each request body and query exactly the fields the validation accepts, the DTOs\' nested objects included', () => {
    const schemas = document.components!.schemas! as Record<string, SchemaObject>;
    const checked: string[] = [];
    const compareSchema = (dto: Class, schema: SchemaObject, where: string) => {
      expect(Object.keys(schema.properties ?? {}).sort(), where).toEqual(acceptedFields(dto));
      // Nested DTOs (@ValidateNested + @Type): their schema must list their fields too.
      for (const m of getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false).filter((v) => v.type === 'nestedValidation')) {
        const nested = Reflect.getMetadata('design:type', dto.prototype as object, m.propertyName) as Class;
        const ref = (schema.properties![m.propertyName] as { $ref?: string }).$ref;
        expect(ref, `${where}.${m.propertyName}`).toBeDefined();
        compareSchema(nested, schemas[ref!.split('/').pop()!]!, `${where}.${m.propertyName}`);
      }
    };
    for (const route of gatewayRoutes(gateway.app)) {
      const operation = document.paths[openApiPath(route.path)]?.[route.method.toLowerCase() as 'get'] as OperationObject | undefined;
      if (!operation) continue;
      for (const { kind, type } of dtoArguments(route.controller, route.handler.name)) {
        const where = `${route.method} ${route.path} ${kind} ${type.name}`;
        checked.push(where);
        if (kind === 'query') {
          expect((operation.parameters ?? []).filter((p) => 'in' in p && p.in === 'query').map((p) => ('name' in p ? p.name : '')).sort(), where).toEqual(acceptedFields(type));
        } else {
          const ref = ((operation.requestBody as { content: Record<string, { schema: { $ref: string } }> }).content['application/json']!.schema.$ref ?? '').split('/').pop()!;
          compareSchema(type, schemas[ref]!, where);
        }
      }
    }
    expect(checked.length).toBeGreaterThanOrEqual(15);
  });

  it('passes redocly lint (recommended rules) with no error, without the network', () => {
    // Any attempt to open a connection is reported on stderr and refused.
    const noNetwork = [
      "import net from 'node:net';",
      "const refuse = (what) => { process.stderr.write('NETWORK ATTEMPT ' + what + '\\n'); throw new Error('network is off in this test'); };",
      "net.Socket.prototype.connect = function () { refuse('socket'); };",
      "globalThis.fetch = async (url) => refuse(String(url));",
    ].join('\n');
    const run = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(noNetwork)}`, join(root, 'node_modules/@redocly/cli/bin/cli.js'), 'lint', 'tmp/openapi.json', '--config', 'redocly.yaml', '--format', 'json'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
    });
    expect(run.stderr).not.toMatch(/NETWORK ATTEMPT/);
    const json = run.stdout.slice(run.stdout.indexOf('{'));
    const report = JSON.parse(json) as { totals: { errors: number; warnings: number }; problems: Array<{ ruleId: string; severity: string; message: string; location: Array<{ pointer: string }> }> };
    const summary = report.problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`);
    expect(summary.filter((p) => p.startsWith('error'))).toEqual([]);
    expect(report.totals.errors).toBe(0);
    expect(run.status).toBe(0);
    expect(summary.filter((p) => p.startsWith('warn')).length, summary.join('\n')).toBeLessThanOrEqual(5);
  });

  it('serves Swagger UI at /docs, with its static files, to anyone', async () => {
    const page = await fetch(`${gateway.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('docs/openapi.json');
    for (const asset of [...html.matchAll(/(?:src|href)="(docs\/assets\/[^"]+)"/g)].map((m) => m[1]!)) {
      const res = await fetch(`${gateway.url}/${asset}`);
      await res.arrayBuffer();
      expect(res.status, asset).toBe(200);
    }
    // Only the UI's files: nothing else of the package.
    const other = await fetch(`${gateway.url}/docs/assets/package.json`);
    await other.arrayBuffer();
    expect(other.status).toBe(404);
  });
});

describe('where /docs is served', () => {
  it('everywhere but production, unless DOCS_ENABLED says otherwise', () => {
    expect(docsEnabled({})).toBe(true);
    expect(docsEnabled({ NODE_ENV: 'test' })).toBe(true);
    expect(docsEnabled({ NODE_ENV: 'production' })).toBe(false);
    expect(docsEnabled({ SHOP_PROFILE: 'prod' })).toBe(false);
    expect(docsEnabled({ SHOP_PROFILE: 'dev,prod' })).toBe(false);
    expect(docsEnabled({ NODE_ENV: 'production', DOCS_ENABLED: 'true' })).toBe(true);
    expect(docsEnabled({ DOCS_ENABLED: 'false' })).toBe(false);
    expect(() => docsEnabled({ DOCS_ENABLED: 'yes' })).toThrow(/DOCS_ENABLED/);
  });

  it.each([
    { name: 'NODE_ENV=production', env: { NODE_ENV: 'production' } as Record<string, string>, status: 404 },
    { name: 'the prod profile', env: { SHOP_PROFILE: 'prod', NODE_ENV: 'development' }, status: 404 },
    { name: 'NODE_ENV=production with DOCS_ENABLED=true', env: { NODE_ENV: 'production', DOCS_ENABLED: 'true' }, status: 200 },
  ])('$name: /docs, /docs/openapi.json and the UI files answer $status', async ({ env, status }) => {
    const gateway = await startGateway(env);
    try {
      for (const path of ['/docs', '/docs/openapi.json', '/docs/assets/swagger-ui.css']) {
        const res = await fetch(`${gateway.url}${path}`);
        await res.arrayBuffer();
        expect(res.status, path).toBe(status);
        if (status === 404 && path !== '/docs/assets/swagger-ui.css') expect(res.headers.get('content-type'), path).toMatch(/^application\/problem\+json/);
      }
    } finally {
      await gateway.close();
    }
  });
});

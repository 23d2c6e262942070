import type { Role } from '@shop/contracts';

/**
 * Who may call each route the gateway app serves. route-matrix.spec.ts holds
 * this table equal to the routes Nest and Fastify actually serve (both ways)
 * and to the access rule of each (@Public, @SignedIn, @Roles); the security
 * suite then proves it over HTTP in both modes: 401 without a token, 403 for
 * every role not listed. A new route fails the build until it is added here.
 */
export type Access = 'public' | readonly Role[];

export const ALL_ROLES = ['ADMIN', 'SELLER', 'CUSTOMER'] as const satisfies readonly Role[];

export const ROUTE_MATRIX: Record<string, Access> = {
  // Every app's own endpoints (probes and Prometheus; the ingress routes neither).
  'GET /health/live': 'public',
  'GET /health/ready': 'public',
  'GET /metrics': 'public',
  // The API documentation (the gateway answers 404 on both where it is disabled: production by default).
  'GET /docs': 'public',
  'GET /docs/openapi.json': 'public',
  // Sign-up and sign-in.
  'POST /api/v1/auth/register': 'public',
  'POST /api/v1/auth/login': 'public',
  'POST /api/v1/auth/refresh': 'public',
  'POST /api/v1/auth/logout': 'public',
  'GET /api/v1/auth/jwks': 'public',
  'GET /.well-known/jwks.json': 'public',
  // One's own account.
  'GET /api/v1/users/me': ALL_ROLES,
  'PATCH /api/v1/users/me': ALL_ROLES,
  'POST /api/v1/users/me/password': ALL_ROLES,
  // Administration.
  'GET /api/v1/admin/users': ['ADMIN'],
  'PUT /api/v1/admin/users/:id/roles': ['ADMIN'],
  'POST /api/v1/admin/users/:id/disable': ['ADMIN'],
  'POST /api/v1/admin/users/:id/enable': ['ADMIN'],
  'POST /api/v1/admin/signing-keys/rotate': ['ADMIN'],
  'GET /api/v1/admin/services': ['ADMIN'],
  'GET /api/v1/admin/notifications': ['ADMIN'],
  'GET /api/v1/admin/notifications/dead-letters': ['ADMIN'],
  'POST /api/v1/admin/notifications/dead-letters/:id/replay': ['ADMIN'],
  // The catalog: anyone reads; sellers (their own products) and admins write.
  'GET /api/v1/products': 'public',
  'GET /api/v1/products/:id': 'public', // an id or a slug
  'POST /api/v1/products': ['SELLER', 'ADMIN'],
  'PATCH /api/v1/products/:id': ['SELLER', 'ADMIN'],
  'POST /api/v1/products/:id/stock': ['SELLER', 'ADMIN'],
  'GET /api/v1/products/:id/stock/movements': ['SELLER', 'ADMIN'],
  'GET /api/v1/categories': 'public',
  'POST /api/v1/categories': ['ADMIN'],
  'PATCH /api/v1/categories/:id': ['ADMIN'],
  'DELETE /api/v1/categories/:id': ['ADMIN'],
  // A customer's own cart (no id in the path: the cart is the caller's).
  'GET /api/v1/cart': ['CUSTOMER'],
  'POST /api/v1/cart/items': ['CUSTOMER'],
  'PATCH /api/v1/cart/items/:productId': ['CUSTOMER'],
  'DELETE /api/v1/cart/items/:productId': ['CUSTOMER'],
  'DELETE /api/v1/cart': ['CUSTOMER'],
  // Orders: customers check out, pay and cancel their own; sellers ship their lines; admins manage all.
  'POST /api/v1/orders': ['CUSTOMER'],
  'GET /api/v1/orders': ALL_ROLES,
  'GET /api/v1/orders/:id': ALL_ROLES,
  'GET /api/v1/orders/:id/history': ALL_ROLES,
  'POST /api/v1/orders/:id/payment': ['CUSTOMER'],
  'POST /api/v1/orders/:id/cancel': ['CUSTOMER', 'ADMIN'],
  'POST /api/v1/orders/:id/ship': ['SELLER', 'ADMIN'],
  'POST /api/v1/orders/:id/deliver': ['SELLER', 'ADMIN'],
};

/**
 * Routes Fastify serves that are no Nest handler (so no guard runs on them),
 * each with the reason it may exist. Anything else outside Nest fails the test.
 */
export const NON_NEST_ROUTES: Record<string, string> = {
  'OPTIONS *': 'CORS preflight answered by @fastify/cors (no handler, no data)',
  'GET /docs/assets/*': 'Swagger UI static files (@fastify/static, a fixed list of swagger-ui-dist files; registered only where /docs is enabled)',
};

/** Routes whose call has a lasting side effect: the HTTP matrix does not call them as an allowed role. */
export const SIDE_EFFECT_ROUTES = new Set(['POST /api/v1/admin/signing-keys/rotate']);

export interface RouteProbe {
  route: string;
  method: string;
  /** The path with every parameter replaced by a fresh UUID. */
  path: string;
  access: Access;
}

/** One concrete request per route of the matrix. */
export function routeProbes(id: string): RouteProbe[] {
  return Object.entries(ROUTE_MATRIX).map(([route, access]) => {
    const [method, pattern] = route.split(' ') as [string, string];
    return { route, method, path: pattern.replace(/:[A-Za-z]+/g, id), access };
  });
}

export type RoleTokens = Record<Role, string>;

export interface MatrixOutcome {
  route: string;
  as: 'anonymous' | Role;
  status: number;
  problem: boolean;
  wwwAuthenticate: boolean;
}

/**
 * Calls every non-public route without a token and with a token of each role:
 * what each answered. Allowed roles send an empty body, so the call stops at
 * validation or at an unknown id (no lasting effect); side-effect routes are
 * not called as an allowed role.
 */
export async function probeRouteMatrix(gatewayUrl: string, tokens: RoleTokens, id: string): Promise<MatrixOutcome[]> {
  const outcomes: MatrixOutcome[] = [];
  for (const probe of routeProbes(id)) {
    if (probe.access === 'public') continue;
    const callers: Array<['anonymous' | Role, string | undefined]> = [['anonymous', undefined], ...ALL_ROLES.map((r): [Role, string] => [r, tokens[r]])];
    for (const [as, token] of callers) {
      if (as !== 'anonymous' && probe.access.includes(as) && SIDE_EFFECT_ROUTES.has(probe.route)) continue;
      const res = await fetch(`${gatewayUrl}${probe.path}`, {
        method: probe.method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(probe.method === 'GET' ? {} : { 'content-type': 'application/json' }) },
        ...(probe.method === 'GET' ? {} : { body: '{}' }),
      });
      await res.arrayBuffer();
      outcomes.push({
        route: probe.route,
        as,
        status: res.status,
        problem: /application\/problem\+json/.test(res.headers.get('content-type') ?? ''),
        wwwAuthenticate: /^Bearer /.test(res.headers.get('www-authenticate') ?? ''),
      });
    }
  }
  return outcomes;
}

/** What the matrix says each probe must answer: 401 anonymous, 403 for a role not listed, neither for a listed one. */
export function expectedOutcome(route: string, as: 'anonymous' | Role): 'unauthorized' | 'forbidden' | 'allowed' {
  const access = ROUTE_MATRIX[route]!;
  if (access === 'public') return 'allowed';
  if (as === 'anonymous') return 'unauthorized';
  return access.includes(as) ? 'allowed' : 'forbidden';
}

export function classify(o: MatrixOutcome): 'unauthorized' | 'forbidden' | 'allowed' | 'malformed' {
  if (o.status === 401) return o.problem && o.wwwAuthenticate ? 'unauthorized' : 'malformed';
  if (o.status === 403) return o.problem ? 'forbidden' : 'malformed';
  return 'allowed';
}

import { counterIn, gaugeIn, histogramIn } from '@shop/messaging';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const COUNTED = Symbol('shop.http.counted');

/** The route TEMPLATE a request matched (`/api/v1/products/:idOrSlug`), never the raw URL; `unmatched` for a 404 without a route. */
export function routeLabel(request: FastifyRequest): string {
  return request.routeOptions?.url ?? 'unmatched';
}

/** `2xx`, `4xx`, `5xx`... */
export function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}

/**
 * RED metrics of an app's HTTP server, on its own registry: requests by
 * method, route template and status class, their duration, and the requests
 * in flight (the gateway's autoscaling signal). Labels are closed sets: the
 * route is the template the router matched, so ids in paths never become
 * series. Installed by the platform on every app, before its routes.
 */
export function instrumentHttp(fastify: FastifyInstance, registry: Registry): void {
  const requests = counterIn(registry, 'shop_http_requests_total', 'HTTP requests answered, by method, route template and status class.', ['method', 'route', 'status_class']);
  const duration = histogramIn(registry, 'shop_http_request_duration_seconds', 'Time to answer an HTTP request, by method and route template.', ['method', 'route']);
  const inFlight = gaugeIn(registry, 'shop_http_requests_in_flight', 'HTTP requests being handled now.', []);
  const done = (request: FastifyRequest) => {
    const flags = request as unknown as Record<symbol, boolean>;
    if (flags[COUNTED]) return false;
    flags[COUNTED] = true;
    inFlight.dec();
    return true;
  };
  fastify.addHook('onRequest', async () => {
    inFlight.inc();
  });
  fastify.addHook('onResponse', async (request, reply) => {
    if (!done(request)) return;
    const method = METHODS.has(request.method) ? request.method : 'OTHER';
    const route = routeLabel(request);
    requests.inc({ method, route, status_class: statusClass(reply.statusCode) });
    duration.observe({ method, route }, reply.elapsedTime / 1000);
  });
  // A client that hangs up before the answer: no longer in flight (its answer, if any, is not counted).
  fastify.addHook('onRequestAbort', async (request) => {
    done(request);
  });
}

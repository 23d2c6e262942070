import type { LoggerService } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { JsonLogger, type Span, SpanKind, activeTraceIds, contextFromHeaders, endSpan, redact, startSpan, tracingEnabled, withSpan } from '@shop/observability';
import type { FastifyReply, FastifyRequest } from 'fastify';

const SPAN = Symbol('shop.httpSpan');
const STARTED = Symbol('shop.httpStarted');

interface Observed {
  [SPAN]?: Span;
  [STARTED]?: number;
}

/** Probes and scrapes: neither traced nor logged (they would drown the requests that matter). */
function isPlatformProbe(url: string): boolean {
  return url.startsWith('/health/') || url === '/metrics' || url.startsWith('/metrics?');
}

/**
 * Every HTTP request of the app runs in a server span (child of the caller's
 * `traceparent`, if it sent one) and ends with one access log line: method,
 * route, status, duration, correlation id, trace id (at `accessLogLevel`;
 * a 5xx at `warn`). At the `verbose` level
 * the line also has the request's headers and body, redacted by the logger.
 */
export function installHttpObservability(app: NestFastifyApplication, service: string, logger: LoggerService | false, accessLogLevel: 'log' | 'debug' = 'debug'): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, _reply, done) => {
    const observed = request as unknown as Observed;
    observed[STARTED] = performance.now();
    if (!tracingEnabled() || isPlatformProbe(request.url)) return done();
    const parent = contextFromHeaders(request.headers);
    const span = startSpan(service, `${request.method}`, {
      kind: SpanKind.SERVER,
      parent,
      attributes: { 'http.request.method': request.method, 'url.path': request.url.split('?')[0], 'url.scheme': request.protocol, 'client.address': request.ip, 'user_agent.original': request.headers['user-agent'] ?? '' },
    });
    observed[SPAN] = span;
    withSpan(span, done, parent);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    if (!isPlatformProbe(request.url)) finish(logger, accessLogLevel, request, reply);
    done();
  });
}

function finish(logger: LoggerService | false, accessLogLevel: 'log' | 'debug', request: FastifyRequest, reply: FastifyReply): void {
  const observed = request as unknown as Observed;
  const span = observed[SPAN];
  const route = request.routeOptions.url;
  const status = reply.statusCode;
  const correlationId = reply.getHeader('x-correlation-id');
  if (span) {
    span.updateName(route ? `${request.method} ${route}` : request.method);
    span.setAttribute('http.response.status_code', status);
    if (route) span.setAttribute('http.route', route);
    if (typeof correlationId === 'string') span.setAttribute('shop.correlation_id', correlationId);
    endSpan(span, status >= 500 ? new Error(`HTTP ${status}`) : undefined);
  }
  const durationMs = Math.round((performance.now() - (observed[STARTED] ?? performance.now())) * 10) / 10;
  // The response hook may run outside the request's async context: the ids are passed explicitly.
  const ids = span ? { traceId: span.spanContext().traceId, spanId: span.spanContext().spanId } : activeTraceIds();
  const line: Record<string, unknown> = { msg: 'request completed', method: request.method, url: request.url, route, status, durationMs, ...(typeof correlationId === 'string' ? { correlationId } : {}), ...ids };
  if (!logger) return;
  if (status >= 500) logger.warn(line, 'Http');
  else if (accessLogLevel === 'log') logger.log(line, 'Http');
  else logger.debug?.(line, 'Http');
  // Redacted here too: the app may have been given a logger of its own.
  if (logger.verbose && (!(logger instanceof JsonLogger) || logger.isLevelEnabled('verbose'))) {
    logger.verbose({ ...line, msg: 'request detail', ...(redact({ headers: request.headers, body: request.body }) as object) }, 'Http');
  }
}

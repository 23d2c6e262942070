import { type Attributes, type Context, type Link, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, type TextMapGetter, context, propagation, trace } from '@opentelemetry/api';
import type { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { hostname } from 'node:os';

export { ROOT_CONTEXT, SpanKind };
export type { Attributes, Context, Span };

/** How an app exports its traces; tracing is off unless OTEL_TRACES_EXPORTER=otlp. */
export interface TracingOptions {
  enabled: boolean;
  /** service.name of the spans' resource: the app (or `all-in-one`). */
  serviceName: string;
  instanceId: string;
  /** OTLP/HTTP (JSON) traces URL. */
  tracesUrl: string;
  /** Share of new traces recorded (a caller's sampling decision is followed). */
  sampleRatio: number;
  /** How long spans wait in the batch before they are sent. */
  scheduledDelayMs: number;
}

/** The instance id of this process in logs and spans: host name and pid (the pod name on Kubernetes). */
export function instanceId(): string {
  return `${hostname()}/${process.pid}`;
}

/**
 * OTEL_TRACES_EXPORTER `otlp` turns tracing on (default `none`: no tracer is
 * installed and no span object is created). OTEL_EXPORTER_OTLP_ENDPOINT is the
 * collector's base URL (`/v1/traces` is appended), or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT the full traces URL.
 */
export function tracingOptionsFromEnv(serviceName: string, env: NodeJS.ProcessEnv = process.env): TracingOptions {
  const exporter = (env['OTEL_TRACES_EXPORTER'] ?? 'none').trim();
  if (exporter !== 'otlp' && exporter !== 'none') throw new Error(`OTEL_TRACES_EXPORTER must be "otlp" or "none", got "${exporter}"`);
  const base = (env['OTEL_EXPORTER_OTLP_ENDPOINT'] ?? 'http://127.0.0.1:4318').replace(/\/+$/, '');
  const ratio = Number(env['OTEL_TRACES_SAMPLER_ARG'] ?? '1');
  if (!(ratio >= 0 && ratio <= 1)) throw new Error(`OTEL_TRACES_SAMPLER_ARG must be a ratio between 0 and 1, got "${env['OTEL_TRACES_SAMPLER_ARG']}"`);
  const delay = Number(env['OTEL_BSP_SCHEDULE_DELAY'] ?? '2000');
  if (!(Number.isInteger(delay) && delay > 0)) throw new Error(`OTEL_BSP_SCHEDULE_DELAY must be a positive integer of ms, got "${env['OTEL_BSP_SCHEDULE_DELAY']}"`);
  return {
    enabled: exporter === 'otlp',
    serviceName,
    instanceId: instanceId(),
    tracesUrl: env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] ?? `${base}/v1/traces`,
    sampleRatio: ratio,
    scheduledDelayMs: delay,
  };
}

let provider: NodeTracerProvider | undefined;

/** Whether this process records spans. Every helper below is a plain call-through when it does not. */
export function tracingEnabled(): boolean {
  return provider !== undefined;
}

/**
 * Installs the process-wide tracer provider (W3C trace context propagation,
 * AsyncLocalStorage context, batched OTLP/HTTP JSON export). Once per
 * process: a second call keeps the first provider. Returns its shutdown,
 * which flushes the spans still batched. The SDK is loaded only here: with
 * tracing off, the process loads nothing but the API.
 */
export async function startTracing(options: TracingOptions): Promise<() => Promise<void>> {
  if (!options.enabled || provider) return async () => undefined;
  const [{ OTLPTraceExporter }, { resourceFromAttributes }, { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler }, { NodeTracerProvider }, { ATTR_SERVICE_NAME }] = await Promise.all([
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/semantic-conventions'),
  ]);
  if (provider) return async () => undefined;
  const mine = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.serviceName,
      'service.namespace': 'shop',
      'service.instance.id': options.instanceId,
    }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.sampleRatio) }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: options.tracesUrl }), { scheduledDelayMillis: options.scheduledDelayMs })],
  });
  mine.register();
  provider = mine;
  return async () => {
    if (provider !== mine) return;
    provider = undefined;
    await mine.shutdown();
    trace.disable();
    propagation.disable();
    context.disable();
  };
}

/** W3C trace context headers as they travel on messages (RabbitMQ and Kafka headers, in-process records). */
export type TraceHeaders = Partial<Record<'traceparent' | 'tracestate', string>>;

const headerGetter: TextMapGetter<Record<string, unknown>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    if (typeof value === 'string') return value;
    if (Buffer.isBuffer(value)) return value.toString('utf8');
    if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
    return undefined;
  },
};

/** The headers carrying `ctx` (the active context by default); empty when tracing is off or no span is active. */
export function traceHeaders(ctx?: Context): TraceHeaders {
  if (!provider) return {};
  const carrier: TraceHeaders = {};
  propagation.inject(ctx ?? context.active(), carrier);
  return carrier;
}

/** The headers that make a message's handling a child of `span`; empty without one. */
export function spanHeaders(span: Span | undefined): TraceHeaders {
  if (!span) return {};
  return traceHeaders(trace.setSpan(context.active(), span));
}

/** Parses trace headers stored as JSON (the outbox's trace_context); empty when absent or unreadable. */
export function parseTraceHeaders(json: string | null | undefined): TraceHeaders {
  if (!json) return {};
  try {
    const parsed = JSON.parse(json) as Record<string, unknown>;
    const out: TraceHeaders = {};
    if (typeof parsed['traceparent'] === 'string') out.traceparent = parsed['traceparent'];
    if (typeof parsed['tracestate'] === 'string') out.tracestate = parsed['tracestate'];
    return out;
  } catch {
    return {};
  }
}

/** The trace context a message or request arrived with (the active context when it carries none). */
export function contextFromHeaders(headers: Record<string, unknown> | undefined, base?: Context): Context {
  const ctx = base ?? context.active();
  if (!provider || !headers) return ctx;
  return propagation.extract(ctx, headers, headerGetter);
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** The parent context: the active one by default. */
  parent?: Context;
  links?: Link[];
}

/** Starts a span under the scope (the service's name); undefined when tracing is off. */
export function startSpan(scope: string, name: string, options: SpanOptions = {}): Span | undefined {
  if (!provider) return undefined;
  return trace.getTracer(scope).startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes, links: options.links }, options.parent ?? context.active());
}

/** Runs `fn` with the span active (so what it sends carries it); just runs `fn` without one. */
export function withSpan<T>(span: Span | undefined, fn: () => T, parent?: Context): T {
  if (!span) return fn();
  return context.with(trace.setSpan(parent ?? context.active(), span), fn);
}

/** Ends a span, marking it failed with the error's type and message when there is one. */
export function endSpan(span: Span | undefined, err?: unknown): void {
  if (!span) return;
  if (err !== undefined) failSpan(span, err);
  span.end();
}

export function failSpan(span: Span | undefined, err: unknown): void {
  if (!span) return;
  const message = err instanceof Error ? err.message : String(err);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  span.setAttribute('error.type', (err as { code?: unknown })?.code && typeof (err as { code?: unknown }).code === 'string' ? String((err as { code: string }).code) : err instanceof Error ? err.name : 'error');
}

/**
 * Runs an async step in a span of its own (child of `options.parent` or the
 * active span), ending it when the step settles. Without tracing: `fn()`.
 */
export async function inSpan<T>(scope: string, name: string, options: SpanOptions, fn: (span: Span | undefined) => Promise<T>): Promise<T> {
  if (!provider) return fn(undefined);
  const span = startSpan(scope, name, options)!;
  try {
    return await withSpan(span, () => fn(span), options.parent);
  } catch (err) {
    failSpan(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/** The ids of the active span, for log lines; undefined without one. */
export function activeTraceIds(): { traceId: string; spanId: string } | undefined {
  if (!provider) return undefined;
  const span = trace.getSpan(context.active());
  if (!span) return undefined;
  const { traceId, spanId } = span.spanContext();
  return { traceId, spanId };
}

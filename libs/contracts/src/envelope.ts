import { v7 as uuidv7 } from 'uuid';

/** The services of the platform; each owns one RPC queue and one database. */
export const SERVICE_NAMES = ['gateway', 'discovery', 'config', 'user', 'product', 'cart', 'order', 'notification'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export type Role = 'ADMIN' | 'SELLER' | 'CUSTOMER';

/** Who caused a message: a verified user (with roles) or a service. */
export type Actor =
  | { kind: 'user'; userId: string; roles: Role[] }
  | { kind: 'service'; service: ServiceName };

/**
 * The one envelope every message carries (RPC requests, domain events, jobs).
 * `id` is a UUIDv7, so ids sort by creation time.
 */
export interface Envelope<T = unknown> {
  id: string;
  type: string;
  version: number;
  occurredAt: string;
  correlationId: string;
  causationId?: string;
  actor?: Actor;
  /**
   * The caller's access token, on RPC requests only (never on events or jobs,
   * which are stored). The receiving service verifies it and builds the actor
   * itself: an `actor` field on a request is never trusted.
   */
  token?: string;
  payload: T;
}

/** Header names under which the envelope's tracing fields travel on the wire. */
export const MessageHeaders = {
  correlationId: 'x-correlation-id',
  causationId: 'x-causation-id',
  messageId: 'x-message-id',
  messageType: 'x-message-type',
  actor: 'x-actor',
  attempt: 'x-attempt',
  error: 'x-error',
  errorCode: 'x-error-code',
  /** RPC requests: when the caller stops waiting (epoch milliseconds). */
  deadline: 'x-deadline',
} as const;

/** A new time-ordered unique id (UUIDv7). */
export function newId(): string {
  return uuidv7();
}

export interface EnvelopeOrigin {
  correlationId?: string;
  causationId?: string;
  actor?: Actor;
  token?: string;
}

/** Wraps a payload in an envelope; the correlation id is new unless inherited. */
export function createEnvelope<T>(type: string, payload: T, origin: EnvelopeOrigin = {}, version = 1): Envelope<T> {
  const id = newId();
  return {
    id,
    type,
    version,
    occurredAt: new Date().toISOString(),
    correlationId: origin.correlationId ?? id,
    ...(origin.causationId ? { causationId: origin.causationId } : {}),
    ...(origin.actor ? { actor: origin.actor } : {}),
    ...(origin.token ? { token: origin.token } : {}),
    payload,
  };
}

/** A structural check for data that arrived from the wire. */
export function isEnvelope(value: unknown): value is Envelope {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['id'] === 'string' && typeof v['type'] === 'string' && typeof v['correlationId'] === 'string' && 'payload' in v;
}

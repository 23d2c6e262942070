import type { Envelope, EventMap, EventType } from '@shop/contracts';
import type { EntityManager } from 'typeorm';

export const ON_EVENT_METADATA = 'shop:on-event';

/** What an event handler gets besides the payload. */
export interface EventCall<T = unknown> {
  envelope: Envelope<T>;
  /** The transaction that also records the event in the inbox: write with it. */
  manager: EntityManager;
}

type EventMethod<K extends EventType> = (payload: EventMap[K], call: EventCall<EventMap[K]>) => unknown;

/**
 * Handles a domain event type in this service's consumer group, typed by the
 * EventMap. Delivery is at least once; the inbox makes the effect happen once,
 * provided the handler writes through `call.manager`.
 */
export function OnEvent<K extends EventType>(type: K) {
  return <M extends EventMethod<K>>(target: object, key: string | symbol, _descriptor: TypedPropertyDescriptor<M>): void => {
    const list: Array<{ type: EventType; method: string | symbol }> = Reflect.getMetadata(ON_EVENT_METADATA, target.constructor) ?? [];
    Reflect.defineMetadata(ON_EVENT_METADATA, [...list, { type, method: key }], target.constructor);
  };
}

/** The event types a class handles, read from its decorators (no instance needed). */
export function eventHandlersOf(cls: abstract new (...args: never[]) => unknown): Array<{ type: EventType; method: string | symbol }> {
  return Reflect.getMetadata(ON_EVENT_METADATA, cls) ?? [];
}

import { Controller, type Type } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext, Payload, Transport } from '@nestjs/microservices';
import { topicOf } from '@shop/contracts';
import { InProcessContext } from '../in-process/in-process.transport.js';
import { EventDispatcher } from './event-dispatcher.js';
import { eventHandlersOf } from './on-event.decorator.js';
import { type MessagingOptions, namespaced } from '../options.js';

function headersOf(ctx: unknown): Record<string, string> {
  if (ctx instanceof InProcessContext) return ctx.getHeaders();
  if (ctx instanceof KafkaContext) {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(ctx.getMessage().headers ?? {})) {
      if (v !== undefined) out[k] = Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
    }
    return out;
  }
  return {};
}

/** The topics a service consumes, from the @OnEvent handlers of its classes. */
export function consumedTopics(handlerClasses: Array<Type<unknown>>): string[] {
  return [...new Set(handlerClasses.flatMap((cls) => eventHandlersOf(cls).map(({ type }) => topicOf(type))))].sort();
}

/**
 * Builds the one controller that subscribes the service's consumer group to
 * each topic its handlers need and hands every record to the dispatcher. Nest
 * binds an @EventPattern to a transport by pattern, and one topic carries
 * several event types, so routing by type happens in the dispatcher.
 */
export function createEventsController(topics: string[], options: Pick<MessagingOptions, 'namespace'>): Type<unknown> {
  @Controller()
  class DomainEventsController {
    constructor(readonly dispatcher: EventDispatcher) {}
  }
  for (const topic of topics) {
    const key = `consume:${topic}`;
    const descriptor: PropertyDescriptor = {
      value(this: DomainEventsController, data: unknown, ctx: unknown) {
        return this.dispatcher.dispatch(topic, data, headersOf(ctx));
      },
      writable: true,
      configurable: true,
    };
    Object.defineProperty(DomainEventsController.prototype, key, descriptor);
    Payload()(DomainEventsController.prototype, key, 0);
    Ctx()(DomainEventsController.prototype, key, 1);
    EventPattern(namespaced(options, topic), Transport.KAFKA)(DomainEventsController.prototype, key, descriptor);
    Object.defineProperty(DomainEventsController.prototype, key, descriptor);
  }
  return DomainEventsController;
}

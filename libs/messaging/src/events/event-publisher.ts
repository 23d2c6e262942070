import type { EventRecord } from '../in-process/in-process.broker.js';

/** Sends records to topics; resolves once the transport has them for good. */
export abstract class EventPublisher {
  abstract publish(records: EventRecord[]): Promise<void>;
  abstract isConnected(): boolean;
}

import type { EventRecord } from '../in-process/in-process.broker.js';

/** Sends records to topics; resolves once the transport has them for good. */
export abstract class EventPublisher {
  abstract publish(records: EventRecord[]): Promise<void>;
  /** Resolves once the transport can take records (connects if needed). */
  abstract ready(): Promise<void>;
}

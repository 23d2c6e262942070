import { EventPublisher } from '../events/event-publisher.js';
import type { EventRecord, InProcessBroker } from './in-process.broker.js';

export class InProcessEventPublisher extends EventPublisher {
  constructor(private readonly broker: InProcessBroker) {
    super();
  }

  publish(records: EventRecord[]): Promise<void> {
    return this.broker.publish(records);
  }

  async ready(): Promise<void> {}
}

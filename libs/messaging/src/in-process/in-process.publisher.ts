import { EventPublisher } from '../events/event-publisher.js';
import { type MessagingOptions, namespaced } from '../options.js';
import type { EventRecord, InProcessBroker } from './in-process.broker.js';

export class InProcessEventPublisher extends EventPublisher {
  constructor(
    private readonly broker: InProcessBroker,
    private readonly options: Pick<MessagingOptions, 'namespace'>,
  ) {
    super();
  }

  publish(records: EventRecord[]): Promise<void> {
    return this.broker.publish(records.map((r) => ({ ...r, topic: namespaced(this.options, r.topic) })));
  }

  async ready(): Promise<void> {
    // Always ready: there is no connection to wait for.
  }
}

import { randomUUID } from 'node:crypto';
import { type Envelope, isEnvelope } from '@shop/contracts';
import type { InProcessBroker } from '../in-process/in-process.broker.js';
import { type MessagingOptions, namespaced } from '../options.js';

export type FeedHandler = (event: Envelope) => void;

/**
 * Every event of some topics, seen by THIS instance (not shared with the
 * other instances of the service as a consumer group's are), from the moment
 * it follows them, with no inbox: for what each instance keeps in memory and
 * must forget when the data changes (caches). `live` is false whenever events
 * may be going by unseen (not yet joined, disconnected, rebalancing): a cache
 * then must not be trusted.
 */
export abstract class EventFeed {
  private readonly listeners = new Set<(live: boolean) => void>();
  private isLive = false;

  get live(): boolean {
    return this.isLive;
  }

  /** Called with the new state each time the feed goes live or stops being live. */
  onLiveChange(listener: (live: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  protected setLive(live: boolean): void {
    if (live === this.isLive) return;
    this.isLive = live;
    for (const l of this.listeners) l(live);
  }

  /** Starts following the topics; resolves once subscribed (`live` says when events flow). */
  abstract follow(topics: readonly string[], handler: FeedHandler): Promise<void>;

  abstract close(): Promise<void>;
}

/** The all-in-one feed: a group of its own on the in-process broker, live at once. */
export class InProcessEventFeed extends EventFeed {
  private readonly unsubscribe: Array<() => void> = [];

  constructor(
    private readonly broker: InProcessBroker,
    private readonly options: Pick<MessagingOptions, 'namespace' | 'service'>,
  ) {
    super();
  }

  async follow(topics: readonly string[], handler: FeedHandler): Promise<void> {
    const group = `${namespaced(this.options, this.options.service)}.feed.${randomUUID()}`;
    for (const topic of topics) {
      this.unsubscribe.push(
        this.broker.subscribe(namespaced(this.options, topic), group, async (record) => {
          if (isEnvelope(record.value)) handler(record.value);
        }),
      );
    }
    this.setLive(true);
  }

  async close(): Promise<void> {
    this.setLive(false);
    for (const u of this.unsubscribe.splice(0)) u();
  }
}

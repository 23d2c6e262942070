import type { Envelope } from '@shop/contracts';

export type RpcConsumer = (pattern: string, data: unknown, headers: Record<string, string>) => Promise<unknown>;

export interface EventRecord {
  topic: string;
  key: string;
  value: Envelope;
  headers: Record<string, string>;
}
export type EventConsumer = (record: EventRecord) => Promise<void>;

interface PendingRequest {
  pattern: string;
  data: unknown;
  headers: Record<string, string>;
  expiresAt: number;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/** One consumer group on one topic: records are handled one at a time, in order. */
class GroupCursor {
  private readonly members: EventConsumer[] = [];
  private next = 0;
  private chain: Promise<void> = Promise.resolve();

  add(member: EventConsumer): void {
    this.members.push(member);
  }

  remove(member: EventConsumer): void {
    const i = this.members.indexOf(member);
    if (i >= 0) this.members.splice(i, 1);
  }

  get size(): number {
    return this.members.length;
  }

  deliver(record: EventRecord): Promise<void> {
    const run = async () => {
      const member = this.members[this.next++ % Math.max(this.members.length, 1)];
      if (member) await member(record);
    };
    const done = this.chain.then(run, run);
    this.chain = done.catch(() => undefined);
    return done;
  }
}

/**
 * The in-process stand-in for RabbitMQ and Kafka, with the same semantics the
 * services rely on: RPC queues with competing consumers (requests wait for a
 * consumer until they expire), topics delivered once per consumer group in
 * publish order, and a retained log so a group that subscribes late starts
 * from the beginning (like Kafka's `fromBeginning`).
 */
export class InProcessBroker {
  /** The broker shared by every app of one process (the all-in-one mode). */
  static readonly shared = new InProcessBroker();

  private readonly rpcConsumers = new Map<string, RpcConsumer[]>();
  private readonly rpcRoundRobin = new Map<string, number>();
  private readonly pending = new Map<string, PendingRequest[]>();
  private readonly groups = new Map<string, Map<string, GroupCursor>>();
  private readonly log = new Map<string, EventRecord[]>();

  constructor(private readonly retainedPerTopic = 10_000) {}

  // ---- request/reply ----

  consumeRpc(queue: string, consumer: RpcConsumer): () => void {
    const list = this.rpcConsumers.get(queue) ?? [];
    list.push(consumer);
    this.rpcConsumers.set(queue, list);
    const waiting = this.pending.get(queue) ?? [];
    this.pending.delete(queue);
    for (const req of waiting) this.dispatch(queue, req);
    return () => {
      const i = list.indexOf(consumer);
      if (i >= 0) list.splice(i, 1);
    };
  }

  request(queue: string, pattern: string, data: unknown, ttlMs: number, headers: Record<string, string> = {}): Promise<unknown> {
    return new Promise((resolve, reject) => this.dispatch(queue, { pattern, data, headers, expiresAt: Date.now() + ttlMs, resolve, reject }));
  }

  private dispatch(queue: string, req: PendingRequest): void {
    if (Date.now() > req.expiresAt) return; // expired in the queue: the caller has timed out already
    const consumers = this.rpcConsumers.get(queue);
    if (!consumers?.length) {
      const waiting = this.pending.get(queue) ?? [];
      waiting.push(req);
      this.pending.set(queue, waiting);
      return;
    }
    const n = this.rpcRoundRobin.get(queue) ?? 0;
    this.rpcRoundRobin.set(queue, n + 1);
    const consumer = consumers[n % consumers.length] as RpcConsumer;
    // Handlers run on a later tick, as they would after a network hop.
    setImmediate(() => {
      consumer(req.pattern, req.data, req.headers).then(req.resolve, req.reject);
    });
  }

  // ---- events ----

  subscribe(topic: string, group: string, consumer: EventConsumer): () => void {
    let byGroup = this.groups.get(topic);
    if (!byGroup) {
      byGroup = new Map();
      this.groups.set(topic, byGroup);
    }
    let cursor = byGroup.get(group);
    const isNewGroup = !cursor;
    if (!cursor) {
      cursor = new GroupCursor();
      byGroup.set(group, cursor);
    }
    cursor.add(consumer);
    if (isNewGroup) {
      for (const record of this.log.get(topic) ?? []) void cursor.deliver(record);
    }
    const c = cursor;
    return () => c.remove(consumer);
  }

  /**
   * Resolves once every group subscribed now has handled the records, so a
   * publisher that marks its outbox rows after this call never loses one.
   */
  async publish(records: EventRecord[]): Promise<void> {
    const deliveries: Promise<void>[] = [];
    for (const record of records) {
      const log = this.log.get(record.topic) ?? [];
      log.push(record);
      if (log.length > this.retainedPerTopic) log.splice(0, log.length - this.retainedPerTopic);
      this.log.set(record.topic, log);
      for (const cursor of this.groups.get(record.topic)?.values() ?? []) {
        if (cursor.size > 0) deliveries.push(cursor.deliver(record));
      }
    }
    await Promise.all(deliveries);
  }

  /** Records published to a topic and still retained (tests, dead-letter listings). */
  records(topic: string): readonly EventRecord[] {
    return this.log.get(topic) ?? [];
  }
}

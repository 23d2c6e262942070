import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DomainError, ErrorCodes, MessageHeaders, type ProductView, createEnvelope } from '@shop/contracts';
import { MessageContextStore, RmqRpcChannel, messagingOptionsFromEnv } from '@shop/messaging';
import { firstValueFrom } from 'rxjs';
// Test code only: the test helpers depend on messaging, never the library itself.
import { type SpawnedProcess, eventually, spawnNode, uniqueName, withChannel } from '@shop/testing';
import { type RpcCaller, type RpcFixtureConfig, type RpcServerApp, productView, startRpcCaller, startRpcServer } from './fixtures/rpc-apps.js';

/**
 * The RPC layer over a real RabbitMQ: Nest's RMQ transport with a durable
 * queue per service, manual ack after the handler, direct reply-to and a
 * per-request expiration. Each describe block has its own namespace, so its
 * queues are its own; they are deleted at the end.
 */
const workerEntry = fileURLToPath(new URL('./fixtures/rpc-worker.ts', import.meta.url));
const usedNamespaces: string[] = [];

function namespace(): string {
  const ns = uniqueName('t-rpc');
  usedNamespaces.push(ns);
  return ns;
}

/** Ready plus unacknowledged messages and consumers of a queue, as the broker counts them. */
async function queueDepth(queue: string): Promise<{ messages: number; unacked: number; consumers: number }> {
  const { stdout } = await promisify(execFile)('rabbitmqctl', ['list_queues', '--quiet', '--no-table-headers', 'name', 'messages', 'messages_unacknowledged', 'consumers'], { timeout: 20_000 });
  const row = stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .find(([name]) => name === queue);
  if (!row) throw new Error(`queue ${queue} not listed by rabbitmqctl`);
  return { messages: Number(row[1]), unacked: Number(row[2]), consumers: Number(row[3]) };
}

async function rejection(promise: Promise<unknown>): Promise<DomainError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  return err as DomainError;
}

afterAll(async () => {
  await withChannel(async (ch) => {
    for (const ns of usedNamespaces) {
      for (const service of ['product', 'cart']) await ch.deleteQueue(`${ns}.${service}.rpc`);
    }
  });
});

describe('RPC over RabbitMQ', () => {
  let config: RpcFixtureConfig;
  let product: RpcServerApp;
  let cart: RpcServerApp;
  let caller: RpcCaller;

  beforeAll(async () => {
    config = { transport: 'broker', namespace: namespace(), rpcTimeoutMs: 5_000 };
    [product, cart, caller] = await Promise.all([startRpcServer('product', config, { instance: 'product-a' }), startRpcServer('cart', config), startRpcCaller(config)]);
  });

  afterAll(async () => {
    await Promise.all([product?.close(), cart?.close(), caller?.close()]);
  });

  it('delivers the request payload to the handler and returns its typed response to the caller', async () => {
    const got = await caller.rpc.send('product.get', { idOrSlug: 'blue-mug' });
    const created = await caller.rpc.send('product.create', { name: 'Red Mug', slug: 'red-mug', price: { amount: 1250, currency: 'EUR' }, status: 'ACTIVE', sellerId: 'seller-7' });

    expect(got).toEqual(productView('blue-mug', 'product-a'));
    expect(created).toMatchObject({ id: 'red-mug', name: 'Red Mug', price: { amount: 1250, currency: 'EUR' }, status: 'ACTIVE', sellerId: 'seller-7' });
    const seen = product.log.handled.filter((h) => /"(blue|red)-mug"/.test(JSON.stringify(h.request)));
    expect(seen.map((h) => [h.pattern, h.request])).toEqual([
      ['product.get', { idOrSlug: 'blue-mug' }],
      ['product.create', { name: 'Red Mug', slug: 'red-mug', price: { amount: 1250, currency: 'EUR' }, status: 'ACTIVE', sellerId: 'seller-7' }],
    ]);
  });

  it('gives the caller a DomainError with the handler’s code and message', async () => {
    const err = await rejection(caller.rpc.send('product.get', { idOrSlug: 'not-found:ghost' }));

    expect(err.code).toBe(ErrorCodes.PRODUCT_NOT_FOUND);
    expect(err.message).toBe('Product "ghost" does not exist');
  });

  it('answers an unexpected handler error as INTERNAL with an error id, without its message or stack', async () => {
    const err = await rejection(caller.rpc.send('product.get', { idOrSlug: 'crash:hunter2' }));

    expect(err.code).toBe(ErrorCodes.INTERNAL);
    const errorId = err.details?.['errorId'];
    expect(errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(err.message).toBe(`Internal error (error id ${String(errorId)})`);
    const wire = JSON.stringify({ message: err.message, details: err.details });
    expect(wire).not.toContain('hunter2');
    expect(wire).not.toContain('database login failed');
    expect(err.stack ?? '').not.toContain('ProductRpcFixtureController');
  });

  it('gives the handler the caller’s correlation id and passes it, with the request id as causation, to a nested RPC', async () => {
    const correlationId = uniqueName('corr');

    const view = await MessageContextStore.run({ correlationId }, () => caller.rpc.send('product.get', { idOrSlug: 'nested:p-42' }));

    expect(view.name).toBe('Snapshot of p-42');
    const outer = product.log.handled.find((h) => h.correlationId === correlationId);
    const inner = cart.log.handled.find((h) => h.correlationId === correlationId);
    expect(outer).toMatchObject({ pattern: 'product.get', request: { idOrSlug: 'nested:p-42' }, context: { correlationId, messageId: outer?.envelopeId } });
    expect(outer?.causationId).toBeUndefined();
    expect(inner).toMatchObject({ pattern: 'cart.productSnapshot', request: { productId: 'p-42' }, causationId: outer?.envelopeId, context: { correlationId } });
  });

  it('shares 50 concurrent requests between two instances on the same queue and answers every one', async () => {
    const second = await startRpcServer('product', config, { instance: 'product-b' });
    try {
      const ids = Array.from({ length: 50 }, (_, i) => `slow:20:share-${i}`);

      const views = await Promise.all(ids.map((idOrSlug) => caller.rpc.send('product.get', { idOrSlug })));

      expect(views.map((v) => v.id)).toEqual(ids);
      expect(views.map((v) => v.name)).toEqual(ids.map((_, i) => `Product share-${i}`));
      const handledBy = (s: RpcServerApp) => s.log.handled.map((h) => (h.request as { idOrSlug?: string }).idOrSlug ?? '').filter((id) => id.includes(':share-'));
      expect(handledBy(product).length).toBeGreaterThan(0);
      expect(handledBy(second).length).toBeGreaterThan(0);
      expect([...handledBy(product), ...handledBy(second)].sort()).toEqual([...ids].sort());
    } finally {
      await second.close();
    }
  });
});

describe('RPC over RabbitMQ with no consumer on the queue', () => {
  const apps: Array<RpcServerApp | RpcCaller> = [];

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
  });

  it('rejects with RPC.TIMEOUT after the configured timeout, and a consumer started later never handles the expired request', async () => {
    const config: RpcFixtureConfig = { transport: 'broker', namespace: namespace(), rpcTimeoutMs: 500 };
    const caller = await startRpcCaller(config);
    apps.push(caller);

    const started = performance.now();
    const err = await rejection(caller.rpc.send('product.get', { idOrSlug: 'too-late' }));
    const elapsed = performance.now() - started;

    expect(err.code).toBe(ErrorCodes.RPC_TIMEOUT);
    expect(elapsed).toBeGreaterThanOrEqual(495);
    expect(elapsed).toBeLessThan(500 + 400);

    const product = await startRpcServer('product', config);
    apps.push(product);
    // Answered after the expired request would have been delivered: the queue is FIFO.
    await expect(caller.rpc.send('product.get', { idOrSlug: 'in-time' })).resolves.toMatchObject({ id: 'in-time' });
    await new Promise((r) => setTimeout(r, 300));
    expect(product.log.handled.map((h) => h.request)).toEqual([{ idOrSlug: 'in-time' }]);
    const depth = await withChannel((ch) => ch.checkQueue(`${config.namespace}.product.rpc`));
    expect(depth.messageCount).toBe(0);
  });
});

describe('RPC deadline on RabbitMQ', () => {
  const apps: RpcServerApp[] = [];
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
  });

  it('a server drops a request the broker still delivers after its caller stopped waiting (x-deadline past), and handles one in time', async () => {
    const config: RpcFixtureConfig = { transport: 'broker', namespace: namespace(), rpcTimeoutMs: 5_000 };
    const product = await startRpcServer('product', config);
    apps.push(product);
    const queue = `${config.namespace}.product.rpc`;
    const options = messagingOptionsFromEnv('gateway', { ...process.env, SHOP_NAMESPACE: config.namespace, SHOP_TRANSPORT: 'broker' });
    const channel = new RmqRpcChannel(options, queue);
    // The broker-side expiration is 30 s for both: only the deadline header (here in the past for one) can stop a request.
    const call = (idOrSlug: string, deadline: number) =>
      firstValueFrom(channel.request('product.get', createEnvelope('product.get', { idOrSlug }), 30_000, { [MessageHeaders.deadline]: String(deadline) }));
    try {
      await expect(call('late', Date.now() - 1_000)).rejects.toMatchObject({ code: ErrorCodes.RPC_TIMEOUT });
      await expect(call('in-time', Date.now() + 30_000)).resolves.toMatchObject({ id: 'in-time' });
    } finally {
      await channel.close();
    }
    await eventually(() => product.log.handled.length > 0, { timeoutMs: 10_000, what: 'the request in time handled' });
    await new Promise((r) => setTimeout(r, 300));
    expect(product.log.handled.map((h) => h.request)).toEqual([{ idOrSlug: 'in-time' }]);
    const depth = await withChannel((ch) => ch.checkQueue(queue));
    expect(depth.messageCount).toBe(0);
  });
});

describe('RPC server shutdown on RabbitMQ', () => {
  let caller: RpcCaller | undefined;

  afterAll(async () => {
    await caller?.close();
  });

  it('closes right after answering without an unhandled rejection from replies the broker has not confirmed yet', async () => {
    const config: RpcFixtureConfig = { transport: 'broker', namespace: namespace(), rpcTimeoutMs: 5_000 };
    const rpcCaller = await startRpcCaller(config);
    caller = rpcCaller;
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      for (let round = 0; round < 3; round++) {
        const server = await startRpcServer('product', config, { instance: `short-lived-${round}` });
        const ids = Array.from({ length: 100 }, (_, i) => `round-${round}-${i}`);
        const views = await Promise.all(ids.map((idOrSlug) => rpcCaller.rpc.send('product.get', { idOrSlug })));
        expect(views.map((v) => v.id)).toEqual(ids);
        await server.close();
      }
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled.map(String)).toEqual([]);
  });
});

describe('RPC over RabbitMQ when a consumer process dies mid-request', () => {
  const journalDir = mkdtempSync(join(tmpdir(), 'rpc-journal-'));
  const journal = join(journalDir, 'journal.ndjson');
  const workers: SpawnedProcess[] = [];
  let caller: RpcCaller | undefined;

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    await caller?.close();
    rmSync(journalDir, { recursive: true, force: true });
  });

  interface JournalLine {
    event: 'started' | 'completed';
    instance: string;
    request: { idOrSlug: string };
  }
  function readJournal(): JournalLine[] {
    let text = '';
    try {
      text = readFileSync(journal, 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as JournalLine);
  }
  const tagsOf = (lines: JournalLine[], event: JournalLine['event'], instance: string) => lines.filter((l) => l.event === event && l.instance === instance).map((l) => l.request.idOrSlug);

  it('answers every request exactly once after its consumer is SIGKILLed with requests in flight: unacked requests go to the next consumer, none is lost', async () => {
    const config: RpcFixtureConfig = { transport: 'broker', namespace: namespace(), rpcTimeoutMs: 20_000 };
    const queue = `${config.namespace}.product.rpc`;
    const spawnWorker = async (instance: string) => {
      const w = spawnNode(workerEntry, { SHOP_NAMESPACE: config.namespace, RPC_PREFETCH: '8', RPC_JOURNAL: journal, RPC_INSTANCE: instance });
      workers.push(w);
      await w.waitForOutput(/rpc worker ready/, 30_000);
      return w;
    };
    const [first, rpcCaller] = await Promise.all([spawnWorker('worker-a'), startRpcCaller(config)]);
    caller = rpcCaller;
    const ids = Array.from({ length: 40 }, (_, i) => `slow:300:req-${i}`);

    const answers = Promise.allSettled(ids.map((idOrSlug) => rpcCaller.rpc.send('product.get', { idOrSlug })));
    // Kill once worker-a has finished some requests and holds several more unfinished (prefetch 8).
    await eventually(
      () => {
        const lines = readJournal();
        const done = tagsOf(lines, 'completed', 'worker-a').length;
        return done >= 4 && tagsOf(lines, 'started', 'worker-a').length - done >= 4;
      },
      { timeoutMs: 15_000, intervalMs: 10, what: 'worker-a busy with unfinished requests' },
    );
    await first.stop('SIGKILL');
    const atKill = readJournal();
    const completedByA = new Set(tagsOf(atKill, 'completed', 'worker-a'));
    const interrupted = tagsOf(atKill, 'started', 'worker-a').filter((id) => !completedByA.has(id));
    const second = await spawnWorker('worker-b');

    const settled = await answers;

    const failures = settled.filter((s) => s.status === 'rejected');
    expect(failures).toEqual([]);
    const views = settled.map((s) => (s as PromiseFulfilledResult<ProductView>).value);
    expect(views.map((v) => v.id)).toEqual(ids);

    const lines = readJournal();
    const completions = new Map<string, string[]>(ids.map((id) => [id, []]));
    for (const l of lines.filter((x) => x.event === 'completed')) completions.get(l.request.idOrSlug)?.push(l.instance);
    // The kill hit requests in flight (not yet acked) ...
    expect(interrupted.length).toBeGreaterThanOrEqual(4);
    // ... and each of those was redelivered and finished by the next consumer, once.
    for (const id of interrupted) expect(completions.get(id), id).toEqual(['worker-b']);
    // Every request finished at least once (none lost) and at most once per worker: a request runs
    // twice only if worker-a had finished it before the kill but its ack never reached the broker.
    for (const [id, by] of completions) {
      expect(by.length, id).toBeGreaterThanOrEqual(1);
      expect(by.filter((w) => w === 'worker-a').length, id).toBeLessThanOrEqual(1);
      expect(by.filter((w) => w === 'worker-b').length, id).toBeLessThanOrEqual(1);
      if (by.length === 2) expect(completedByA.has(id), id).toBe(true);
    }
    const twice = [...completions].filter(([, by]) => by.length > 1).map(([id]) => id);
    console.log(`worker-a finished ${completedByA.size}, was killed with ${interrupted.length} in flight; worker-b finished ${lines.filter((l) => l.event === 'completed' && l.instance === 'worker-b').length}; run twice: ${twice.length ? twice.join(', ') : 'none'}`);

    // Every request was acknowledged: nothing ready or unacked is left while worker-b still consumes ...
    await eventually(async () => {
      const depth = await queueDepth(queue);
      return depth.consumers === 1 && depth.messages === 0 && depth.unacked === 0;
    }, { timeoutMs: 10_000, intervalMs: 250, what: `${queue} empty and acknowledged` });
    // ... nor once it is gone (an unacked request would be back in the queue now).
    await second.stop('SIGTERM');
    const depth = await withChannel((ch) => ch.checkQueue(queue));
    expect(depth).toMatchObject({ messageCount: 0, consumerCount: 0 });
  });
});

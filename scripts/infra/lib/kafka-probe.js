/**
 * Talks just enough of the Kafka wire protocol, with nothing but `net`, to
 * tell whether a broker really serves clients, and to warm it up.
 *
 * A TCP connect is not enough: a KRaft broker opens its listener before it has
 * caught up with the metadata log and been unfenced, and clients (kafkajs
 * included) fail with "There is no leader" / "broker not available" until
 * then. So probeKafka() sends:
 *
 *   1. ApiVersions v0: every broker since 0.10 answers it, and Kafka 4 kept
 *      v0 on purpose (clients start version negotiation with it). Its reply
 *      also says which versions of the other APIs the broker accepts.
 *   2. Metadata (a non-flexible version, v4..v8) for no topics: the broker
 *      lists the live, unfenced brokers and the active controller. Once a
 *      broker is listed and a controller is known, producing works.
 *
 * warmUpCoordinators() then makes the first consumer group and the first
 * transactional producer fast: on a fresh broker the internal topics
 * __consumer_offsets / __transaction_state are only created on first use,
 * and until they are loaded kafkajs consumers crash-and-restart with
 * "The coordinator is loading" (seen with kafkajs 2.2.4 against Kafka 4.4).
 *
 * Wire format reminders (all big-endian, non-flexible versions only):
 *   request  = int32 size | int16 api_key | int16 api_version
 *              | int32 correlation_id | string client_id | body
 *   response = int32 size | int32 correlation_id | body
 *   string   = int16 length + bytes (-1 = null);  array = int32 count + items
 */
import net from 'node:net';

const API = { METADATA: 3, OFFSET_FETCH: 9, FIND_COORDINATOR: 10, API_VERSIONS: 18, INIT_PRODUCER_ID: 22 };
const ERR = {
  NONE: 0, COORDINATOR_LOAD_IN_PROGRESS: 14, COORDINATOR_NOT_AVAILABLE: 15, NOT_COORDINATOR: 16,
  CONCURRENT_TRANSACTIONS: 51,
};
const CLIENT_ID = 'shop-infra-probe';
const WARMUP_KEY = 'shop-infra-warmup';

// ------------------------------------------------------------ encoding

function int8(n) { const b = Buffer.alloc(1); b.writeInt8(n, 0); return b; }
function int16(n) { const b = Buffer.alloc(2); b.writeInt16BE(n, 0); return b; }
function int32(n) { const b = Buffer.alloc(4); b.writeInt32BE(n, 0); return b; }
function str(s) { const b = Buffer.from(s, 'utf8'); return Buffer.concat([int16(b.length), b]); }

/** One size-prefixed request frame (request header v1). */
function encodeRequest(apiKey, apiVersion, correlationId, body = Buffer.alloc(0)) {
  const payload = Buffer.concat([int16(apiKey), int16(apiVersion), int32(correlationId), str(CLIENT_ID), body]);
  return Buffer.concat([int32(payload.length), payload]);
}

/** Sequential reader over a response body; throws RangeError on truncation. */
class Reader {
  constructor(buf) { this.buf = buf; this.pos = 0; }
  int8() { const v = this.buf.readInt8(this.pos); this.pos += 1; return v; }
  int16() { const v = this.buf.readInt16BE(this.pos); this.pos += 2; return v; }
  int32() { const v = this.buf.readInt32BE(this.pos); this.pos += 4; return v; }
  string() {
    const len = this.int16();
    if (len < 0) return null;
    if (this.pos + len > this.buf.length) throw new RangeError('truncated string');
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }
}

// ------------------------------------------------------------ connection

/**
 * A connection that sends one request at a time:
 *   const s = await KafkaSession.open(host, port, timeoutMs);
 *   const body = await s.request(apiKey, version, bodyBuffer);
 *   s.close();
 * Every call rejects on timeout, socket error, or a reply that is not Kafka.
 */
class KafkaSession {
  static open(host, port, timeoutMs) {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(Object.assign(new Error(`connect to ${host}:${port} timed out`), { code: 'ETIMEDOUT' }));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new KafkaSession(socket, host, port, timeoutMs));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  constructor(socket, host, port, timeoutMs) {
    Object.assign(this, { socket, host, port, timeoutMs });
    this.correlationId = 0;
    this.pending = Buffer.alloc(0);
    this.waiter = null; // { resolve, reject, correlationId, timer }
    this.failure = null;
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error(`${host}:${port} closed the connection`)));
  }

  request(apiKey, version, body) {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.correlationId += 1;
      const timer = setTimeout(
        () => this.fail(new Error(`no Kafka response from ${this.host}:${this.port} within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      this.waiter = { resolve, reject, timer, correlationId: this.correlationId };
      this.socket.write(encodeRequest(apiKey, version, this.correlationId, body));
    });
  }

  onData(chunk) {
    this.pending = Buffer.concat([this.pending, chunk]);
    if (this.pending.length < 4) return;
    const size = this.pending.readInt32BE(0);
    if (size < 4 || size > 1 << 24) return this.fail(new Error(`not a Kafka reply (frame size ${size})`));
    if (this.pending.length < 4 + size) return;
    const frame = this.pending.subarray(4, 4 + size);
    this.pending = this.pending.subarray(4 + size);
    const w = this.waiter;
    if (!w || frame.readInt32BE(0) !== w.correlationId) {
      return this.fail(new Error('not a Kafka reply (unexpected correlation id)'));
    }
    this.waiter = null;
    clearTimeout(w.timer);
    w.resolve(frame.subarray(4));
  }

  fail(err) {
    if (!this.failure) this.failure = err;
    const w = this.waiter;
    this.waiter = null;
    if (w) {
      clearTimeout(w.timer);
      w.reject(err);
    }
    this.socket.destroy();
  }

  close() {
    this.failure = this.failure || new Error('session closed');
    this.socket.destroy();
  }

  /** ApiVersions v0 -> Map(apiKey -> {min, max}); also caches it. */
  async apiVersions() {
    const r = new Reader(await this.request(API.API_VERSIONS, 0));
    const errorCode = r.int16();
    if (errorCode !== ERR.NONE) throw new Error(`ApiVersions failed with error code ${errorCode}`);
    const apis = new Map();
    for (let i = r.int32(); i > 0; i -= 1) {
      const key = r.int16();
      apis.set(key, { min: r.int16(), max: r.int16() });
    }
    this.apis = apis;
    return apis;
  }

  /** Highest version of apiKey within [lo, hi] the broker accepts, or null. */
  pickVersion(apiKey, lo, hi) {
    const range = this.apis && this.apis.get(apiKey);
    if (!range) return null;
    for (let v = hi; v >= lo; v -= 1) if (v >= range.min && v <= range.max) return v;
    return null;
  }

  /** Metadata for no topics: live brokers, cluster id, controller id. */
  async metadata() {
    const v = this.pickVersion(API.METADATA, 4, 8); // v9+ is flexible (compact) encoding
    if (v === null) return null;
    const body = Buffer.concat([
      int32(0), // topics: empty array (a null array would mean "all topics")
      int8(0), // allow_auto_topic_creation (v4+)
      ...(v >= 8 ? [int8(0), int8(0)] : []), // include_*_authorized_operations (v8+)
    ]);
    const r = new Reader(await this.request(API.METADATA, v, body));
    r.int32(); // throttle_time_ms
    const brokers = [];
    for (let n = r.int32(); n > 0; n -= 1) {
      brokers.push({ nodeId: r.int32(), host: r.string(), port: r.int32(), rack: r.string() });
    }
    return { brokers, clusterId: r.string(), controllerId: r.int32() };
  }

  /** FindCoordinator v1/v2: error code for a group (0) or transaction (1) key. */
  async findCoordinator(keyType, key) {
    const v = this.pickVersion(API.FIND_COORDINATOR, 1, 2); // v3+ is flexible
    if (v === null) return null;
    const r = new Reader(await this.request(API.FIND_COORDINATOR, v, Buffer.concat([str(key), int8(keyType)])));
    r.int32(); // throttle_time_ms
    return r.int16();
  }

  /** OffsetFetch v2..v5 for no partitions: the group-level error code. */
  async offsetFetch(groupId) {
    const v = this.pickVersion(API.OFFSET_FETCH, 2, 5); // v6+ is flexible
    if (v === null) return null;
    const r = new Reader(await this.request(API.OFFSET_FETCH, v, Buffer.concat([str(groupId), int32(0)])));
    if (v >= 3) r.int32(); // throttle_time_ms
    for (let n = r.int32(); n > 0; n -= 1) {
      r.string();
      for (let p = r.int32(); p > 0; p -= 1) {
        r.int32(); r.int32(); r.int32(); // partition, offset (int64)
        if (v >= 5) r.int32(); // committed_leader_epoch
        r.string(); r.int16();
      }
    }
    return r.int16();
  }

  /** InitProducerId v0/v1 for a transactional id: its error code. */
  async initProducerId(transactionalId) {
    const v = this.pickVersion(API.INIT_PRODUCER_ID, 0, 1); // v2+ is flexible
    if (v === null) return null;
    const body = Buffer.concat([str(transactionalId), int32(60000)]);
    const r = new Reader(await this.request(API.INIT_PRODUCER_ID, v, body));
    r.int32(); // throttle_time_ms
    return r.int16();
  }
}

// ------------------------------------------------------------ public API

const UNREACHABLE = ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT'];

/**
 * Probes host:port. Resolves (never rejects) with
 *   { ok: true, brokers, clusterId, controllerId }   when serving, or
 *   { ok: false, reachable, reason }                 otherwise;
 * `reachable` is true when something accepted the TCP connection.
 */
async function probeKafka(host, port, { timeoutMs = 3000 } = {}) {
  let session;
  try {
    session = await KafkaSession.open(host, port, timeoutMs);
  } catch (err) {
    return { ok: false, reachable: !UNREACHABLE.includes(err.code), reason: err.code || err.message };
  }
  try {
    await session.apiVersions();
    const meta = await session.metadata();
    if (!meta) {
      // Answers ApiVersions but no Metadata version we encode: a (future)
      // Kafka that serves requests. Good enough.
      return { ok: true, brokers: [], clusterId: null, controllerId: -1 };
    }
    if (meta.brokers.length === 0) {
      return { ok: false, reachable: true, reason: 'the broker answers but lists no live broker yet' };
    }
    if (meta.controllerId < 0) {
      return { ok: false, reachable: true, reason: 'the broker answers but knows no active controller yet' };
    }
    return { ok: true, ...meta };
  } catch (err) {
    return { ok: false, reachable: true, reason: err.message };
  } finally {
    session.close();
  }
}

/**
 * Creates and loads __consumer_offsets and __transaction_state by asking for
 * the coordinators of a dummy group and transactional id, retrying while the
 * broker says "not available" / "loading". Resolves with the time it took;
 * rejects after timeoutMs.
 */
async function warmUpCoordinators(host, port, { timeoutMs = 60000 } = {}) {
  const t0 = Date.now();
  const steps = [
    ['group coordinator', (s) => s.findCoordinator(0, WARMUP_KEY)],
    ['transaction coordinator', (s) => s.findCoordinator(1, WARMUP_KEY)],
    // FindCoordinator succeeds as soon as the topic exists; OffsetFetch only
    // once the coordinator has loaded its partition.
    ['group coordinator load', (s) => s.offsetFetch(WARMUP_KEY)],
    // Likewise for transactions. This registers the transactional id
    // "shop-infra-warmup" (a few bytes; it expires after 7 days unused).
    ['transaction coordinator load', (s) => s.initProducerId(WARMUP_KEY)],
  ];
  const retriable = [
    ERR.COORDINATOR_LOAD_IN_PROGRESS, ERR.COORDINATOR_NOT_AVAILABLE, ERR.NOT_COORDINATOR, ERR.CONCURRENT_TRANSACTIONS,
  ];
  for (const [what, call] of steps) {
    let last = 'no answer';
    for (;;) {
      if (Date.now() - t0 > timeoutMs) throw new Error(`Kafka ${what} not ready after ${timeoutMs} ms (${last})`);
      let code;
      let session;
      try {
        session = await KafkaSession.open(host, port, 3000);
        await session.apiVersions();
        code = await call(session);
      } catch (err) {
        last = err.message;
      } finally {
        if (session) session.close();
      }
      if (code === ERR.NONE || code === null) break; // ready, or API not offered
      if (code !== undefined && !retriable.includes(code)) throw new Error(`Kafka ${what}: error code ${code}`);
      if (code !== undefined) last = `error code ${code}`;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return Date.now() - t0;
}

/** "h1:9092,h2:9092" -> [{host, port}] (IPv6 as [::1]:9092). */
function parseBrokerList(list) {
  return String(list)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const m = /^\[([^\]]+)\]:(\d+)$/.exec(entry) || /^([^:]+):(\d+)$/.exec(entry);
      if (!m) throw new Error(`cannot parse broker address "${entry}" (expected host:port)`);
      return { host: m[1], port: Number(m[2]) };
    });
}

export { probeKafka, warmUpCoordinators, parseBrokerList, encodeRequest, KafkaSession };

/**
 * Checks an AMQP 0-9-1 broker (RabbitMQ) with nothing but `net`.
 *
 * It runs the connection handshake the way amqplib does, so a pass means the
 * apps' RABBITMQ_URL really works, not just that a port is open:
 *
 *   C: "AMQP" 0 0 9 1                 protocol header
 *   S: Connection.Start               (server product/version, mechanisms)
 *   C: Connection.Start-Ok            PLAIN login with the URL's user/password
 *   S: Connection.Tune                (or Connection.Close 403 on bad login)
 *   C: Connection.Tune-Ok, Connection.Open(vhost)
 *   S: Connection.Open-Ok             (or Connection.Close 530 on bad vhost)
 *   C: Connection.Close   S: Connection.Close-Ok
 *
 * Frame = octet type | short channel | long size | payload | octet 0xCE.
 * Method payload = short class-id | short method-id | arguments.
 */
import net from 'node:net';

const FRAME_METHOD = 1;
const FRAME_HEARTBEAT = 8;
const FRAME_END = 0xce;
const CONNECTION = 10;
const M = { START: 10, START_OK: 11, TUNE: 30, TUNE_OK: 31, OPEN: 40, OPEN_OK: 41, CLOSE: 50, CLOSE_OK: 51 };

function shortstr(s) {
  const b = Buffer.from(s, 'utf8');
  if (b.length > 255) throw new Error('shortstr too long');
  return Buffer.concat([Buffer.from([b.length]), b]);
}
function longstr(b) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length, 0);
  return Buffer.concat([len, b]);
}
function u16(n) { const b = Buffer.alloc(2); b.writeUInt16BE(n, 0); return b; }
function u32(n) { const b = Buffer.alloc(4); b.writeUInt32BE(n, 0); return b; }

/** Field table with string and boolean/table values only (all we send). */
function table(obj) {
  const parts = [];
  for (const [k, v] of Object.entries(obj)) {
    parts.push(shortstr(k));
    if (typeof v === 'boolean') parts.push(Buffer.from(['t'.charCodeAt(0), v ? 1 : 0]));
    else if (typeof v === 'object') parts.push(Buffer.from('F'), table(v));
    else parts.push(Buffer.from('S'), longstr(Buffer.from(String(v), 'utf8')));
  }
  return longstr(Buffer.concat(parts));
}

function methodFrame(methodId, args) {
  const payload = Buffer.concat([u16(CONNECTION), u16(methodId), ...args]);
  return Buffer.concat([Buffer.from([FRAME_METHOD]), u16(0), u32(payload.length), payload, Buffer.from([FRAME_END])]);
}

/** Reads a field table; returns {value, end}. Unknown types stop parsing. */
function readTable(buf, pos) {
  const size = buf.readUInt32BE(pos);
  const end = pos + 4 + size;
  const out = {};
  let p = pos + 4;
  try {
    while (p < end) {
      const klen = buf[p];
      const key = buf.toString('utf8', p + 1, p + 1 + klen);
      p += 1 + klen;
      const type = String.fromCharCode(buf[p]);
      p += 1;
      const r = readValue(buf, p, type);
      out[key] = r.value;
      p = r.end;
    }
  } catch {
    /* a type we do not decode: keep what we have */
  }
  return { value: out, end };
}

function readValue(buf, p, type) {
  switch (type) {
    case 't': return { value: buf[p] !== 0, end: p + 1 };
    case 'b': case 'B': return { value: buf[p], end: p + 1 };
    case 's': case 'u': return { value: buf.readUInt16BE(p), end: p + 2 };
    case 'I': return { value: buf.readInt32BE(p), end: p + 4 };
    case 'i': return { value: buf.readUInt32BE(p), end: p + 4 };
    case 'l': case 'L': case 'T': return { value: Number(buf.readBigInt64BE(p)), end: p + 8 };
    case 'f': return { value: buf.readFloatBE(p), end: p + 4 };
    case 'd': return { value: buf.readDoubleBE(p), end: p + 8 };
    case 'D': return { value: null, end: p + 5 };
    case 'V': return { value: null, end: p };
    case 'S': case 'x': {
      const len = buf.readUInt32BE(p);
      return { value: buf.toString('utf8', p + 4, p + 4 + len), end: p + 4 + len };
    }
    case 'F': return readTable(buf, p);
    default: throw new Error(`unknown field type ${type}`);
  }
}

/** amqp://user:pass@host:port/vhost -> parts (defaults as amqplib uses). */
function parseAmqpUrl(url) {
  const u = new URL(url);
  if (u.protocol !== 'amqp:' && u.protocol !== 'amqps:') {
    throw new Error(`RABBITMQ_URL must start with amqp:// (got ${u.protocol}//)`);
  }
  const rawVhost = u.pathname ? u.pathname.slice(1) : '';
  return {
    tls: u.protocol === 'amqps:',
    host: u.hostname.replace(/^\[|\]$/g, '') || 'localhost',
    port: Number(u.port || (u.protocol === 'amqps:' ? 5671 : 5672)),
    user: decodeURIComponent(u.username || 'guest'),
    password: decodeURIComponent(u.password || 'guest'),
    vhost: rawVhost === '' ? '/' : decodeURIComponent(rawVhost),
  };
}

/**
 * Resolves (never rejects) with
 *   { ok: true, product, version }                     on a full login, or
 *   { ok: false, stage, reason }                      otherwise, where
 *   stage is 'connect' | 'protocol' | 'login' | 'vhost'.
 */
function probeAmqp(url, { timeoutMs = 5000 } = {}) {
  let target;
  try {
    target = parseAmqpUrl(url);
  } catch (err) {
    return Promise.resolve({ ok: false, stage: 'config', reason: err.message });
  }
  if (target.tls) {
    return Promise.resolve({ ok: false, stage: 'config', reason: 'amqps:// is not supported by this check' });
  }

  return new Promise((resolve) => {
    const socket = net.connect({ host: target.host, port: target.port });
    let pending = Buffer.alloc(0);
    let stage = 'connect';
    let server = {};
    let done = false;

    const finish = (result) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...result, host: target.host, port: target.port, vhost: target.vhost, user: target.user });
    };
    const timer = setTimeout(
      () => finish({ ok: false, stage, reason: `no answer within ${timeoutMs} ms` }),
      timeoutMs,
    );

    socket.on('connect', () => {
      stage = 'protocol';
      socket.write(Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1])); // "AMQP" 0-9-1
    });

    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      // A server that does not speak 0-9-1 answers with its own header.
      if (stage === 'protocol' && pending.length >= 8 && pending.toString('latin1', 0, 4) === 'AMQP') {
        return finish({
          ok: false, stage,
          reason: `server wants AMQP ${pending[5]}-${pending[6]}-${pending[7]}, not 0-9-1`,
        });
      }
      while (pending.length >= 7) {
        const type = pending[0];
        if (stage === 'protocol' && (type !== FRAME_METHOD || pending.readUInt16BE(1) !== 0)) {
          return finish({ ok: false, stage, reason: 'the server did not answer like an AMQP broker' });
        }
        const size = pending.readUInt32BE(3);
        if (pending.length < 7 + size + 1) return;
        if (pending[7 + size] !== FRAME_END) return finish({ ok: false, stage, reason: 'malformed AMQP frame' });
        const payload = pending.subarray(7, 7 + size);
        pending = pending.subarray(8 + size);
        if (type === FRAME_HEARTBEAT) continue;
        if (type !== FRAME_METHOD) continue;
        onMethod(payload.readUInt16BE(0), payload.readUInt16BE(2), payload.subarray(4));
        if (done) return;
      }
    });

    function onMethod(classId, methodId, args) {
      if (classId !== CONNECTION) return;
      if (methodId === M.CLOSE) {
        const code = args.readUInt16BE(0);
        const text = args.toString('utf8', 3, 3 + args[2]);
        socket.write(methodFrame(M.CLOSE_OK, []));
        return finish({ ok: false, stage, reason: `server closed the connection: ${code} ${text}` });
      }
      if (methodId === M.START) {
        // version-major, version-minor, server-properties, mechanisms, locales
        server = readTable(args, 2).value;
        stage = 'login';
        const response = Buffer.from(`\0${target.user}\0${target.password}`, 'utf8');
        socket.write(methodFrame(M.START_OK, [
          // Without this capability RabbitMQ just drops the socket on a bad login.
          table({ product: 'shop-infra-probe', capabilities: { authentication_failure_close: true } }),
          shortstr('PLAIN'),
          longstr(response),
          shortstr('en_US'),
        ]));
      } else if (methodId === M.TUNE) {
        const channelMax = args.readUInt16BE(0);
        const frameMax = args.readUInt32BE(2);
        stage = 'vhost';
        socket.write(methodFrame(M.TUNE_OK, [u16(channelMax), u32(frameMax), u16(0)]));
        socket.write(methodFrame(M.OPEN, [shortstr(target.vhost), shortstr(''), Buffer.from([0])]));
      } else if (methodId === M.OPEN_OK) {
        stage = 'close';
        socket.write(methodFrame(M.CLOSE, [u16(200), shortstr('probe done'), u16(0), u16(0)]));
      } else if (methodId === M.CLOSE_OK) {
        finish({ ok: true, product: server.product || 'AMQP broker', version: server.version || '?' });
      }
    }

    socket.on('error', (err) => finish({ ok: false, stage, reason: err.code || err.message }));
    socket.on('close', () => {
      const reason = stage === 'login'
        ? 'connection dropped during login (wrong user/password?)'
        : 'connection closed unexpectedly';
      finish({ ok: false, stage, reason });
    });
  });
}

export { probeAmqp, parseAmqpUrl };

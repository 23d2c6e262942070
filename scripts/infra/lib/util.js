/**
 * Small helpers shared by the infra scripts (Node built-ins only).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export function log(msg) {
  process.stdout.write(`[infra] ${msg}\n`);
}

export function warn(msg) {
  process.stderr.write(`[infra] WARNING: ${msg}\n`);
}

/** An error whose message is meant for the user as-is (no stack trace). */
export class InfraError extends Error {
  constructor(message, hint) {
    super(message);
    this.hint = hint;
  }
}

/** Runs main(); prints InfraErrors nicely, anything else with its stack. */
export function runMain(main) {
  main().then(
    (code) => process.exit(typeof code === 'number' ? code : 0),
    (err) => {
      if (err instanceof InfraError) {
        process.stderr.write(`[infra] ERROR: ${err.message}\n`);
        if (err.hint) process.stderr.write(`${indent(err.hint, '        ')}\n`);
      } else {
        process.stderr.write(`[infra] ERROR: ${err && err.stack ? err.stack : err}\n`);
      }
      process.exit(1);
    },
  );
}

export function indent(text, prefix) {
  return String(text)
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Absolute path of an executable found on PATH, or null. */
export function which(cmd) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, cmd);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      /* not here */
    }
  }
  return null;
}

/** Resolves true when a TCP connection to host:port succeeds within timeoutMs. */
export function canConnect(host, port, timeoutMs = 1500) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Last `lines` lines of a text file ('' if it does not exist). */
export function tailFile(file, lines = 40) {
  let text;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const len = Math.min(size, 64 * 1024);
      const buf = Buffer.alloc(len);
      fs.readSync(fd, buf, 0, len, size - len);
      text = buf.toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
  return text.split('\n').slice(-lines - 1).join('\n').trimEnd();
}

export function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** True for addresses that mean "this machine". */
export function isLocalHost(host) {
  return ['127.0.0.1', 'localhost', '::1', '0.0.0.0'].includes(host) || /^127\./.test(host);
}

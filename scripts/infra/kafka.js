#!/usr/bin/env node
/**
 * A local single-node Apache Kafka broker for development and CI, without
 * Docker: the broker jars come from Maven (scripts/infra/kafka/pom.xml) into a
 * per-user cache and run on a plain `java -cp` classpath.
 *
 *   node scripts/infra/kafka.js start       fetch jars if needed, start, wait until ready
 *   node scripts/infra/kafka.js stop        SIGTERM the broker (SIGKILL after 30 s)
 *   node scripts/infra/kafka.js status      pid, memory, readiness (exit 0 = ready)
 *   node scripts/infra/kafka.js fetch       only download the jars
 *   node scripts/infra/kafka.js classpath   print "<libs>/*" to run Kafka's own tools
 *
 * The broker is KRaft, combined broker+controller, node.id=1, PLAINTEXT on
 * 127.0.0.1:9092, controller on 127.0.0.1:9093. Everything it writes (config,
 * data, log, pid) lives in the cache folder, never in the repository.
 *
 * Environment (see scripts/infra/README.md):
 *   SHOP_INFRA_CACHE             cache root (default ~/.cache/shop-infra)
 *   SHOP_KAFKA_VERSION           Kafka version (default: kafka.version in the POM)
 *   KAFKA_BROKERS                if it names one local address, its port is used
 *   SHOP_KAFKA_CONTROLLER_PORT   controller port (default 9093)
 *   SHOP_KAFKA_START_TIMEOUT     seconds to wait for readiness (default 90)
 *   KAFKA_HEAP_OPTS              JVM heap flags (default -Xms256m -Xmx512m)
 */
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { parseBrokerList, probeKafka, warmUpCoordinators } from './lib/kafka-probe.js';
import {
  InfraError, canConnect, isLocalHost, log, runMain, seconds, sleep, tailFile, warn, which,
} from './lib/util.js';

const INFRA_DIR = path.dirname(fileURLToPath(import.meta.url));
const POM = path.join(INFRA_DIR, 'kafka', 'pom.xml');
const HOST = '127.0.0.1';
const NODE_ID = 1;
const MAIN_CLASS = 'kafka.Kafka';

// ---------------------------------------------------------------- settings

/** Kafka version: SHOP_KAFKA_VERSION, else the <kafka.version> of the POM. */
export function kafkaVersion() {
  if (process.env.SHOP_KAFKA_VERSION) return process.env.SHOP_KAFKA_VERSION;
  const m = /<kafka\.version>\s*([^<\s]+)\s*<\/kafka\.version>/.exec(fs.readFileSync(POM, 'utf8'));
  if (!m) throw new InfraError(`no <kafka.version> property in ${POM}`);
  return m[1];
}

/** Root of the per-user cache shared by every clone of the repository. */
export function cacheRoot() {
  if (process.env.SHOP_INFRA_CACHE) return path.resolve(process.env.SHOP_INFRA_CACHE);
  const xdg = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(xdg, 'shop-infra');
}

/**
 * The port the local broker listens on: the port of KAFKA_BROKERS when that
 * is a single local address (e.g. 127.0.0.1:19092), else 9092.
 */
export function brokerPort() {
  if (process.env.KAFKA_BROKERS) {
    const list = parseBrokerList(process.env.KAFKA_BROKERS);
    if (list.length === 1 && isLocalHost(list[0].host)) return list[0].port;
  }
  return 9092;
}

export function controllerPort() {
  return Number(process.env.SHOP_KAFKA_CONTROLLER_PORT || 9093);
}

/** Every file the scripts read or write, for one Kafka version. */
export function kafkaPaths(version = kafkaVersion()) {
  const dir = path.join(cacheRoot(), `kafka-${version}`);
  return {
    dir,
    libs: path.join(dir, 'libs'),
    // Written last by fetchJars(): its presence means the download completed.
    libsMarker: path.join(dir, 'libs.complete'),
    config: path.join(dir, 'config'),
    serverProperties: path.join(dir, 'config', 'server.properties'),
    log4jConfig: path.join(dir, 'config', 'log4j2.properties'),
    data: path.join(dir, 'data'),
    // Records how data/ was formatted, so that a changed setup is reformatted.
    formatMarker: path.join(dir, 'data', 'shop-infra-format.json'),
    log: path.join(dir, 'kafka.log'),
    pid: path.join(dir, 'kafka.pid'),
  };
}

/** The classpath to run the broker or any Kafka tool: "<libs>/*". */
export function kafkaClasspath(version = kafkaVersion()) {
  return `${kafkaPaths(version).libs}${path.sep}*`;
}

// ---------------------------------------------------------------- jars

export function jarsPresent(version = kafkaVersion()) {
  const p = kafkaPaths(version);
  try {
    const marker = JSON.parse(fs.readFileSync(p.libsMarker, 'utf8'));
    return marker.version === version && fs.existsSync(path.join(p.libs, `kafka_2.13-${version}.jar`));
  } catch {
    return false;
  }
}

/**
 * Copies kafka_2.13 and all its runtime dependencies from Maven into
 * <cache>/libs, once. Downloads into libs.partial and renames at the end, so
 * an interrupted fetch is simply redone next time.
 * Returns { fetched: boolean, ms, jars }.
 */
export function ensureJars(version = kafkaVersion()) {
  const p = kafkaPaths(version);
  if (jarsPresent(version)) {
    return { fetched: false, ms: 0, jars: fs.readdirSync(p.libs).length };
  }
  const mvn = which('mvn');
  if (!mvn) {
    throw new InfraError(
      'Maven (mvn) is needed once to download the Kafka broker, and it is not on PATH.',
      'Install it with: apt-get install -y maven   (needs Java 17+: apt-get install -y openjdk-17-jdk-headless)',
    );
  }
  fs.mkdirSync(p.dir, { recursive: true });
  const partial = `${p.libs}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });

  const args = [
    '-B', '-q', '-f', POM,
    `-Dkafka.version=${version}`,
    'dependency:copy-dependencies',
    `-DoutputDirectory=${partial}`,
    '-DincludeScope=runtime',
  ];
  log(`Kafka ${version} jars are not in ${p.libs}: fetching them with Maven (one time, about 45 MB)`);
  log(`  mvn ${args.join(' ')}`);
  const t0 = Date.now();
  // Output is captured: with -q Maven 3.8 still prints stray ANSI resets, and
  // on success there is nothing worth showing. On failure it all goes out.
  const res = spawnSync(mvn, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = Date.now() - t0;
  if (res.status !== 0) {
    // eslint-disable-next-line no-control-regex
    const output = `${res.stdout || ''}${res.stderr || ''}`.replace(/\x1b\[[0-9;]*m/g, '').trim();
    throw new InfraError(
      `Maven could not fetch Kafka ${version} (exit ${res.status ?? res.signal ?? res.error}):`,
      `${output.split('\n').slice(-60).join('\n')}\n`
        + 'To try another release: SHOP_KAFKA_VERSION=<version> npm run infra:up',
    );
  }
  const jars = fs.readdirSync(partial).filter((f) => f.endsWith('.jar'));
  if (!jars.includes(`kafka_2.13-${version}.jar`)) {
    throw new InfraError(`Maven finished but kafka_2.13-${version}.jar is not in ${partial}`);
  }
  fs.rmSync(p.libs, { recursive: true, force: true });
  fs.renameSync(partial, p.libs);
  fs.writeFileSync(
    p.libsMarker,
    `${JSON.stringify({ version, jars: jars.length, fetchedAt: new Date().toISOString(), ms }, null, 2)}\n`,
  );
  log(`fetched ${jars.length} jars in ${seconds(ms)}`);
  return { fetched: true, ms, jars: jars.length };
}

// ---------------------------------------------------------------- java

/** The java binary (JAVA_HOME first) after checking it is Java 17 or newer. */
export function findJava() {
  const fromHome = process.env.JAVA_HOME && path.join(process.env.JAVA_HOME, 'bin', 'java');
  const java = fromHome && fs.existsSync(fromHome) ? fromHome : which('java');
  if (!java) {
    throw new InfraError(
      'Java is needed to run the Kafka broker, and `java` is not on PATH.',
      'Install it with: apt-get install -y openjdk-17-jre-headless',
    );
  }
  const res = spawnSync(java, ['-version'], { encoding: 'utf8' });
  const m = /version "(\d+)(?:\.(\d+))?/.exec(`${res.stderr}${res.stdout}`);
  const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : 0;
  if (major < 17) {
    throw new InfraError(
      `Kafka 4 needs Java 17 or newer; ${java} is Java ${major || 'unknown'}.`,
      'Install it with: apt-get install -y openjdk-17-jre-headless, or point JAVA_HOME at a JDK 17+.',
    );
  }
  return java;
}

function jvmArgs(p) {
  const heap = (process.env.KAFKA_HEAP_OPTS || '-Xms256m -Xmx512m').split(/\s+/).filter(Boolean);
  return [
    ...heap,
    // Serial GC: least memory and no GC threads competing on a 2-core box; a
    // dev broker's heap is small enough that pauses stay short.
    '-XX:+UseSerialGC',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${p.log4jConfig}`,
    // Otherwise log4j2's own shutdown hook stops logging while Kafka's hook is
    // still shutting down, and the log ends mid-shutdown. The console
    // appender flushes every line, so nothing is lost without the hook.
    '-Dlog4j2.shutdownHookEnabled=false',
    `-Dkafka.logs.dir=${p.dir}`,
    '-cp', `${p.libs}${path.sep}*`,
  ];
}

// ---------------------------------------------------------------- config

function serverProperties(p, port, ctlPort) {
  return `# Generated by scripts/infra/kafka.js on every start: edit that file, not this one.
# Single-node KRaft: this process is both the broker and the (only) controller.
process.roles=broker,controller
node.id=${NODE_ID}
controller.quorum.bootstrap.servers=${HOST}:${ctlPort}
listeners=PLAINTEXT://${HOST}:${port},CONTROLLER://${HOST}:${ctlPort}
advertised.listeners=PLAINTEXT://${HOST}:${port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=${p.data}

# Topics appear on first use, as the apps expect; 3 partitions so that
# consumer groups with several instances have something to share.
auto.create.topics.enable=true
num.partitions=3
default.replication.factor=1

# One broker: every internal topic must live with a single replica.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1

# Consumers join at once instead of waiting 3 s for more members (tests!).
group.initial.rebalance.delay.ms=0
# 10 instead of 50 partitions for __consumer_offsets / __transaction_state:
# one broker gains nothing from more, and they are created and loaded faster.
offsets.topic.num.partitions=10
transaction.state.log.num.partitions=10

# Development data: keep little of it.
log.retention.hours=2
log.retention.bytes=67108864
log.segment.bytes=16777216
log.retention.check.interval.ms=60000

# Sized for a 2-core machine.
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
`;
}

// Logs go to stdout, which start() redirects to <cache>/kafka.log. The
// binary distribution ships a YAML config; properties need no extra jar.
const LOG4J2_PROPERTIES = `status = warn
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.requestChannel.name = kafka.network.RequestChannel$
logger.requestChannel.level = WARN
`;

/** Cluster ids are 16 random bytes in URL-safe base64 without padding. */
function newClusterId() {
  return crypto.randomBytes(16).toString('base64url');
}

/**
 * Formats data/ with kafka.tools.StorageTool unless it was already formatted
 * by this Kafka version with the same node id and controller endpoint (newer
 * Kafka refuses older-formatted dirs in some cases and vice versa, and the
 * standalone controller's endpoint is written into the metadata log). A
 * mismatching data dir is local scratch data: it is wiped and reformatted.
 */
function ensureFormatted(java, p, version, ctlPort) {
  const wanted = { version, nodeId: NODE_ID, controller: `${HOST}:${ctlPort}` };
  let current = null;
  try {
    current = JSON.parse(fs.readFileSync(p.formatMarker, 'utf8'));
  } catch {
    /* never formatted by us */
  }
  const same = current
    && current.version === wanted.version
    && current.nodeId === wanted.nodeId
    && current.controller === wanted.controller
    && fs.existsSync(path.join(p.data, 'meta.properties'));
  if (same) return false;

  if (fs.existsSync(p.data)) {
    warn(`${p.data} was formatted for another setup (${JSON.stringify(current)}): wiping it (local dev data only)`);
    fs.rmSync(p.data, { recursive: true, force: true });
  }
  const clusterId = newClusterId();
  const args = [
    ...jvmArgs(p),
    'kafka.tools.StorageTool', 'format',
    '--config', p.serverProperties,
    '--cluster-id', clusterId,
    // A single-node dynamic KRaft quorum made of this controller only.
    '--standalone',
  ];
  log(`formatting ${p.data} (cluster id ${clusterId})`);
  const res = spawnSync(java, args, { encoding: 'utf8', cwd: p.dir });
  if (res.status !== 0) {
    throw new InfraError(
      `kafka.tools.StorageTool format failed (exit ${res.status ?? res.signal})`,
      `${res.stdout}${res.stderr}`.trim(),
    );
  }
  fs.writeFileSync(p.formatMarker, `${JSON.stringify({ ...wanted, clusterId }, null, 2)}\n`);
  return true;
}

// ---------------------------------------------------------------- process

/** Pid from the pid file if that process is alive and is a Kafka broker. */
export function runningPid(version = kafkaVersion()) {
  const p = kafkaPaths(version);
  let pid;
  try {
    pid = Number(fs.readFileSync(p.pid, 'utf8').trim());
  } catch {
    return null;
  }
  return pid > 0 && isKafkaProcess(pid) ? pid : null;
}

function isKafkaProcess(pid) {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (err.code !== 'EPERM') return false;
  }
  try {
    // A zombie still "exists" for kill(0); our detached broker is reparented
    // to PID 1, which in some containers never reaps it.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (/\)\s+Z\s/.test(stat)) return false;
    // Guard against a recycled pid before we signal it.
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(MAIN_CLASS);
  } catch {
    return process.platform !== 'linux'; // no /proc: trust kill(0)
  }
}

/** PLAINTEXT port in the server.properties the running broker was started with. */
function listenerPort(p) {
  try {
    const m = /^listeners=.*PLAINTEXT:\/\/[^:,]+:(\d+)/m.exec(fs.readFileSync(p.serverProperties, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** VmRSS of a process in MiB, or null. */
export function residentMiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/**
 * Starts the broker unless one already answers on the port, then waits until
 * it serves Metadata requests. Returns
 *   { alreadyRunning, pid, readyMs, formatted, port }.
 */
export async function startKafka({ version = kafkaVersion(), timeoutSec } = {}) {
  const p = kafkaPaths(version);
  const port = brokerPort();
  const ctlPort = controllerPort();
  const timeoutMs = 1000 * Number(timeoutSec || process.env.SHOP_KAFKA_START_TIMEOUT || 90);

  const probe = await probeKafka(HOST, port);
  if (probe.ok) {
    const pid = runningPid(version);
    log(`Kafka already answers on ${HOST}:${port}${pid ? ` (pid ${pid})` : ' (not started by these scripts)'}: nothing to start`);
    await warmUp(port);
    return { alreadyRunning: true, pid, readyMs: 0, formatted: false, port };
  }

  let pid = runningPid(version);
  let formatted = false;
  let t0 = Date.now();
  if (pid) {
    const running = listenerPort(p);
    if (running !== port) {
      throw new InfraError(
        `the local Kafka broker (pid ${pid}) listens on ${HOST}:${running}, not on port ${port}.`,
        'Stop it first: node scripts/infra/kafka.js stop',
      );
    }
    log(`Kafka (pid ${pid}) is running but not ready yet: waiting for it`);
  } else {
    if (probe.reachable) {
      throw new InfraError(
        `port ${port} on ${HOST} is taken by something that is not a ready Kafka broker (${probe.reason}).`,
        `See what it is with: ss -ltnp 'sport = :${port}'`,
      );
    }
    if (await canConnect(HOST, ctlPort)) {
      throw new InfraError(
        `the Kafka controller port ${HOST}:${ctlPort} is already in use.`,
        `Free it, or pick another with SHOP_KAFKA_CONTROLLER_PORT=<port>. See: ss -ltnp 'sport = :${ctlPort}'`,
      );
    }
    ensureJars(version);
    const java = findJava();
    fs.mkdirSync(p.config, { recursive: true });
    fs.writeFileSync(p.serverProperties, serverProperties(p, port, ctlPort));
    fs.writeFileSync(p.log4jConfig, LOG4J2_PROPERTIES);
    formatted = ensureFormatted(java, p, version, ctlPort);

    // Keep the previous run's log for post-mortems, start a fresh one.
    if (fs.existsSync(p.log)) fs.renameSync(p.log, `${p.log}.1`);
    const out = fs.openSync(p.log, 'a');
    const child = spawn(java, [...jvmArgs(p), MAIN_CLASS, p.serverProperties], {
      cwd: p.dir,
      detached: true, // own session: survives this script, Ctrl-C and `npm run` exiting
      stdio: ['ignore', out, out],
    });
    fs.closeSync(out);
    child.unref();
    t0 = Date.now();
    pid = child.pid;
    fs.writeFileSync(p.pid, `${pid}\n`);
    log(`started Kafka ${version} (pid ${pid}) on ${HOST}:${port}, controller ${HOST}:${ctlPort}; log: ${p.log}`);
  }

  // Poll with real Kafka requests until the broker is registered, unfenced
  // and knows its controller (see lib/kafka-probe.js).
  let last = probe;
  while (Date.now() - t0 < timeoutMs) {
    await sleep(500);
    if (!isKafkaProcess(pid)) {
      fs.rmSync(p.pid, { force: true });
      throw new InfraError(
        `the Kafka broker (pid ${pid}) exited during startup. Last lines of ${p.log}:`,
        tailFile(p.log, 40),
      );
    }
    last = await probeKafka(HOST, port, { timeoutMs: 2000 });
    if (last.ok) {
      const readyMs = Date.now() - t0;
      log(`Kafka serves requests on ${HOST}:${port} ${seconds(readyMs)} after start (cluster ${last.clusterId})`);
      const warmMs = await warmUp(port, Math.max(10000, timeoutMs - readyMs));
      log(`Kafka is ready: ${seconds(readyMs + warmMs)} from start, RSS ${residentMiB(pid)} MiB`);
      return { alreadyRunning: false, pid, readyMs: readyMs + warmMs, formatted, port };
    }
  }
  throw new InfraError(
    `Kafka (pid ${pid}) was not ready within ${timeoutMs / 1000} s (last probe: ${last.reason}). `
      + `It is still running; stop it with: node scripts/infra/kafka.js stop. Last lines of ${p.log}:`,
    tailFile(p.log, 40),
  );
}

/** See warmUpCoordinators(): makes the first consumer group join at once. */
async function warmUp(port, timeoutMs = 60000) {
  try {
    return await warmUpCoordinators(HOST, port, { timeoutMs });
  } catch (err) {
    throw new InfraError(`Kafka answers but its coordinators do not get ready: ${err.message}`,
      `Look at the broker log: ${kafkaPaths().log}`);
  }
}

/** SIGTERM (controlled shutdown), SIGKILL after graceMs. */
export async function stopKafka({ version = kafkaVersion(), graceMs = 30000 } = {}) {
  const p = kafkaPaths(version);
  const pid = runningPid(version);
  if (!pid) {
    fs.rmSync(p.pid, { force: true });
    const port = brokerPort();
    const probe = await probeKafka(HOST, port);
    if (probe.ok) {
      log(`a Kafka broker answers on ${HOST}:${port} but was not started by these scripts (no live pid in ${p.pid}): leaving it alone`);
    } else {
      log('the local Kafka broker is not running');
    }
    return { stopped: false };
  }
  log(`stopping Kafka (pid ${pid})`);
  const t0 = Date.now();
  process.kill(pid, 'SIGTERM');
  while (isKafkaProcess(pid) && Date.now() - t0 < graceMs) await sleep(250);
  if (isKafkaProcess(pid)) {
    warn(`Kafka (pid ${pid}) did not exit within ${graceMs / 1000} s: sending SIGKILL`);
    process.kill(pid, 'SIGKILL');
    while (isKafkaProcess(pid) && Date.now() - t0 < graceMs + 10000) await sleep(250);
  }
  fs.rmSync(p.pid, { force: true });
  log(`Kafka stopped after ${seconds(Date.now() - t0)}`);
  return { stopped: true, ms: Date.now() - t0 };
}

export async function kafkaStatus({ version = kafkaVersion() } = {}) {
  const p = kafkaPaths(version);
  const port = brokerPort();
  const pid = runningPid(version);
  const probe = await probeKafka(HOST, port);
  log(`Kafka ${version}, cache ${p.dir}`);
  log(`  jars:   ${jarsPresent(version) ? 'present' : 'not downloaded yet'}`);
  log(`  broker: ${pid ? `running, pid ${pid}, RSS ${residentMiB(pid)} MiB` : 'no process started by these scripts'}`);
  log(`  ${HOST}:${port}: ${probe.ok ? `ready (cluster ${probe.clusterId}, controller ${probe.controllerId})` : `not ready (${probe.reason})`}`);
  log(`  log:    ${p.log}`);
  return probe.ok ? 0 : 3;
}

// ---------------------------------------------------------------- CLI

async function main() {
  const cmd = process.argv[2];
  switch (cmd) {
    case 'start':
      await startKafka();
      return 0;
    case 'stop':
      await stopKafka();
      return 0;
    case 'status':
      return kafkaStatus();
    case 'fetch':
      ensureJars();
      log(`jars in ${kafkaPaths().libs}`);
      return 0;
    case 'classpath':
      process.stdout.write(`${kafkaClasspath()}\n`);
      return 0;
    default:
      process.stderr.write('usage: node scripts/infra/kafka.js start|stop|status|fetch|classpath\n');
      return 2;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  runMain(main);
}

#!/usr/bin/env node
/**
 * `npm run infra:up`: makes the brokers and databases that cluster mode needs
 * available on this machine, without Docker.
 *
 *   1. Kafka: if KAFKA_BROKERS (default 127.0.0.1:9092) already answers, use
 *      it. Otherwise fetch the broker jars with Maven once (cached per user)
 *      and start a local single-node KRaft broker, waiting until it serves.
 *   2. MariaDB/MySQL at DB_HOST:DB_PORT: log in and create the service
 *      databases (CREATE DATABASE IF NOT EXISTS, utf8mb4).
 *   3. RabbitMQ at RABBITMQ_URL: full AMQP login (user, password, vhost).
 *
 * MariaDB and RabbitMQ are only checked, never started: they are system
 * services. Every problem is reported with what to do about it, all checks
 * run even when one fails, and the exit code is non-zero if any failed.
 */
import { spawnSync } from 'node:child_process';

import { ensureJars, kafkaPaths, kafkaVersion, startKafka } from './kafka.js';
import { probeAmqp } from './lib/amqp-probe.js';
import { parseBrokerList, probeKafka } from './lib/kafka-probe.js';
import {
  InfraError, canConnect, indent, isLocalHost, log, runMain, seconds, which,
} from './lib/util.js';

const DATABASES = ['shop_user', 'shop_product', 'shop_cart', 'shop_order', 'shop_notification'];

const DOCKER_HINT = 'or, where Docker is available: docker compose -f docker/compose.infra.yaml up -d';

// ---------------------------------------------------------------- Kafka

async function kafkaStep() {
  const brokersEnv = process.env.KAFKA_BROKERS || '127.0.0.1:9092';
  let brokers;
  try {
    brokers = parseBrokerList(brokersEnv);
  } catch (err) {
    throw new InfraError(`KAFKA_BROKERS=${brokersEnv}: ${err.message}`);
  }
  if (brokers.length === 0) throw new InfraError('KAFKA_BROKERS is set but empty');

  // Someone else's broker (Docker, a shared dev cluster, an earlier run)?
  for (const { host, port } of brokers) {
    const probe = await probeKafka(host, port);
    if (probe.ok) {
      const local = brokers.length === 1 && isLocalHost(host);
      if (local) break; // ours or not, startKafka() says so and warms it up
      log(`Kafka: ${host}:${port} answers (cluster ${probe.clusterId}, ${probe.brokers.length} broker(s)): not starting a local broker`);
      return `Kafka ${brokersEnv} (external)`;
    }
  }

  if (!(brokers.length === 1 && isLocalHost(brokers[0].host))) {
    throw new InfraError(
      `Kafka: no broker of KAFKA_BROKERS=${brokersEnv} answers, and they are not a single local address to start one on.`,
      'Start that cluster, or unset KAFKA_BROKERS to use the local broker (127.0.0.1:9092).',
    );
  }

  const version = kafkaVersion();
  const fetch = ensureJars(version);
  if (!fetch.fetched) log(`Kafka ${version}: jars already cached in ${kafkaPaths(version).libs}`);
  const started = await startKafka({ version });
  const how = started.alreadyRunning ? 'already running' : `started, ready in ${seconds(started.readyMs)}`;
  return `Kafka ${version} on 127.0.0.1:${started.port} (${how})`;
}

// ---------------------------------------------------------------- MariaDB

function dbSettings() {
  return {
    host: process.env.DB_HOST || '127.0.0.1',
    port: Number(process.env.DB_PORT || 3306),
    user: process.env.DB_USER || 'root',
    password: process.env.DB_PASSWORD || '',
  };
}

/** Runs SQL through the mariadb/mysql CLI; resolves {ok, out, err}. */
function runSql(client, db, sql) {
  const args = [
    '--no-defaults', // ignore ~/.my.cnf etc.: use exactly the DB_* settings
    '--protocol=TCP', // "localhost" would otherwise mean the Unix socket
    '-h', db.host, '-P', String(db.port), '-u', db.user,
    '--connect-timeout=5', '--batch', '--skip-column-names',
    '-e', sql,
  ];
  // The password goes through the environment, not argv (visible in ps).
  const env = { ...process.env };
  delete env.MYSQL_PWD;
  if (db.password) env.MYSQL_PWD = db.password;
  const res = spawnSync(client, args, { encoding: 'utf8', env, timeout: 30000 });
  return { ok: res.status === 0, out: (res.stdout || '').trim(), err: (res.stderr || res.error?.message || '').trim() };
}

async function databaseStep() {
  const db = dbSettings();
  const where = `${db.host}:${db.port}`;
  const client = which('mariadb') || which('mysql');
  if (!client) {
    const up = await canConnect(db.host, db.port);
    throw new InfraError(
      `MariaDB: no \`mariadb\` or \`mysql\` command-line client on PATH, so the databases cannot be created`
        + ` (the server at ${where} is ${up ? 'reachable' : 'not reachable either'}).`,
      'Install the client with: apt-get install -y mariadb-client',
    );
  }

  const ping = runSql(client, db, 'SELECT VERSION()');
  if (!ping.ok) {
    const denied = /access denied/i.test(ping.err);
    const hint = denied
      ? `Check DB_USER / DB_PASSWORD (now user "${db.user}", ${db.password ? 'a password' : 'empty password'}).`
      : [
        isLocalHost(db.host)
          ? 'Start MariaDB: service mariadb start\n'
            + '  (without an init system: start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd)\n'
            + '  not installed? apt-get install -y mariadb-server'
          : `Make sure MariaDB/MySQL runs at ${where}, or point DB_HOST/DB_PORT elsewhere.`,
        DOCKER_HINT,
      ].join('\n');
    throw new InfraError(`MariaDB at ${where}: ${ping.err || 'login failed'}`, hint);
  }

  const list = DATABASES.map((d) => `'${d}'`).join(',');
  const before = runSql(client, db, `SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (${list})`);
  const existing = new Set(before.ok ? before.out.split('\n').filter(Boolean) : []);
  const create = DATABASES.map(
    (d) => `CREATE DATABASE IF NOT EXISTS \`${d}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;`,
  ).join(' ');
  const res = runSql(client, db, create);
  if (!res.ok) {
    throw new InfraError(
      `MariaDB at ${where}: could not create the databases: ${res.err}`,
      `User "${db.user}" needs the CREATE privilege (or create them yourself: ${DATABASES.join(', ')}).`,
    );
  }
  const created = DATABASES.filter((d) => !existing.has(d));
  log(`MariaDB ${ping.out} at ${where}: databases ready`
    + (created.length ? ` (created ${created.join(', ')})` : ' (all already existed)'));
  return `MariaDB ${ping.out} at ${where}, ${DATABASES.length} databases`;
}

// ---------------------------------------------------------------- RabbitMQ

async function rabbitStep() {
  const url = process.env.RABBITMQ_URL || 'amqp://guest:guest@127.0.0.1:5672';
  const shown = url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@'); // never print the password
  const res = await probeAmqp(url);
  if (res.ok) {
    log(`RabbitMQ: ${res.product} ${res.version} at ${res.host}:${res.port} accepts ${res.user} on vhost "${res.vhost}"`);
    return `${res.product} ${res.version} at ${res.host}:${res.port}`;
  }
  let hint;
  if (res.stage === 'connect' || res.stage === 'protocol') {
    hint = [
      res.stage === 'connect' && isLocalHost(res.host)
        ? 'Start RabbitMQ: service rabbitmq-server start   (or: rabbitmq-server -detached)\n'
          + '  not installed? apt-get install -y rabbitmq-server'
        : `Make sure RabbitMQ listens at ${res.host}:${res.port}, or fix RABBITMQ_URL.`,
      DOCKER_HINT,
    ].join('\n');
  } else if (res.stage === 'login') {
    hint = 'Fix the user/password in RABBITMQ_URL. Note: RabbitMQ lets "guest" log in only from localhost.';
  } else if (res.stage === 'vhost') {
    hint = `Create the vhost: rabbitmqctl add_vhost ${res.vhost} && `
      + `rabbitmqctl set_permissions -p ${res.vhost} ${res.user} '.*' '.*' '.*'`;
  }
  throw new InfraError(`RabbitMQ at ${shown}: ${res.reason}`, hint);
}

// ---------------------------------------------------------------- main

async function main() {
  const t0 = Date.now();
  const steps = [
    ['Kafka', kafkaStep],
    ['MariaDB', databaseStep],
    ['RabbitMQ', rabbitStep],
  ];
  const ok = [];
  const failed = [];
  for (const [name, step] of steps) {
    try {
      ok.push(await step());
    } catch (err) {
      failed.push({ name, err });
    }
  }

  for (const line of ok) log(`OK    ${line}`);
  for (const { name, err } of failed) {
    process.stderr.write(`[infra] FAIL  ${name}: ${err.message}\n`);
    if (err.hint) process.stderr.write(`${indent(err.hint, '        ')}\n`);
    if (!(err instanceof InfraError)) process.stderr.write(`${indent(err.stack, '        ')}\n`);
  }
  if (failed.length) {
    process.stderr.write(`[infra] infra:up failed: ${failed.map((f) => f.name).join(', ')} not available\n`);
    return 1;
  }
  log(`infra is up (${seconds(Date.now() - t0)}). Stop the local Kafka broker with: npm run infra:down`);
  return 0;
}

runMain(main);

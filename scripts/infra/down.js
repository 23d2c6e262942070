#!/usr/bin/env node
/**
 * `npm run infra:down`: stops the local Kafka broker that infra:up started.
 *
 * MariaDB and RabbitMQ are system services that infra:up only checks, so they
 * are left running. Kafka's data (topics, offsets) stays in the cache folder
 * and is reused by the next infra:up; delete <cache>/kafka-<version>/data to
 * start from an empty broker.
 */
import { kafkaPaths, stopKafka } from './kafka.js';
import { log, runMain } from './lib/util.js';

async function main() {
  await stopKafka();
  log(`Kafka data kept in ${kafkaPaths().data}`);
  log('MariaDB and RabbitMQ are system services that infra:up does not start: left running');
  return 0;
}

runMain(main);

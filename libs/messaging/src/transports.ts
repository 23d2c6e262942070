import type { INestApplication } from '@nestjs/common';
import { createKafkaEventServer, ensureKafkaTopics } from './broker/kafka-events.js';
import { createRmqRpcServer } from './broker/rmq-rpc.js';
import type { InProcessBroker } from './in-process/in-process.broker.js';
import { InProcessServer } from './in-process/in-process.transport.js';
import { IN_PROCESS_BROKER } from './messaging.module.js';
import { type MessagingOptions, namespaced } from './options.js';
import { rpcQueue } from '@shop/contracts';

export interface ServedTransports {
  /** The service answers RPCs on its queue `<service>.rpc`. */
  rpc: boolean;
  /** The service consumes domain events in its consumer group. */
  events: boolean;
}

/**
 * Connects the app's message handlers to the configured transports and starts
 * consuming. Call after `app.init()` and before `listen()`.
 */
export async function startMessaging(app: INestApplication, options: MessagingOptions, served: ServedTransports): Promise<void> {
  if (!served.rpc && !served.events) return;
  if (options.transport === 'in-process') {
    const broker = app.get<InProcessBroker>(IN_PROCESS_BROKER);
    app.connectMicroservice({ strategy: new InProcessServer(broker, namespaced(options, rpcQueue(options.service)), namespaced(options, options.service)) }, { inheritAppConfig: true });
  } else {
    if (served.rpc) app.connectMicroservice({ strategy: createRmqRpcServer(options) }, { inheritAppConfig: true });
    if (served.events) {
      await ensureKafkaTopics(options);
      app.connectMicroservice({ strategy: createKafkaEventServer(options) }, { inheritAppConfig: true });
    }
  }
  await app.startAllMicroservices();
}

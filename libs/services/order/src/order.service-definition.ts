import type { ServiceDefinition } from '@shop/platform';
import { OrderModule } from './order.module.js';

export const orderService: ServiceDefinition = {
  name: 'order',
  module: OrderModule,
  defaultHttpPort: 3004,
  // Its own tables arrive with its feature; the outbox and inbox are there from the start.
  schema: { entities: [], migrations: [] },
};

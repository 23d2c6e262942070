import type { ServiceDefinition } from '@shop/platform';
import { NotificationModule } from './notification.module.js';

export const notificationService: ServiceDefinition = {
  name: 'notification',
  module: NotificationModule,
  defaultHttpPort: 3005,
  // Its own tables arrive with its feature; the outbox and inbox are there from the start.
  schema: { entities: [], migrations: [] },
};

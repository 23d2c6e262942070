import type { ServiceDefinition } from '@shop/platform';
import { UserModule } from './user.module.js';

export const userService: ServiceDefinition = {
  name: 'user',
  module: UserModule,
  defaultHttpPort: 3001,
  // Its own tables arrive with its feature; the outbox and inbox are there from the start.
  schema: { entities: [], migrations: [] },
};

import type { ServiceDefinition } from '@shop/platform';
import { DiscoveryModule } from './discovery.module.js';

export const discoveryService: ServiceDefinition = {
  name: 'discovery',
  module: DiscoveryModule,
  defaultHttpPort: 8761,
};

import type { ServiceDefinition } from '@shop/platform';
import { ConfigModule } from './config.module.js';

export const configService: ServiceDefinition = {
  name: 'config',
  module: ConfigModule,
  defaultHttpPort: 8888,
};

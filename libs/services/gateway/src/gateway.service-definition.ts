import type { ServiceDefinition } from '@shop/platform';
import { installCorrelation } from './correlation.js';
import { GatewayModule } from './gateway.module.js';

export const gatewayService: ServiceDefinition = {
  name: 'gateway',
  module: GatewayModule,
  defaultHttpPort: 3000,
  configureHttp: (app) => installCorrelation(app),
};

import { projectConfig } from './vitest.shared.js';

/** `npm test`: unit tests and the all-in-one end-to-end tests; needs nothing but Node. */
export default projectConfig('unit', {
  include: ['apps/*/src/**/*.spec.ts', 'libs/**/src/**/*.spec.ts', 'test/all-in-one/**/*.e2e-spec.ts', 'test/workspace/**/*.spec.ts', 'test/messaging/**/*.spec.ts', 'test/discovery/**/*.e2e-spec.ts', 'test/config/**/*.e2e-spec.ts', 'test/security/**/*.spec.ts', 'test/catalog/**/*.spec.ts', 'test/orders/**/*.spec.ts'],
});

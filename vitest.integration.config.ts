import { projectConfig } from './vitest.shared.js';

/**
 * `npm run test:integration`: real MariaDB, RabbitMQ and Kafka, apps as
 * separate processes. Files run one after another: they share the brokers.
 */
export default projectConfig('integration', {
  include: ['test/messaging/**/*.int-spec.ts', 'test/cluster/**/*.e2e-spec.ts', 'test/discovery/**/*.int-spec.ts', 'test/config/**/*.int-spec.ts', 'test/observability/**/*.int-spec.ts'],
  fileParallelism: false,
  testTimeout: 120_000,
  hookTimeout: 180_000,
});

import { projectConfig } from './vitest.shared.js';

/**
 * `npm run test:deploy`: static checks of docker/ and helm/shop. Needs Node,
 * Java 17+ and Maven (helm-java runs Helm's own code); no Docker engine and no
 * cluster. The Helm checks build and run tools/helm-check once per run.
 */
export default projectConfig('deploy', {
  include: ['test/deploy/**/*.spec.ts'],
  testTimeout: 60_000,
  // The first run fetches helm-java (about 30 MB) with Maven.
  hookTimeout: 300_000,
});

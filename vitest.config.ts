import { configDefaults, defineConfig } from 'vitest/config';

/** Test files that run a second time on a local 3-master Redis Cluster (the `cluster` project). */
const ON_CLUSTER_TOO = [
  'tests/integration/delivery-engine.test.ts',
  'tests/integration/send-timeline.test.ts',
];

export default defineConfig({
  test: {
    // Integration tests start real servers; two cores, so a few files at a time.
    maxWorkers: 2,
    // `digest` spawned by a test runs the TypeScript sources, never a build left in dist/.
    env: { DIGEST_FROM_SOURCE: '1' },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'redis',
          globalSetup: ['tests/setup/global-setup.ts'],
          include: ['tests/**/*.test.ts'],
          // The chaos scenarios kill processes for minutes: `npm run test:chaos` (vitest.chaos.config.ts).
          exclude: [...configDefaults.exclude, 'tests/chaos/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'cluster',
          // The one Redis stays (tests' own assertions may use it); containers go to the cluster.
          globalSetup: ['tests/setup/global-setup.ts', 'tests/setup/cluster-setup.ts'],
          include: ON_CLUSTER_TOO,
        },
      },
    ],
  },
});

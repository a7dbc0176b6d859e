import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['tests/setup/global-setup.ts'],
    include: ['tests/**/*.test.ts'],
    // The chaos scenarios kill processes for minutes: `npm run test:chaos` (vitest.chaos.config.ts).
    exclude: [...configDefaults.exclude, 'tests/chaos/**'],
    // Integration tests start real servers; two cores, so a few files at a time.
    maxWorkers: 2,
    // `digest` spawned by a test runs the TypeScript sources, never a build left in dist/.
    env: { DIGEST_FROM_SOURCE: '1' },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

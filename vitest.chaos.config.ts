import { defineConfig } from 'vitest/config';

/**
 * `npm run test:chaos`: real redis-server, `digest worker` and SMTP sink processes that the scenarios
 * kill. One file at a time (each spawns several processes on a 2-core machine); the teardown renders
 * the figures into RELIABILITY.md.
 */
export default defineConfig({
  test: {
    include: ['tests/chaos/**/*.test.ts'],
    globalSetup: ['tests/chaos/setup/report.ts'],
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 240_000,
    hookTimeout: 60_000,
  },
});

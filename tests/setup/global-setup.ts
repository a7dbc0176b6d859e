/**
 * Starts one real redis-server for the whole run (free port, throwaway dir). Test files isolate
 * themselves with a unique key prefix (tests/helpers/redis.ts), so they can share it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedRedis } from '../../src/redis/embedded-redis.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'nd-test-redis-'));
  const redis = await startEmbeddedRedis({ dir, extraArgs: ['--appendonly', 'no'] });
  project.provide('redisUrl', redis.url);
  return async () => {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}

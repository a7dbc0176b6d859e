/**
 * A one-shot command's container whose Redis goes away mid-command: it retries for `redisGiveUpMs`,
 * one log line per attempt, then fails what waits instead of waiting for ever, says which Redis and
 * why in one line (`describe()`, what `withContainer` prints), and still closes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createContainer } from '../../src/app/container.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../src/redis/embedded-redis.ts';
import { uniquePrefix } from '../helpers/redis.ts';

const dir = mkdtempSync(join(tmpdir(), 'nd-outage-int-'));
let redis: EmbeddedRedis | undefined;
afterAll(async () => {
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a one-shot container losing Redis', () => {
  it('gives up after redisGiveUpMs with one line, logging one line per attempt', async () => {
    redis = await startEmbeddedRedis({ dir: join(dir, 'redis'), extraArgs: ['--appendonly', 'no'] });
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        cb();
      },
    });
    const c = await createContainer(
      loadConfig({
        REDIS_URL: redis.url,
        REDIS_PREFIX: uniquePrefix(),
        SMTP_URL: 'smtp://127.0.0.1:1',
        DATA_DIR: join(dir, 'data'),
      }),
      createLogger({ level: 'warn', pretty: false }, sink),
      { redisGiveUpMs: 1500 },
    );
    expect(await c.subscribers.counts()).toBeTruthy();
    await redis.stop();
    redis = undefined;

    await expect(c.redis.get(`${c.prefix}:probe`)).rejects.toThrow();
    expect(c.redisOutage.isDown()).toBe(true);
    expect(c.redisOutage.describe()).toMatch(
      /^lost the connection to Redis at 127\.0\.0\.1:\d+ \((connection closed|ECONNREFUSED)\) and it did not come back within 1\.5 s$/,
    );
    await c.close();
    const events = lines
      .map((l) => JSON.parse(l) as { event: string; attempt?: number })
      // Before the outage: the warning about a Redis without AOF (this throwaway one).
      .filter((e) => e.event !== 'redis.warning');
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.event === 'redis.retry')).toBe(true);
    expect(events.map((e) => e.attempt)).toEqual(events.map((_, i) => i + 1));
  });
});

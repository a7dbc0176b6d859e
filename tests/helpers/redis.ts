import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';

export const testRedisUrl = (): string => inject('redisUrl');

/** A key prefix no other test uses, e.g. `t:3fa9c1`. */
export const uniquePrefix = (): string => `t:${randomBytes(4).toString('hex')}`;

/** A plain connection for assertions; call `cleanupPrefix` in afterAll. */
export const testRedis = (): Redis => new Redis(testRedisUrl(), { maxRetriesPerRequest: null });

/** Deletes every key under a prefix (SCAN, never KEYS). */
export async function cleanupPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}

import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { eachMaster, type RedisClient } from '../../src/redis/redis-client.ts';

export const testRedisUrl = (): string => inject('redisUrl');

/** A key prefix no other test uses, e.g. `t:3fa9c1`. */
export const uniquePrefix = (): string => `t:${randomBytes(4).toString('hex')}`;

/** A plain connection for assertions; call `cleanupPrefix` in afterAll. */
export const testRedis = (): Redis => new Redis(testRedisUrl(), { maxRetriesPerRequest: null });

/**
 * Deletes every key under a prefix (SCAN, never KEYS): on each master of a cluster, one key per DEL
 * (a DEL of keys in several slots is refused with CROSSSLOT).
 */
export async function cleanupPrefix(redis: RedisClient, prefix: string): Promise<void> {
  for (const node of eachMaster(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await Promise.all(keys.map((k) => node.del(k)));
    } while (cursor !== '0');
  }
}

/**
 * Redis is the system of record: an evicting Redis would silently drop subscribers and ledger
 * entries. Refuse to run on one, and warn when AOF is off (acknowledged writes could be lost).
 */

import { ConfigError } from '../errors/config-error.ts';
import { eachMaster, isCluster, type RedisClient } from './redis-client.ts';

export interface RedisCheck {
  maxmemoryPolicy: string;
  appendonly: boolean;
}

/** The settings of the one Redis, or of every master of a cluster (the first evicting one wins). */
export async function inspectRedis(redis: RedisClient): Promise<RedisCheck> {
  // A cluster connection knows its masters once it is ready.
  if (isCluster(redis) && redis.status !== 'ready') await new Promise((res) => redis.once('ready', res));
  const checks = await Promise.all(
    eachMaster(redis).map(async (node) => {
      const [, policy] = (await node.config('GET', 'maxmemory-policy')) as [string, string];
      const [, aof] = (await node.config('GET', 'appendonly')) as [string, string];
      return { maxmemoryPolicy: policy, appendonly: aof === 'yes' };
    }),
  );
  return {
    maxmemoryPolicy: checks.find((c) => c.maxmemoryPolicy !== 'noeviction')?.maxmemoryPolicy ?? 'noeviction',
    appendonly: checks.every((c) => c.appendonly),
  };
}

/** Throws ConfigError on an evicting Redis; returns warnings for the log otherwise. */
export function judgeRedis(check: RedisCheck): string[] {
  if (check.maxmemoryPolicy !== 'noeviction') {
    throw new ConfigError(
      `REDIS_URL points at a Redis with maxmemory-policy ${check.maxmemoryPolicy}: it may evict subscribers and deliveries; set maxmemory-policy noeviction`,
    );
  }
  return check.appendonly
    ? []
    : ['Redis runs without AOF (appendonly no): acknowledged writes may be lost in a crash'];
}

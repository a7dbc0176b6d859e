/**
 * Redis is the system of record: an evicting Redis would silently drop subscribers and ledger
 * entries. Refuse to run on one, and warn when AOF is off (acknowledged writes could be lost).
 */
import type { Redis } from 'ioredis';
import { ConfigError } from '../errors/config-error.ts';

export interface RedisCheck {
  maxmemoryPolicy: string;
  appendonly: boolean;
}

export async function inspectRedis(redis: Redis): Promise<RedisCheck> {
  const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as [string, string];
  const [, aof] = (await redis.config('GET', 'appendonly')) as [string, string];
  return { maxmemoryPolicy: policy, appendonly: aof === 'yes' };
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

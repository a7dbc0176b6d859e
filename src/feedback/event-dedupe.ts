/**
 * Remembers which feedback events were applied (Redis SET NX with a TTL), so that a provider's retry,
 * a webhook sent twice or a DSN delivered twice changes nothing the second time. Event ids are hashed:
 * they come from outside and may be long.
 */
import { createHash } from 'node:crypto';
import { feedbackSeenKey } from '../redis/key-layout.ts';
import type { RedisClient } from '../redis/redis-client.ts';

/** Providers retry for hours to days (SNS up to 23 days with a custom policy); 60 days covers them. */
const TTL_SECONDS = 60 * 86_400;

export interface EventDedupe {
  /** True the first time an event id is seen. */
  first(eventId: string): Promise<boolean>;
  /** Forgets an event whose application failed, so that its retry is applied. */
  forget(eventId: string): Promise<void>;
}

export function createRedisEventDedupe(redis: RedisClient, prefix: string): EventDedupe {
  const key = (eventId: string) =>
    feedbackSeenKey(prefix, createHash('sha256').update(eventId).digest('base64url'));
  return {
    async first(eventId) {
      return (await redis.set(key(eventId), '1', 'EX', TTL_SECONDS, 'NX')) === 'OK';
    },
    async forget(eventId) {
      await redis.del(key(eventId));
    },
  };
}

/** The weekly schedule `digest schedule set` stored beside the publication file (Redis). */

import { publicationKeys } from '../redis/key-layout.ts';
import type { RedisClient } from '../redis/redis-client.ts';
import type { StoredSchedule } from './effective-schedule.ts';

export async function readStoredSchedule(
  redis: RedisClient,
  prefix: string,
): Promise<StoredSchedule | undefined> {
  const json = await redis.get(publicationKeys(prefix).schedule);
  return json ? (JSON.parse(json) as StoredSchedule) : undefined;
}

export async function storeSchedule(
  redis: RedisClient,
  prefix: string,
  schedule: StoredSchedule,
): Promise<void> {
  await redis.set(publicationKeys(prefix).schedule, JSON.stringify(schedule));
}

export async function forgetStoredSchedule(redis: RedisClient, prefix: string): Promise<boolean> {
  return (await redis.del(publicationKeys(prefix).schedule)) === 1;
}

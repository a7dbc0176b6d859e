/**
 * The key layout of the data (redis/key-layout.ts) is stored with it. A process refuses to start on
 * data of another layout, with one line that says what to do; fresh data gets today's layout.
 */
import { ConfigError } from '../errors/config-error.ts';
import { editionIndexKey, LAYOUT_VERSION, layoutKey, legacyKeys, PARTITIONS } from './key-layout.ts';
import type { RedisClient } from './redis-client.ts';

export type LayoutState = 'current' | 'fresh' | 'legacy' | 'other';

/** What the data under `prefix` is: today's layout, nothing yet, layout 1, or another. */
export async function layoutState(redis: RedisClient, prefix: string): Promise<LayoutState> {
  const h = await redis.hgetall(layoutKey(prefix));
  // A `digest migrate` under way or killed: the data is half moved; running it again finishes it.
  if (h.migrating !== undefined) return 'legacy';
  if (h.version !== undefined)
    return Number(h.version) === LAYOUT_VERSION && Number(h.partitions) === PARTITIONS ? 'current' : 'other';
  const old = legacyKeys(prefix);
  // One EXISTS per key: on Redis Cluster they are in different slots.
  const found = await Promise.all(
    [
      old.emailIndex,
      old.suppressed,
      old.forgotten,
      editionIndexKey(prefix),
      old.articlesPublished,
      old.sources,
      old.sourcesSeeded,
    ].map((key) => redis.exists(key)),
  );
  return found.some((n) => n > 0) ? 'legacy' : 'fresh';
}

/** Records today's layout (HSETNX: a concurrent first start writes the same). */
export async function writeLayout(redis: RedisClient, prefix: string): Promise<void> {
  await redis
    .multi()
    .hsetnx(layoutKey(prefix), 'version', String(LAYOUT_VERSION))
    .hsetnx(layoutKey(prefix), 'partitions', String(PARTITIONS))
    .exec();
}

/** At start: fine on today's layout, writes it on fresh data, else one line and no start. */
export async function checkKeyLayout(redis: RedisClient, prefix: string): Promise<void> {
  const state = await layoutState(redis, prefix);
  if (state === 'current') return;
  if (state === 'fresh') return writeLayout(redis, prefix);
  if (state === 'legacy')
    throw new ConfigError(
      `the data under REDIS_PREFIX=${prefix} was written by an older version of newsletter-digest; run "digest migrate" once to move it to the new key layout, then start again`,
    );
  const h = await redis.hgetall(layoutKey(prefix));
  throw new ConfigError(
    `the data under REDIS_PREFIX=${prefix} has key layout ${h.version} with ${h.partitions} partitions; this version reads layout ${LAYOUT_VERSION} with ${PARTITIONS}: use the version that wrote it`,
  );
}

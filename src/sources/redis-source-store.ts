/**
 * Sources in Redis: one JSON document per source under `{prefix}:source:{id}` and a sorted set
 * `{prefix}:sources` of ids by the time they were added.
 */

import type { SourceSeed } from '../domain/publication.ts';
import { sourceKeys } from '../redis/key-layout.ts';
import type { RedisClient } from '../redis/redis-client.ts';
import type { Source } from './source.ts';
import { parseSourceLocation, sourceIdFor } from './source-location.ts';
import type { SourceStore } from './source-store.ts';

export function createRedisSourceStore(redis: RedisClient, prefix: string): SourceStore {
  const sk = sourceKeys(prefix);
  const sourceKey = sk.source;
  const indexKey = sk.index;
  const seededKey = sk.seeded;

  const get = async (id: string): Promise<Source | undefined> => {
    const json = await redis.get(sourceKey(id));
    return json ? (JSON.parse(json) as Source) : undefined;
  };
  const save = async (source: Source, score?: number) => {
    const tx = redis.multi().set(sourceKey(source.id), JSON.stringify(source));
    if (score !== undefined) tx.zadd(indexKey, 'NX', String(score), source.id);
    await tx.exec();
  };

  const store: SourceStore = {
    async add(input, now = new Date()) {
      const { url } = input;
      const kind = input.kind ?? (/^https?:\/\//i.test(url) ? 'url' : 'file');
      const topics = [...new Set(input.topics ?? [])];
      const id = sourceIdFor(url);
      const existing = await get(id);
      const source: Source = existing
        ? { ...existing, topics }
        : {
            id,
            url,
            kind,
            topics,
            addedAt: now.toISOString(),
            etag: undefined,
            lastModified: undefined,
            lastFetch: undefined,
          };
      await save(source, now.getTime());
      return source;
    },
    async list() {
      const ids = await redis.zrange(indexKey, '0', '-1');
      if (ids.length === 0) return [];
      const docs = await redis.mget(ids.map(sourceKey));
      return docs.filter((d): d is string => d !== null).map((d) => JSON.parse(d) as Source);
    },
    get,
    async remove(idOrUrl) {
      const id = (await redis.exists(sourceKey(idOrUrl))) ? idOrUrl : sourceIdFor(idOrUrl);
      const [[, removed] = []] = (await redis.multi().del(sourceKey(id)).zrem(indexKey, id).exec()) ?? [];
      return removed === 1;
    },
    async recordFetch(id, result, validators) {
      const source = await get(id);
      if (!source) return; // removed while it was being collected
      const next: Source = { ...source, lastFetch: result };
      if (validators) {
        next.etag = validators.etag;
        next.lastModified = validators.lastModified;
      }
      await save(next);
    },
    async seedOnce(seeds: SourceSeed[], now) {
      if ((await redis.set(seededKey, now.toISOString(), 'NX')) !== 'OK') return 0;
      for (const seed of seeds) {
        await store.add({ ...seedLocation(seed.url), topics: seed.topics ?? [] }, now);
      }
      return seeds.length;
    },
  };
  return store;
}

/** A seed that does not validate (a missing file) is still registered, so collect reports it. */
function seedLocation(url: string): { url: string; kind: Source['kind'] } {
  try {
    return parseSourceLocation(url);
  } catch {
    return { url, kind: /^https?:\/\//i.test(url) ? 'url' : 'file' };
  }
}

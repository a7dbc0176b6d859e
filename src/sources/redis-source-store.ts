/**
 * Sources in Redis: one JSON document per source under `{prefix}:source:{id}`, a sorted set
 * `{prefix}:sources` of ids by the time they were added, and the set of the publication file's
 * sources an operator removed (src/redis/key-layout.ts).
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
  const removedKey = sk.removedFromFile;

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
      const origin = input.origin ?? existing?.origin ?? 'operator';
      const source: Source = existing
        ? { ...existing, topics, origin }
        : {
            id,
            url,
            kind,
            topics,
            origin,
            addedAt: now.toISOString(),
            etag: undefined,
            lastModified: undefined,
            lastFetch: undefined,
          };
      await save(source, now.getTime());
      // Added again by hand: a file source an operator removed is collected again.
      await redis.srem(removedKey, id);
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
      const source = await get(id);
      const tx = redis.multi().del(sourceKey(id)).zrem(indexKey, id);
      // A source of the publication file stays removed (syncFromFile skips it) and is reported.
      if (source?.origin === 'file') tx.sadd(removedKey, id);
      const [[, removed] = []] = (await tx.exec()) ?? [];
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
    async syncFromFile(seeds: SourceSeed[], now) {
      const wanted = new Map(seeds.map((seed) => [sourceIdFor(seed.url), seed]));
      const removed = new Set(await redis.smembers(removedKey));
      const registered = new Map((await store.list()).map((s) => [s.id, s]));
      const added: Source[] = [];
      const dropped: Source[] = [];
      for (const [id, seed] of wanted) {
        if (removed.has(id)) continue;
        const have = registered.get(id);
        const topics = [...new Set(seed.topics ?? [])];
        if (have?.origin === 'file' && sameTopics(have.topics, topics)) continue;
        // New in the file, or registered by hand before the file named it: the file's topics hold.
        const source = await store.add({ ...seedLocation(seed.url), topics, origin: 'file' }, now);
        if (!have) added.push(source);
      }
      for (const source of registered.values()) {
        if (source.origin !== 'file' || wanted.has(source.id)) continue;
        // Taken out of the file: the file is the configuration (its articles stay).
        await redis.multi().del(sourceKey(source.id)).zrem(indexKey, source.id).exec();
        dropped.push(source);
      }
      const gone = [...removed].filter((id) => !wanted.has(id));
      if (gone.length) await redis.srem(removedKey, ...gone);
      return { added, dropped };
    },
    async removedFromFile() {
      return redis.smembers(removedKey);
    },
  };
  return store;
}

const sameTopics = (a: string[], b: string[]) =>
  a.length === b.length && [...a].sort().join() === [...b].sort().join();

/** A seed that does not validate (a missing file) is still registered, so collect reports it. */
function seedLocation(url: string): { url: string; kind: Source['kind'] } {
  try {
    return parseSourceLocation(url);
  } catch {
    return { url, kind: /^https?:\/\//i.test(url) ? 'url' : 'file' };
  }
}

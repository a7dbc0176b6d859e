/**
 * Editions in Redis: a hash per edition under the edition's hash tag (status, timestamps, the frozen
 * edition as JSON), its compiled variants beside it, and a sorted index by window start.
 */
import type { Redis } from 'ioredis';
import { editionIndexKey, editionKeys } from '../delivery/ledger-keys.ts';
import type { Edition, EditionStatus } from '../domain/edition.ts';
import type { CompiledVariant } from '../render/build-variant.ts';
import type { EditionRecord, EditionStore } from './edition-store.ts';

// Compare-and-set of the status: only from one of the listed statuses.
const TRANSITION = `
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return 0 end
for i = 4, #ARGV do
  if st == ARGV[i] then
    redis.call('HSET', KEYS[1], 'status', ARGV[1], 'pausedReason', ARGV[2])
    if ARGV[1] == 'sending' and redis.call('HEXISTS', KEYS[1], 'startedAt') == 0 then
      redis.call('HSET', KEYS[1], 'startedAt', ARGV[3])
    end
    if ARGV[1] == 'sending' then redis.call('HDEL', KEYS[1], 'finishedAt') end
    if ARGV[1] == 'sent' or ARGV[1] == 'cancelled' then redis.call('HSET', KEYS[1], 'finishedAt', ARGV[3]) end
    return 1
  end
end
return 0
`;

interface Commands {
  ndEditionTransition(...args: string[]): Promise<number>;
}

export function createRedisEditionStore(redis: Redis, prefix: string): EditionStore {
  const r = redis as Redis & Commands;
  if (!('ndEditionTransition' in r))
    redis.defineCommand('ndEditionTransition', { numberOfKeys: 1, lua: TRANSITION });
  const keys = (id: string) => editionKeys(prefix, id);

  const fromHash = (h: Record<string, string>): EditionRecord | undefined => {
    if (!h.data) return undefined;
    const edition = JSON.parse(h.data) as Edition;
    return {
      ...edition,
      status: (h.status as EditionStatus) ?? edition.status,
      pausedReason: h.pausedReason || undefined,
      startedAt: h.startedAt || undefined,
      finishedAt: h.finishedAt || undefined,
    };
  };

  const store: EditionStore = {
    async get(id) {
      return fromHash(await redis.hgetall(keys(id).edition));
    },

    async create(edition, variants) {
      const k = keys(edition.id);
      // Variants first, the edition record last: the record is the commit point of a build.
      const multi = redis.multi().del(k.variants);
      for (const [i, v] of variants.entries()) multi.hset(k.variants, String(i), JSON.stringify(v));
      await multi.exec();
      const created = await redis.hsetnx(k.edition, 'data', JSON.stringify(edition));
      if (!created) return 'exists';
      await redis
        .multi()
        .hset(k.edition, 'status', edition.status, 'pausedReason', '')
        .zadd(editionIndexKey(prefix), new Date(edition.windowStart).getTime(), edition.id)
        .exec();
      return 'created';
    },

    async transition(id, from, to, reason = '') {
      return (
        (await r.ndEditionTransition(keys(id).edition, to, reason, new Date().toISOString(), ...from)) === 1
      );
    },

    async list(limit) {
      const ids = await redis.zrevrange(editionIndexKey(prefix), 0, limit - 1);
      const pipe = redis.pipeline();
      for (const id of ids) pipe.hgetall(keys(id).edition);
      const rows = (await pipe.exec()) ?? [];
      return rows
        .map(([, h]) => fromHash((h ?? {}) as Record<string, string>))
        .filter((e): e is EditionRecord => e !== undefined);
    },

    async variants(id) {
      const all = await redis.hgetall(keys(id).variants);
      return Object.entries(all)
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([, json]) => JSON.parse(json) as CompiledVariant);
    },

    async lockBuild(id, ttlMs) {
      return (
        (await redis.set(`${keys(id).edition}:build-lock`, String(process.pid), 'PX', ttlMs, 'NX')) === 'OK'
      );
    },

    async unlockBuild(id) {
      await redis.del(`${keys(id).edition}:build-lock`);
    },

    async nextGeneration(id) {
      return redis.hincrby(keys(id).edition, 'generation', 1);
    },

    async recordDispatch(id, generation, jobs) {
      await redis.hset(keys(id).edition, 'lastDispatch', `${generation}:${jobs}`);
    },

    async lastDispatch(id) {
      const v = await redis.hget(keys(id).edition, 'lastDispatch');
      if (!v) return undefined;
      const [generation, jobs] = v.split(':').map(Number) as [number, number];
      return { generation, jobs };
    },
  };
  return store;
}

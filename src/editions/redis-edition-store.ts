/**
 * Editions in Redis: a hash per edition under the edition's hash tag (status, timestamps, the frozen
 * edition as JSON), its current generation beside it (compiled variants, frozen articles, and the
 * ledger the delivery ledger writes), the editor's edits, and a sorted index by window start.
 */

import type { Article } from '../domain/article.ts';
import { type Edition, editionStatusOf } from '../domain/edition.ts';
import { NO_EDITS } from '../domain/edition-edits.ts';
import { timelineKeys } from '../observability/redis-send-timeline.ts';
import type { DueGroup } from '../observability/send-progress.ts';
import { editionIndexKey, editionKeys, GENERATION_KEYS, stagingKey } from '../redis/key-layout.ts';
import type { RedisClient } from '../redis/redis-client.ts';
import type { CompiledVariant } from '../render/build-variant.ts';
import type { CommitResult, EditionRecord, EditionStore } from './edition-store.ts';

// Statuses stored by older code read as today's (domain/edition.ts LEGACY_STATUSES).
const NORMALISE = `
local function norm(st)
  if st == 'built' or st == 'ready' then return 'draft' end
  return st
end
`;

// Compare-and-set of the status: only from one of the listed statuses.
const TRANSITION = `${NORMALISE}
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return 0 end
st = norm(st)
for i = 4, #ARGV do
  if st == norm(ARGV[i]) then
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

/**
 * Makes a staged build the edition's current generation. The mode's checks and the swap are one
 * script, and a claim (ledger-scripts.ts) is one script on the same edition's keys: a rebuild either
 * sees no claim and swaps before any, or sees one and changes nothing. Claims are refused while the
 * edition is a draft, so only a send that started meanwhile can make a rebuild fail here.
 * KEYS: edition, counts, claims, attempts, timeline, replies, feedback, feedback-of, then per GENERATION_KEYS its staging
 * and its live name. ARGV: mode, edition JSON, status (a build's is always draft).
 */
const COMMIT = `${NORMALISE}
local mode = ARGV[1]
local has = redis.call('HEXISTS', KEYS[1], 'data') == 1
local function count(name) return tonumber(redis.call('HGET', KEYS[2], name) or '0') or 0 end
if mode == 'create' then
  if has then return 'exists' end
else
  if not has then return 'missing' end
  local st = norm(redis.call('HGET', KEYS[1], 'status') or '')
  if mode == 'rebuild' then
    if st ~= 'draft' then return 'status:' .. st end
    for _, s in ipairs({'sending', 'sent', 'retry', 'bounced', 'uncertain', 'failed'}) do
      if count(s) > 0 then return 'claimed' end
    end
    if redis.call('ZCARD', KEYS[3]) > 0 then return 'claimed' end
  else
    if st ~= 'cancelled' then return 'status:' .. st end
    if count('sent') + count('sending') + count('uncertain') > 0 then return 'reached' end
  end
end
for i = 9, #KEYS, 2 do
  if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('RENAME', KEYS[i], KEYS[i + 1])
  else redis.call('DEL', KEYS[i + 1]) end
end
-- Claims, attempts, the send timeline and feedback belong to the generation they were made in.
redis.call('DEL', KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8])
redis.call('HSET', KEYS[1], 'data', ARGV[2], 'status', ARGV[3], 'pausedReason', '')
redis.call('HDEL', KEYS[1], 'startedAt', 'finishedAt', 'lastDispatch', 'duePlan', 'approvedAt', 'approvedBy', 'publicFrom')
return 'committed'
`;

const APPROVE = `${NORMALISE}
local st = redis.call('HGET', KEYS[1], 'status')
if not st or norm(st) ~= 'draft' then return 0 end
redis.call('HSET', KEYS[1], 'approvedAt', ARGV[1], 'approvedBy', ARGV[2])
return 1
`;

// The earliest instant wins (ISO strings in UTC compare as the instants do).
const PUBLIC_FROM = `
local old = redis.call('HGET', KEYS[1], 'publicFrom')
if not old or ARGV[1] < old then redis.call('HSET', KEYS[1], 'publicFrom', ARGV[1]) end
return 1
`;

interface Commands {
  ndEditionPublicFrom(...args: string[]): Promise<number>;
  ndEditionTransition(...args: string[]): Promise<number>;
  ndEditionCommit(numKeys: number, ...args: string[]): Promise<string>;
  ndEditionApprove(...args: string[]): Promise<number>;
}

export function createRedisEditionStore(redis: RedisClient, prefix: string): EditionStore {
  const r = redis as RedisClient & Commands;
  if (!('ndEditionTransition' in r))
    redis.defineCommand('ndEditionTransition', { numberOfKeys: 1, lua: TRANSITION });
  if (!('ndEditionCommit' in r)) redis.defineCommand('ndEditionCommit', { lua: COMMIT });
  if (!('ndEditionPublicFrom' in r))
    redis.defineCommand('ndEditionPublicFrom', { numberOfKeys: 1, lua: PUBLIC_FROM });
  if (!('ndEditionApprove' in r)) redis.defineCommand('ndEditionApprove', { numberOfKeys: 1, lua: APPROVE });
  const keys = (id: string) => editionKeys(prefix, id);

  const fromHash = (h: Record<string, string>): EditionRecord | undefined => {
    if (!h.data) return undefined;
    const edition = JSON.parse(h.data) as Edition;
    return {
      ...edition,
      status: editionStatusOf(h.status ?? edition.status),
      generation: edition.generation ?? 1,
      pausedReason: h.pausedReason || undefined,
      startedAt: h.startedAt || undefined,
      finishedAt: h.finishedAt || undefined,
      approvedAt: h.approvedAt || undefined,
      approvedBy: h.approvedBy || undefined,
      publicFrom: h.publicFrom || undefined,
    };
  };

  const store: EditionStore = {
    async get(id) {
      return fromHash(await redis.hgetall(keys(id).edition));
    },

    async stage(id, variants, articles) {
      const k = keys(id);
      const variantsKey = stagingKey(k, 'variants');
      const multi = redis.multi().del(variantsKey, stagingKey(k, 'articles'));
      for (const [i, v] of variants.entries()) multi.hset(variantsKey, String(i), JSON.stringify(v));
      if (articles) multi.set(stagingKey(k, 'articles'), JSON.stringify(articles));
      await multi.exec();
    },

    async commit(edition, mode) {
      const k = keys(edition.id);
      const t = timelineKeys(prefix, edition.id);
      const scriptKeys = [
        k.edition,
        k.counts,
        k.claims,
        k.attempts,
        t.minutes,
        t.replies,
        k.feedback,
        k.feedbackOf,
      ];
      for (const name of GENERATION_KEYS) scriptKeys.push(stagingKey(k, name), k[name]);
      const result = (await r.ndEditionCommit(
        scriptKeys.length,
        ...scriptKeys,
        mode,
        JSON.stringify(edition),
        mode === 'create' ? edition.status : 'draft',
      )) as CommitResult;
      // The index is outside the edition's hash slot; adding to it again is harmless.
      if (result === 'committed')
        await redis.zadd(editionIndexKey(prefix), new Date(edition.windowStart).getTime(), edition.id);
      return result;
    },

    async create(edition, variants, articles) {
      await store.stage(edition.id, variants, articles);
      return (await store.commit(edition, 'create')) === 'committed' ? 'created' : 'exists';
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

    async articles(id) {
      const json = await redis.get(keys(id).articles);
      return json === null ? undefined : (JSON.parse(json) as Article[]);
    },

    async edits(id) {
      const h = await redis.hgetall(keys(id).edits);
      return {
        excluded: h.excluded ? (JSON.parse(h.excluded) as string[]) : [],
        pinned: h.pinned || undefined,
        note: h.note || undefined,
        subject: h.subject || undefined,
      };
    },

    async saveEdits(id, change) {
      const k = keys(id).edits;
      const fields: string[] = [];
      if (change.excluded !== undefined)
        fields.push('excluded', JSON.stringify([...new Set(change.excluded)]));
      for (const name of ['pinned', 'note', 'subject'] as const)
        if (change[name] !== undefined) fields.push(name, change[name] ?? '');
      if (fields.length) await redis.hset(k, ...fields);
      return { ...NO_EDITS, ...(await store.edits(id)) };
    },

    async approve(id, at, by) {
      return (await r.ndEditionApprove(keys(id).edition, at.toISOString(), by)) === 1;
    },

    async setPublicFrom(id, at) {
      await r.ndEditionPublicFrom(keys(id).edition, at.toISOString());
    },

    async lockBuild(id, ttlMs) {
      return (await redis.set(keys(id).buildLock, String(process.pid), 'PX', ttlMs, 'NX')) === 'OK';
    },

    async unlockBuild(id) {
      await redis.del(keys(id).buildLock);
    },

    async nextGeneration(id) {
      return redis.hincrby(keys(id).edition, 'generation', 1);
    },

    async recordDispatch(id, generation, jobs, plan) {
      await redis.hset(
        keys(id).edition,
        'lastDispatch',
        `${generation}:${jobs}`,
        'duePlan',
        JSON.stringify(plan),
      );
    },

    async duePlan(id) {
      const v = await redis.hget(keys(id).edition, 'duePlan');
      return v ? (JSON.parse(v) as DueGroup[]) : undefined;
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

/**
 * Editions in Redis: a hash per edition under the edition's hash tag (status, timestamps, the frozen
 * edition as JSON), its current generation beside it (compiled variants, frozen articles), the
 * editor's edits, and a sorted index by window start. The generation's ledger is per partition, under
 * the partitions' tags (redis/key-layout.ts), and so is a mirror of the edition's status that the
 * claims read: every status change here is written to the mirrors after the edition's hash.
 */

import { MIRROR_STATUS, PROMOTE } from '../delivery/ledger-scripts.ts';
import type { Article } from '../domain/article.ts';
import { type Edition, editionStatusOf } from '../domain/edition.ts';
import { NO_EDITS } from '../domain/edition-edits.ts';
import type { DueGroup } from '../observability/send-progress.ts';
import {
  allPartitions,
  EDITION_STAGED,
  editionIndexKey,
  editionKeys,
  LEDGER_STAGED,
  ledgerKeys,
  stagingKey,
} from '../redis/key-layout.ts';
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

// Compare-and-set of the status: only from one of the listed statuses; -1 while a commit is half done.
const TRANSITION = `${NORMALISE}
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return 0 end
if redis.call('HEXISTS', KEYS[1], 'committing') == 1 then return -1 end
st = norm(st)
for i = 4, #ARGV do
  if st == norm(ARGV[i]) then
    redis.call('HSET', KEYS[1], 'status', ARGV[1], 'pausedReason', ARGV[2])
    if ARGV[1] == 'sending' and redis.call('HEXISTS', KEYS[1], 'startedAt') == 0 then
      redis.call('HSET', KEYS[1], 'startedAt', ARGV[3])
    end
    if ARGV[1] == 'sending' then redis.call('HDEL', KEYS[1], 'finishedAt') end
    if ARGV[1] == 'sent' or ARGV[1] == 'cancelled' then redis.call('HSET', KEYS[1], 'finishedAt', ARGV[3]) end
    redis.call('HINCRBY', KEYS[1], 'statusRev', 1)
    return 1
  end
end
return 0
`;

/**
 * Makes a staged build the edition's current generation, first step: the edition's own keys. The
 * mode's checks and the swap of the variants and articles are one script; `committing` then names the
 * build until every partition's ledger is promoted (PROMOTE, idempotent) and the mirrors say `draft`,
 * so a commit that dies half-way is finished by the next reader (`get`), and no send starts meanwhile
 * (TRANSITION refuses). A rebuild needs a draft, and claims are refused while the edition is a draft,
 * so the caller's count of claims (read before, over the partitions) cannot go stale in between.
 * KEYS: edition, variants staging, variants, articles staging, articles, timeline, replies.
 * ARGV: mode, edition JSON, status (a build's is always draft), build, claimed (1/0), reached (1/0).
 */
const COMMIT = `${NORMALISE}
local mode = ARGV[1]
local has = redis.call('HEXISTS', KEYS[1], 'data') == 1
if mode == 'create' then
  if has then return 'exists' end
else
  if not has then return 'missing' end
  local st = norm(redis.call('HGET', KEYS[1], 'status') or '')
  if mode == 'rebuild' then
    if st ~= 'draft' then return 'status:' .. st end
    if ARGV[5] == '1' then return 'claimed' end
  else
    if st ~= 'cancelled' then return 'status:' .. st end
    if ARGV[6] == '1' then return 'reached' end
  end
end
for i = 2, 4, 2 do
  if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('RENAME', KEYS[i], KEYS[i + 1])
  else redis.call('DEL', KEYS[i + 1]) end
end
-- The send timeline belongs to the generation it was made in (claims, attempts and feedback too:
-- each partition drops them when promoted).
redis.call('DEL', KEYS[6], KEYS[7])
redis.call('HSET', KEYS[1], 'data', ARGV[2], 'status', ARGV[3], 'pausedReason', '', 'committing', ARGV[4])
redis.call('HINCRBY', KEYS[1], 'statusRev', 1)
redis.call('HDEL', KEYS[1], 'startedAt', 'finishedAt', 'lastDispatch', 'duePlan', 'approvedAt', 'approvedBy', 'publicFrom')
return 'committed'
`;

// The commit's last step: the build named is promoted everywhere.
const COMMITTED = `
if redis.call('HGET', KEYS[1], 'committing') == ARGV[1] then redis.call('HDEL', KEYS[1], 'committing') end
return 1
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
  ndEditionCommit(...args: string[]): Promise<string>;
  ndEditionCommitted(...args: string[]): Promise<number>;
  ndEditionApprove(...args: string[]): Promise<number>;
  ndMirrorStatus(...args: string[]): Promise<number>;
  ndPromote(...args: string[]): Promise<number>;
}

const NORMAL_STATUS: Record<string, string> = { built: 'draft', ready: 'draft' };

export function createRedisEditionStore(redis: RedisClient, prefix: string): EditionStore {
  const r = redis as RedisClient & Commands;
  if (!('ndEditionTransition' in r))
    redis.defineCommand('ndEditionTransition', { numberOfKeys: 1, lua: TRANSITION });
  if (!('ndEditionCommit' in r)) {
    redis.defineCommand('ndEditionCommit', { numberOfKeys: 7, lua: COMMIT });
    redis.defineCommand('ndEditionCommitted', { numberOfKeys: 1, lua: COMMITTED });
  }
  if (!('ndMirrorStatus' in r))
    redis.defineCommand('ndMirrorStatus', { numberOfKeys: 1, lua: MIRROR_STATUS });
  if (!('ndPromote' in r)) redis.defineCommand('ndPromote', { numberOfKeys: 13, lua: PROMOTE });
  if (!('ndEditionPublicFrom' in r))
    redis.defineCommand('ndEditionPublicFrom', { numberOfKeys: 1, lua: PUBLIC_FROM });
  if (!('ndEditionApprove' in r)) redis.defineCommand('ndEditionApprove', { numberOfKeys: 1, lua: APPROVE });
  const keys = (id: string) => editionKeys(prefix, id);

  /**
   * Writes the edition's status (and its revision) into every partition's mirror. Run after each
   * status change, and again by reconcile: a process that died in between left older mirrors, and a
   * mirror never goes back to an older revision, so running it again is always safe.
   */
  const syncMirrors = async (id: string) => {
    const [status, rev] = await redis.hmget(keys(id).edition, 'status', 'statusRev');
    if (!status) return;
    const normal = NORMAL_STATUS[status] ?? status;
    // Concurrent scripts, not a pipeline: on Redis Cluster the partitions live on several masters.
    await Promise.all(
      allPartitions().map((p) => r.ndMirrorStatus(ledgerKeys(prefix, id, p).status, rev ?? '0', normal)),
    );
  };

  /** The rest of a commit (mirrors, every partition's promotion), run again until it is done. */
  const finishCommit = async (id: string) => {
    const build = await redis.hget(keys(id).edition, 'committing');
    if (!build) return;
    // Mirrors first: a claim of an older generation's job finds `draft` before it finds a new ledger.
    await syncMirrors(id);
    await Promise.all(
      allPartitions().map((p) => {
        const k = ledgerKeys(prefix, id, p);
        return r.ndPromote(
          k.build,
          ...LEDGER_STAGED.flatMap((name) => [stagingKey(k[name]), k[name]]),
          k.claims,
          k.attempts,
          k.feedback,
          k.feedbackOf,
          build,
        );
      }),
    );
    await r.ndEditionCommitted(keys(id).edition, build);
  };

  /** Over every partition: was any delivery claimed, did any reach its reader (the commit's checks). */
  const reach = async (id: string) => {
    const rows = await Promise.all(
      allPartitions().map(async (p) => {
        const k = ledgerKeys(prefix, id, p);
        const [counts, claims] = await Promise.all([
          redis.hmget(k.counts, 'sending', 'sent', 'retry', 'bounced', 'uncertain', 'failed'),
          redis.zcard(k.claims),
        ]);
        return { counts: counts.map((v) => Number(v ?? 0)), claims };
      }),
    );
    let claimed = false;
    let reached = false;
    for (const { counts, claims } of rows) {
      const [sending, sent, retry, bounced, uncertain, failed] = counts as [
        number,
        number,
        number,
        number,
        number,
        number,
      ];
      if (sending + sent + retry + bounced + uncertain + failed + claims > 0) claimed = true;
      if (sent + sending + uncertain > 0) reached = true;
    }
    return { claimed, reached };
  };

  const read = async (id: string) => {
    const h = await redis.hgetall(keys(id).edition);
    if (!h.committing) return h;
    await finishCommit(id);
    return redis.hgetall(keys(id).edition);
  };

  const transition = async (id: string, from: string[], to: string, reason: string) => {
    const k = keys(id).edition;
    let done = await r.ndEditionTransition(k, to, reason, new Date().toISOString(), ...from);
    if (done === -1) {
      await finishCommit(id);
      done = await r.ndEditionTransition(k, to, reason, new Date().toISOString(), ...from);
    }
    // Also when refused: a change made by a process that died before its mirrors is written now.
    await syncMirrors(id);
    return done === 1;
  };

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
      return fromHash(await read(id));
    },

    async stage(id, variants, articles) {
      const k = keys(id);
      const variantsKey = stagingKey(k.variants);
      const multi = redis.multi().del(...EDITION_STAGED.map((name) => stagingKey(k[name])));
      for (const [i, v] of variants.entries()) multi.hset(variantsKey, String(i), JSON.stringify(v));
      if (articles) multi.set(stagingKey(k.articles), JSON.stringify(articles));
      await multi.exec();
    },

    async commit(edition, mode) {
      const k = keys(edition.id);
      // A commit of an earlier build that died half-way is finished first.
      await finishCommit(edition.id);
      const checks = mode === 'create' ? { claimed: false, reached: false } : await reach(edition.id);
      const result = (await r.ndEditionCommit(
        k.edition,
        stagingKey(k.variants),
        k.variants,
        stagingKey(k.articles),
        k.articles,
        k.timeline,
        k.replies,
        mode,
        JSON.stringify(edition),
        mode === 'create' ? edition.status : 'draft',
        String(edition.generation ?? 1),
        checks.claimed ? '1' : '0',
        checks.reached ? '1' : '0',
      )) as CommitResult;
      if (result !== 'committed') return result;
      await finishCommit(edition.id);
      // The index is outside the edition's hash slot; adding to it again is harmless.
      await redis.zadd(editionIndexKey(prefix), new Date(edition.windowStart).getTime(), edition.id);
      return result;
    },

    async create(edition, variants, articles) {
      await store.stage(edition.id, variants, articles);
      return (await store.commit(edition, 'create')) === 'committed' ? 'created' : 'exists';
    },

    transition: (id, from, to, reason = '') => transition(id, from, to, reason),

    syncMirrors,

    async list(limit) {
      const ids = await redis.zrevrange(editionIndexKey(prefix), 0, limit - 1);
      // One edition per slot: concurrent reads (each finishes a commit left half-done, which is rare).
      const rows = await Promise.all(ids.map((id) => read(id)));
      return rows.map((h) => fromHash(h)).filter((e): e is EditionRecord => e !== undefined);
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

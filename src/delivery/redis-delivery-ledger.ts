/**
 * The delivery ledger on Redis; the atomic steps are the Lua scripts in ledger-scripts.ts. An
 * edition's deliveries are split by the partition of their subscriber (redis/key-layout.ts
 * `ledgerKeys`); counts and feedback counts are per partition and added up here, where they are read.
 */
import { DELIVERY_STATES, type DeliveryState } from '../domain/delivery.ts';
import {
  allPartitions,
  editionKeys,
  LEDGER_STAGED,
  ledgerKeys,
  PARTITIONS as PARTITION_COUNT,
  partitionOfId,
  stagingKey,
} from '../redis/key-layout.ts';
import type { RedisClient } from '../redis/redis-client.ts';
import type {
  DeliveryLedger,
  FeedbackCountKind,
  FeedbackCounts,
  FrozenRecipient,
  OutcomeDetail,
} from './delivery-ledger.ts';
import { FINISH, RECORD_FEEDBACK, TRANSITION } from './ledger-scripts.ts';
import { createLedgerSteps } from './ledger-steps.ts';

interface LedgerCommands {
  ndTransition(...args: Array<string | number>): Promise<[number, number]>;
  ndRecordFeedback(...args: string[]): Promise<'recorded' | 'repeat' | 'missing'>;
  ndFinish(...args: string[]): Promise<number>;
}

const FEEDBACK_KINDS: FeedbackCountKind[] = ['bounced', 'soft-bounced', 'complained', 'unsubscribed'];
const OPEN_STATES = new Set(['pending', 'retry']);

const FREEZE_CHUNK = 1000;

/** Groups values by the partition of their subscriber id, keeping each one's position. */
export function byPartition(ids: string[]): Map<number, number[]> {
  const out = new Map<number, number[]>();
  ids.forEach((id, i) => {
    const p = partitionOfId(id);
    const list = out.get(p);
    if (list) list.push(i);
    else out.set(p, [i]);
  });
  return out;
}

/** Ledger scan cursor: `<partition>:<HSCAN cursor>`; '0' at the start and at the end. */
function parseCursor(cursor: string): [number, string] {
  const m = /^(\d+):(\d+)$/.exec(cursor);
  return m ? [Number(m[1]), m[2]!] : [0, '0'];
}

export function createRedisDeliveryLedger(
  redis: RedisClient,
  prefix: string,
  options: { sendRatePerSecond: number },
): DeliveryLedger {
  const r = redis as RedisClient & LedgerCommands;
  if (!('ndTransition' in r)) redis.defineCommand('ndTransition', { numberOfKeys: 3, lua: TRANSITION });
  if (!('ndRecordFeedback' in r))
    redis.defineCommand('ndRecordFeedback', { numberOfKeys: 3, lua: RECORD_FEEDBACK });
  if (!('ndFinish' in r)) redis.defineCommand('ndFinish', { numberOfKeys: 1, lua: FINISH });
  const keys = (id: string, p: number) => ledgerKeys(prefix, id, p);
  const tokenOf = (claim: { jobId: string; run: string }) => `${claim.jobId}#${claim.run}`;

  /** Adds up one hash of every partition (counts, feedback). */
  const sumAll = async (editionId: string, name: 'counts' | 'feedback') => {
    // Concurrent commands, not a pipeline: on Redis Cluster the partitions live on several masters.
    const hashes = await Promise.all(allPartitions().map((p) => redis.hgetall(keys(editionId, p)[name])));
    const total: Record<string, number> = {};
    for (const h of hashes)
      for (const [field, n] of Object.entries(h)) total[field] = (total[field] ?? 0) + Number(n);
    return total;
  };

  /**
   * The edition is `sent` when no partition has anything open. Read `reopened` first: a retry or
   * resend moves it before reopening deliveries, so FINISH refuses when one ran since.
   */
  const finishIfDone = async (editionId: string, now = new Date()) => {
    const ek = editionKeys(prefix, editionId).edition;
    const [status, reopened] = await redis.hmget(ek, 'status', 'reopened');
    if (status !== 'sending') return;
    const c = await sumAll(editionId, 'counts');
    if ((c.pending ?? 0) + (c.sending ?? 0) + (c.retry ?? 0) > 0) return;
    await r.ndFinish(ek, reopened ?? '0', now.toISOString());
  };

  const steps = createLedgerSteps(redis, prefix, {
    ratePerSecond: options.sendRatePerSecond,
    onDrained: (editionId) => finishIfDone(editionId),
  });

  const transition = async (editionId: string, ids: string[], from: string, to: string, now: Date) => {
    if (!ids.length) return 0;
    if (OPEN_STATES.has(to)) await redis.hincrby(editionKeys(prefix, editionId).edition, 'reopened', 1);
    let moved = 0;
    let drained = false;
    for (const [p, positions] of byPartition(ids)) {
      const k = keys(editionId, p);
      const [n, open] = await r.ndTransition(
        k.ledger,
        k.counts,
        k.claims,
        from,
        to,
        ...positions.map((i) => ids[i]!),
      );
      moved += n;
      if (n > 0 && open === 0) drained = true;
    }
    if (drained) await finishIfDone(editionId, now);
    return moved;
  };

  /** HMGET of one field hash for ids of any partitions, in the ids' order. */
  const hmgetAll = async (editionId: string, name: 'variantOf' | 'attempts', ids: string[]) => {
    const out: Array<string | null> = new Array(ids.length).fill(null);
    await Promise.all(
      [...byPartition(ids)].map(async ([p, positions]) => {
        const values = await redis.hmget(keys(editionId, p)[name], ...positions.map((i) => ids[i]!));
        positions.forEach((i, j) => {
          out[i] = values[j] ?? null;
        });
      }),
    );
    return out;
  };

  const ledger: DeliveryLedger = {
    async freeze(editionId, recipients: FrozenRecipient[], now) {
      // A build writes its ledger under the staging names; the edition store's commit renames them over
      // the live ones in one script, together with the variants and articles of the same generation.
      // A crashed build leaves only staging keys, which the next build starts by clearing.
      // Each partition's staging keys; the commit promotes them partition by partition.
      const staged = (p: number) => {
        const live = keys(editionId, p);
        return {
          ledger: stagingKey(live.ledger),
          counts: stagingKey(live.counts),
          detail: stagingKey(live.detail),
          variantOf: stagingKey(live.variantOf),
        };
      };
      await Promise.all(
        allPartitions().map((p) => redis.del(...LEDGER_STAGED.map((name) => staged(p)[name]))),
      );
      const parts = new Map<number, FrozenRecipient[]>();
      for (const rec of recipients) {
        const p = partitionOfId(rec.subscriberId);
        const list = parts.get(p);
        if (list) list.push(rec);
        else parts.set(p, [rec]);
      }
      // Chunks go out back to back (each a MULTI of its own, on one partition) and are awaited together.
      const writes: Array<Promise<unknown>> = [];
      for (const [p, list] of parts) {
        const k = staged(p);
        const counts: Record<string, number> = {};
        for (let i = 0; i < list.length; i += FREEZE_CHUNK) {
          const chunk = list.slice(i, i + FREEZE_CHUNK);
          const states: string[] = [];
          const variants: string[] = [];
          const multi = redis.multi();
          for (const rec of chunk) {
            states.push(rec.subscriberId, rec.state);
            counts[rec.state] = (counts[rec.state] ?? 0) + 1;
            if (rec.state === 'pending') variants.push(rec.subscriberId, String(rec.variant));
            else
              multi.hset(
                k.detail,
                rec.subscriberId,
                JSON.stringify({ at: now.toISOString(), reason: rec.reason }),
              );
          }
          multi.hset(k.ledger, ...states);
          if (variants.length) multi.hset(k.variantOf, ...variants);
          writes.push(multi.exec());
        }
        writes.push(redis.hset(k.counts, ...Object.entries(counts).flat().map(String)));
      }
      await Promise.all(writes);
    },

    async claim(editionId, subscriberId, claim, now) {
      const { claimed } = await steps.run(editionId, {
        token: tokenOf(claim),
        jobId: claim.jobId,
        now,
        claim: subscriberId,
      });
      return claimed;
    },

    async record(editionId, subscriberId, claim, outcome, detail?: OutcomeDetail) {
      const { recorded } = await steps.run(editionId, {
        token: tokenOf(claim),
        jobId: claim.jobId,
        now: detail?.at ? new Date(detail.at) : new Date(),
        record: { subscriberId, outcome, detail: detail ? JSON.stringify(detail) : '' },
      });
      return recorded as 'ok' | 'stale' | 'missing';
    },

    async recordAndClaim(editionId, claim, recorded, nextSubscriberId, now) {
      const result = await steps.run(editionId, {
        token: tokenOf(claim),
        jobId: claim.jobId,
        now,
        record: {
          subscriberId: recorded.subscriberId,
          outcome: recorded.outcome,
          detail: recorded.detail ? JSON.stringify(recorded.detail) : '',
        },
        claim: nextSubscriberId,
      });
      return { recorded: result.recorded as 'ok' | 'stale' | 'missing', claimed: result.claimed };
    },

    async counts(editionId) {
      const raw = await sumAll(editionId, 'counts');
      const out = Object.fromEntries(DELIVERY_STATES.map((s) => [s, 0])) as Record<DeliveryState, number>;
      for (const [state, n] of Object.entries(raw)) if (state in out) out[state as DeliveryState] = Number(n);
      return out;
    },

    async scan(editionId, cursor, count) {
      // Partition after partition; a page holds entries of one partition only (dispatch relies on it).
      let [p, c] = parseCursor(cursor);
      for (; p < PARTITION_COUNT; p++, c = '0') {
        const [next, flat] = await redis.hscan(keys(editionId, p).ledger, c, 'COUNT', count);
        const entries: Array<[string, string]> = [];
        for (let i = 0; i < flat.length; i += 2) entries.push([flat[i]!, flat[i + 1]!]);
        const following = next !== '0' ? `${p}:${next}` : p + 1 < PARTITION_COUNT ? `${p + 1}:0` : '0';
        if (entries.length || following === '0') return { cursor: following, entries };
      }
      return { cursor: '0', entries: [] };
    },

    async variantsOf(editionId, ids) {
      if (!ids.length) return [];
      const values = await hmgetAll(editionId, 'variantOf', ids);
      return values.map((v) => (v === null ? -1 : Number(v)));
    },

    async stateOf(editionId, id) {
      return (await redis.hget(keys(editionId, partitionOfId(id)).ledger, id)) ?? undefined;
    },

    async attemptsOf(editionId, ids) {
      if (!ids.length) return [];
      const values = await hmgetAll(editionId, 'attempts', ids);
      return values.map((v) => Number(v ?? 0));
    },

    async detailOf(editionId, id) {
      const raw = await redis.hget(keys(editionId, partitionOfId(id)).detail, id);
      return raw ? (JSON.parse(raw) as OutcomeDetail) : undefined;
    },

    async transitionAll(editionId, from, to, now) {
      let cursor = '0';
      let moved = 0;
      do {
        const page = await ledger.scan(editionId, cursor, 1000);
        cursor = page.cursor;
        const ids = page.entries.filter(([, st]) => st.split('@')[0] === from).map(([id]) => id);
        moved += await transition(editionId, ids, from, to, now);
      } while (cursor !== '0');
      return moved;
    },

    async expireClaims(editionId, olderThanMs, now) {
      const stale = (
        await Promise.all(
          allPartitions().map((p) =>
            redis.zrangebyscore(keys(editionId, p).claims, 0, now.getTime() - olderThanMs),
          ),
        )
      ).flat();
      return transition(editionId, stale, 'sending', 'uncertain', now);
    },

    async recordFeedback(editionId, subscriberId, kind, detail) {
      const k = keys(editionId, partitionOfId(subscriberId));
      return r.ndRecordFeedback(
        k.ledger,
        k.feedback,
        k.feedbackOf,
        subscriberId,
        kind,
        JSON.stringify(detail),
      );
    },

    async feedbackCounts(editionId) {
      const raw = await sumAll(editionId, 'feedback');
      return Object.fromEntries(
        FEEDBACK_KINDS.map((kind) => [
          kind,
          { total: Number(raw[kind] ?? 0), afterSent: Number(raw[`${kind}-after-sent`] ?? 0) },
        ]),
      ) as FeedbackCounts;
    },

    async reasonsIn(editionId, state) {
      const counts: Record<string, number> = {};
      let cursor = '0';
      do {
        const page = await ledger.scan(editionId, cursor, 1000);
        cursor = page.cursor;
        const ids = page.entries.filter(([, st]) => st.split('@')[0] === state).map(([id]) => id);
        if (!ids.length) continue;
        const details = (
          await Promise.all(
            [...byPartition(ids)].map(([p, positions]) =>
              redis.hmget(keys(editionId, p).detail, ...positions.map((i) => ids[i]!)),
            ),
          )
        ).flat();
        for (const raw of details) {
          let reason = 'no reason recorded';
          try {
            reason = (raw && (JSON.parse(raw) as OutcomeDetail).reason) || reason;
          } catch {
            // A detail written by older code in another shape: counted without its reason.
          }
          counts[reason] = (counts[reason] ?? 0) + 1;
        }
      } while (cursor !== '0');
      return counts;
    },

    async listInState(editionId, state, limit) {
      const out: string[] = [];
      let cursor = '0';
      do {
        const page = await ledger.scan(editionId, cursor, 1000);
        cursor = page.cursor;
        for (const [id, st] of page.entries)
          if (st.split('@')[0] === state && out.length < limit) out.push(id);
      } while (cursor !== '0' && out.length < limit);
      return out;
    },
  };
  return ledger;
}

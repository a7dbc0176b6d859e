/** The delivery ledger on Redis; the atomic steps are the Lua scripts in ledger-scripts.ts. */

import { DELIVERY_STATES, type DeliveryState } from '../domain/delivery.ts';
import { editionKeys, stagingKey } from '../redis/key-layout.ts';
import type { RedisClient } from '../redis/redis-client.ts';
import type {
  DeliveryLedger,
  FeedbackCountKind,
  FeedbackCounts,
  FrozenRecipient,
  OutcomeDetail,
} from './delivery-ledger.ts';
import { RECORD_FEEDBACK, TRANSITION } from './ledger-scripts.ts';
import { createLedgerSteps } from './ledger-steps.ts';

interface LedgerCommands {
  ndTransition(...args: Array<string | number>): Promise<number>;
  ndRecordFeedback(...args: string[]): Promise<'recorded' | 'repeat' | 'missing'>;
}

const FEEDBACK_KINDS: FeedbackCountKind[] = ['bounced', 'soft-bounced', 'complained', 'unsubscribed'];

const FREEZE_CHUNK = 1000;

export function createRedisDeliveryLedger(
  redis: RedisClient,
  prefix: string,
  options: { sendRatePerSecond: number },
): DeliveryLedger {
  const r = redis as RedisClient & LedgerCommands;
  if (!('ndTransition' in r)) redis.defineCommand('ndTransition', { numberOfKeys: 4, lua: TRANSITION });
  if (!('ndRecordFeedback' in r))
    redis.defineCommand('ndRecordFeedback', { numberOfKeys: 3, lua: RECORD_FEEDBACK });
  const keys = (id: string) => editionKeys(prefix, id);
  const steps = createLedgerSteps(redis, prefix, options.sendRatePerSecond);
  const tokenOf = (claim: { jobId: string; run: string }) => `${claim.jobId}#${claim.run}`;

  const transition = async (editionId: string, ids: string[], from: string, to: string, now: Date) => {
    if (!ids.length) return 0;
    const k = keys(editionId);
    return r.ndTransition(k.ledger, k.counts, k.claims, k.edition, from, to, now.toISOString(), ...ids);
  };

  const ledger: DeliveryLedger = {
    async freeze(editionId, recipients: FrozenRecipient[], now) {
      // A build writes its ledger under the staging names; the edition store's commit renames them over
      // the live ones in one script, together with the variants and articles of the same generation.
      // A crashed build leaves only staging keys, which the next build starts by clearing.
      const live = keys(editionId);
      const k = {
        ledger: stagingKey(live, 'ledger'),
        counts: stagingKey(live, 'counts'),
        detail: stagingKey(live, 'detail'),
        variantOf: stagingKey(live, 'variantOf'),
      };
      await redis.del(k.ledger, k.counts, k.detail, k.variantOf);
      const counts: Record<string, number> = {};
      // Chunks go out back to back (each a MULTI of its own) and are awaited together.
      const writes: Array<Promise<unknown>> = [];
      for (let i = 0; i < recipients.length; i += FREEZE_CHUNK) {
        const chunk = recipients.slice(i, i + FREEZE_CHUNK);
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
      await Promise.all(writes);
      const countArgs = Object.entries(counts).flat();
      if (countArgs.length) await redis.hset(k.counts, ...countArgs.map(String));
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
      const raw = await redis.hgetall(keys(editionId).counts);
      const out = Object.fromEntries(DELIVERY_STATES.map((s) => [s, 0])) as Record<DeliveryState, number>;
      for (const [state, n] of Object.entries(raw)) if (state in out) out[state as DeliveryState] = Number(n);
      return out;
    },

    async scan(editionId, cursor, count) {
      const [next, flat] = await redis.hscan(keys(editionId).ledger, cursor, 'COUNT', count);
      const entries: Array<[string, string]> = [];
      for (let i = 0; i < flat.length; i += 2) entries.push([flat[i]!, flat[i + 1]!]);
      return { cursor: next, entries };
    },

    async variantsOf(editionId, ids) {
      if (!ids.length) return [];
      const values = await redis.hmget(keys(editionId).variantOf, ...ids);
      return values.map((v) => (v === null ? -1 : Number(v)));
    },

    async stateOf(editionId, id) {
      return (await redis.hget(keys(editionId).ledger, id)) ?? undefined;
    },

    async attemptsOf(editionId, ids) {
      if (!ids.length) return [];
      const values = await redis.hmget(keys(editionId).attempts, ...ids);
      return values.map((v) => Number(v ?? 0));
    },

    async detailOf(editionId, id) {
      const raw = await redis.hget(keys(editionId).detail, id);
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
      const k = keys(editionId);
      const stale = await redis.zrangebyscore(k.claims, 0, now.getTime() - olderThanMs);
      return transition(editionId, stale, 'sending', 'uncertain', now);
    },

    async recordFeedback(editionId, subscriberId, kind, detail) {
      const k = keys(editionId);
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
      const raw = await redis.hgetall(keys(editionId).feedback);
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
        for (const raw of await redis.hmget(keys(editionId).detail, ...ids)) {
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

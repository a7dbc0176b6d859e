/**
 * The ledger's per-recipient steps (claim, record, or a lane's record and its next claim), coalesced:
 * every step a worker's lanes ask for in one turn of the event loop goes to Redis in one
 * LEDGER_STEPS call per edition, run in the order asked.
 *
 * Why: on these machines a round trip to Redis costs the worker about 90 µs of CPU and Redis about as
 * much (the write, the wake-up, the read), several times the per-recipient work itself. Replies from
 * several SMTP connections arrive in the same poll of the event loop; their lanes' next steps are
 * flushed together at the end of it (`setImmediate` runs after the poll phase), so under load a round
 * trip serves several messages, and a lone step waits no longer than one turn. Nothing about a claim
 * changes: each is still made right before its own hand-off, atomically, with all its checks.
 *
 * A call runs on one partition of one edition (one slot on Redis Cluster): steps are grouped by the
 * partition of their subscriber, and a send job's recipients are all of one partition (dispatch.ts),
 * so its lanes still share calls. The global send rate is another slot: before the calls, one INCRBY
 * reserves a token per claim of the turn on the counter of the current second; the claims past the
 * rate get `ratelimited` without a call (a reserved token whose claim then finds the recipient
 * skipped or the edition paused is spent all the same: the rate is a ceiling, never exceeded).
 */

import { ledgerKeys, partitionOfId, rateKey, subscriberKey } from '../redis/key-layout.ts';
import type { RedisClient } from '../redis/redis-client.ts';
import { LEDGER_STEPS } from './ledger-scripts.ts';

export interface LedgerStep {
  /** The claim's owner, `jobId#run`. */
  token: string;
  jobId: string;
  now: Date;
  /** A recipient whose outcome to record (made by this same token's claim). */
  record?: { subscriberId: string; outcome: string; detail: string };
  /** A recipient to claim, after the record. */
  claim?: string;
}

export interface StepResult {
  /** ok | stale | missing; '' when the step recorded nothing. */
  recorded: string;
  /** The claim's answer (delivery-ledger.ts ClaimResult); '' when the step claimed nothing. */
  claimed: string;
}

export interface LedgerSteps {
  run(editionId: string, step: LedgerStep): Promise<StepResult>;
}

interface Waiting {
  step: LedgerStep;
  resolve: (r: StepResult) => void;
  reject: (e: unknown) => void;
}

type StepsCommand = (
  numKeys: number,
  ...args: Array<string | number>
) => Promise<Array<[string, string] | number>>;

/** Bounds one script's run (Redis runs nothing else meanwhile): about 20 µs of Lua a step. */
const MAX_STEPS_PER_CALL = 64;

export interface LedgerStepsOptions {
  /** Claims per second over all workers; 0: no limit. */
  ratePerSecond: number;
  /**
   * Called (and awaited before the call's steps resolve) when a call left its partition with nothing
   * open after closing a delivery: the edition may be complete.
   */
  onDrained?: (editionId: string) => Promise<void>;
}

export function createLedgerSteps(
  redis: RedisClient,
  prefix: string,
  options: LedgerStepsOptions,
): LedgerSteps {
  const r = redis as RedisClient & { ndLedgerSteps?: StepsCommand };
  // No fixed key count: the caller gives it, 6 partition keys and 1 per step.
  if (!r.ndLedgerSteps) redis.defineCommand('ndLedgerSteps', { lua: LEDGER_STEPS });
  const rate = options.ratePerSecond;
  // Steps waiting for the end of this turn, by edition and partition (`<partition>|<editionId>`).
  let waiting = new Map<string, Waiting[]>();
  let scheduled = false;

  const call = async (editionId: string, partition: number, batch: Waiting[]) => {
    try {
      const k = ledgerKeys(prefix, editionId, partition);
      const keys = [k.ledger, k.counts, k.claims, k.status, k.detail, k.attempts];
      const args: Array<string | number> = [];
      for (const { step } of batch) {
        // A step that claims nobody still gets its key slot; the script does not read it.
        keys.push(step.claim ? subscriberKey(prefix, step.claim) : k.ledger);
        // STEP_ARGS (ledger-scripts.ts) values, in the order LEDGER_STEPS reads them.
        args.push(
          step.token,
          step.jobId,
          step.now.toISOString(),
          step.now.getTime(),
          step.record?.subscriberId ?? '',
          step.record?.outcome ?? '',
          step.record?.detail ?? '',
          step.claim ?? '',
        );
      }
      const results = await r.ndLedgerSteps!(keys.length, ...keys, ...args);
      const open = Number(results[batch.length] ?? 1);
      const answers = batch.map((_, i) => {
        const [recorded, claimed] = (results[i] as [string, string] | undefined) ?? ['', ''];
        return { recorded, claimed };
      });
      const closed = answers.some(
        (a, i) =>
          (a.recorded === 'ok' && !OPEN.has(batch[i]!.step.record!.outcome)) ||
          a.claimed === 'skipped' ||
          a.claimed === 'uncertain' ||
          a.claimed === 'cancelled',
      );
      // The steps stand whatever finishing answers; a finish lost here is reconcile's (reconcile.ts).
      if (open === 0 && closed && options.onDrained) await options.onDrained(editionId).catch(() => {});
      for (const [i, w] of batch.entries()) w.resolve(answers[i]!);
    } catch (err) {
      // Every step of the call fails alike (Redis down, a bad argument): each caller gets the error.
      for (const w of batch) w.reject(err);
    }
  };

  /** Tokens of the current second for the turn's claims: how many of them may go ahead. */
  const reserve = async (claims: number, now: Date): Promise<number> => {
    if (rate <= 0 || claims === 0) return claims;
    const key = rateKey(prefix, Math.floor(now.getTime() / 1000));
    const [[err, total]] = ((await redis.multi().incrby(key, claims).pexpire(key, 2000).exec()) ?? []) as [
      [Error | null, number],
    ];
    if (err) throw err;
    return Math.max(0, Math.min(claims, rate - (total - claims)));
  };

  const flush = async () => {
    scheduled = false;
    const due = waiting;
    waiting = new Map();
    const all = [...due.values()].flat();
    const claims = all.filter((w) => w.step.claim);
    let granted: number;
    try {
      granted = claims.length ? await reserve(claims.length, claims[0]!.step.now) : 0;
    } catch (err) {
      for (const w of all) w.reject(err);
      return;
    }
    // Claims past the rate: answered `ratelimited` at once; a record in the same step still runs.
    const refused = new Set(claims.slice(granted));
    for (const [group, steps] of due) {
      const bar = group.indexOf('|');
      const partition = Number(group.slice(0, bar));
      const editionId = group.slice(bar + 1);
      const run: Waiting[] = [];
      for (const w of steps) {
        if (!refused.has(w)) run.push(w);
        else if (!w.step.record) w.resolve({ recorded: '', claimed: 'ratelimited' });
        else {
          const { claim: _, ...recordOnly } = w.step;
          run.push({
            step: recordOnly,
            resolve: (res) => w.resolve({ recorded: res.recorded, claimed: 'ratelimited' }),
            reject: w.reject,
          });
        }
      }
      for (let i = 0; i < run.length; i += MAX_STEPS_PER_CALL)
        void call(editionId, partition, run.slice(i, i + MAX_STEPS_PER_CALL));
    }
  };

  const enqueue = (editionId: string, partition: number, w: Waiting) => {
    const group = `${partition}|${editionId}`;
    const list = waiting.get(group);
    if (list) list.push(w);
    else waiting.set(group, [w]);
    if (!scheduled) {
      scheduled = true;
      setImmediate(() => void flush());
    }
  };

  return {
    run(editionId, step) {
      return new Promise<StepResult>((resolve, reject) => {
        const recordP = step.record ? partitionOfId(step.record.subscriberId) : undefined;
        const claimP = step.claim ? partitionOfId(step.claim) : undefined;
        if (recordP === undefined || claimP === undefined || recordP === claimP) {
          enqueue(editionId, (recordP ?? claimP)!, { step, resolve, reject });
          return;
        }
        // A record and a claim in two partitions (a job dispatched before the partitions): two
        // steps, each in its own call; the record stands whatever the claim answers, as in one call.
        const { claim, ...recordOnly } = step;
        const { record, ...claimOnly } = step;
        let recorded: string | undefined;
        let claimed: string | undefined;
        const done = () => {
          if (recorded !== undefined && claimed !== undefined) resolve({ recorded, claimed });
        };
        enqueue(editionId, recordP, {
          step: recordOnly,
          resolve: (res) => {
            recorded = res.recorded;
            done();
          },
          reject,
        });
        enqueue(editionId, claimP, {
          step: claimOnly,
          resolve: (res) => {
            claimed = res.claimed;
            done();
          },
          reject,
        });
      });
    },
  };
}

/** Outcomes that leave a delivery open (to be claimed again). */
const OPEN = new Set(['pending', 'retry']);

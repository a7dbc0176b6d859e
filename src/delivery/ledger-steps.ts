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
 */

import { editionKeys, rateKey, subscriberKey } from '../redis/key-layout.ts';
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

type StepsCommand = (numKeys: number, ...args: Array<string | number>) => Promise<Array<[string, string]>>;

/** Bounds one script's run (Redis runs nothing else meanwhile): about 20 µs of Lua a step. */
const MAX_STEPS_PER_CALL = 64;

export function createLedgerSteps(redis: RedisClient, prefix: string, ratePerSecond: number): LedgerSteps {
  const r = redis as RedisClient & { ndLedgerSteps?: StepsCommand };
  // No fixed key count: the caller gives it, 6 edition keys and 2 per step.
  if (!r.ndLedgerSteps) redis.defineCommand('ndLedgerSteps', { lua: LEDGER_STEPS });
  let waiting = new Map<string, Waiting[]>();
  let scheduled = false;

  const call = async (editionId: string, batch: Waiting[]) => {
    try {
      const k = editionKeys(prefix, editionId);
      const keys = [k.ledger, k.counts, k.claims, k.edition, k.detail, k.attempts];
      const args: Array<string | number> = [];
      for (const { step } of batch) {
        const ms = step.now.getTime();
        // A step that claims nobody still gets its two key slots; the script does not read them.
        keys.push(
          step.claim ? subscriberKey(prefix, step.claim) : k.ledger,
          rateKey(prefix, Math.floor(ms / 1000)),
        );
        // STEP_ARGS (ledger-scripts.ts) values, in the order LEDGER_STEPS reads them.
        args.push(
          step.token,
          step.jobId,
          step.now.toISOString(),
          ms,
          ratePerSecond,
          step.record?.subscriberId ?? '',
          step.record?.outcome ?? '',
          step.record?.detail ?? '',
          step.claim ?? '',
        );
      }
      const results = await r.ndLedgerSteps!(keys.length, ...keys, ...args);
      batch.forEach((w, i) => {
        const [recorded, claimed] = results[i] ?? ['', ''];
        w.resolve({ recorded, claimed });
      });
    } catch (err) {
      // Every step of the call fails alike (Redis down, a bad argument): each caller gets the error.
      for (const w of batch) w.reject(err);
    }
  };

  const flush = () => {
    scheduled = false;
    const due = waiting;
    waiting = new Map();
    for (const [editionId, steps] of due) {
      for (let i = 0; i < steps.length; i += MAX_STEPS_PER_CALL)
        void call(editionId, steps.slice(i, i + MAX_STEPS_PER_CALL));
    }
  };

  return {
    run(editionId, step) {
      return new Promise<StepResult>((resolve, reject) => {
        const list = waiting.get(editionId);
        if (list) list.push({ step, resolve, reject });
        else waiting.set(editionId, [{ step, resolve, reject }]);
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
  };
}

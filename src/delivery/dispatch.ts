/**
 * The dispatch step: page through an edition's pending deliveries, work out each recipient's due
 * time (their hour, their timezone, the edition's send date) and enqueue `send` jobs of a batch of
 * recipients each, delayed until due, with deterministic ids (edition, generation, batch number).
 * Recipients due at the same instant share batches. The ledger is read partition after partition
 * (redis/key-layout.ts), so when partitions hold more recipients than a batch, a batch's recipients
 * are of one partition (two where one ends) and its ledger steps run on one slot. Jobs carry ids
 * only; the send step reloads state.
 * With `immediate` (everyone due now) full batches are queued page by page, so workers start sending
 * while the rest of the ledger is still being read.
 */
import type { Queue } from 'bullmq';
import { delayUntilDue } from '../core/due-time.ts';
import type { EditionRecord, EditionStore } from '../editions/edition-store.ts';
import type { DueGroup } from '../observability/send-progress.ts';
import type { SendJobData } from '../queues/queue-names.ts';
import type { SubscriberStore } from '../subscribers/subscriber-store.ts';
import type { DeliveryLedger } from './delivery-ledger.ts';

export interface DispatchDeps {
  ledger: DeliveryLedger;
  subscribers: SubscriberStore;
  editions: EditionStore;
  sendQueue: Queue<SendJobData>;
  batchSize: number;
  /** Hour for subscribers without one, in the publication's timezone. */
  defaultHour: number;
  defaultTimezone: string;
}

export interface DispatchResult {
  generation: number;
  /** When the earliest delivery is due (now when any is due already). */
  firstDueAt: Date;
  recipients: number;
  jobs: number;
}

const PAGE = 1000;
const ADD_CHUNK = 200;
export const SEND_JOB_ATTEMPTS = 12;

export const sendJobId = (editionId: string, generation: number, n: number) =>
  `send-${editionId}-g${generation}-${n}`;

export async function dispatchEdition(
  deps: DispatchDeps,
  edition: EditionRecord,
  options: { immediate: boolean; now: Date },
): Promise<DispatchResult> {
  const generation = await deps.editions.nextGeneration(edition.id);
  const byDelay = new Map<number, string[]>();
  let jobCount = 0;
  let queued: Array<{ name: string; data: SendJobData; opts: Record<string, unknown> }> = [];
  const cut = (delay: number, ids: string[]) => {
    for (let i = 0; i < ids.length; i += deps.batchSize) {
      queued.push({
        name: 'send',
        data: {
          editionId: edition.id,
          subscriberIds: ids.slice(i, i + deps.batchSize),
          build: edition.generation ?? 1,
        },
        opts: {
          jobId: sendJobId(edition.id, generation, ++jobCount),
          delay,
          attempts: SEND_JOB_ATTEMPTS,
          backoff: { type: 'jittered' },
          removeOnComplete: { count: 1000 },
          removeOnFail: { count: 5000 },
        },
      });
    }
  };
  const enqueue = async () => {
    const jobs = queued;
    queued = [];
    for (let i = 0; i < jobs.length; i += ADD_CHUNK)
      await deps.sendQueue.addBulk(jobs.slice(i, i + ADD_CHUNK));
  };
  // How many are due when, per time zone: what progress tells operators of what is left (a few hundred
  // groups at most: hours × zones), kept with the dispatch.
  const plan = new Map<string, DueGroup>();
  const due = (at: number, timezone: string) => {
    const key = `${at}|${timezone}`;
    const g = plan.get(key) ?? { dueAt: at, timezone, count: 0 };
    g.count++;
    plan.set(key, g);
  };
  let cursor = '0';
  let recipients = 0;
  do {
    const page = await deps.ledger.scan(edition.id, cursor, PAGE);
    cursor = page.cursor;
    const ids = page.entries.filter(([, st]) => st === 'pending' || st === 'retry').map(([id]) => id);
    if (!ids.length) continue;
    const subs = options.immediate ? [] : await deps.subscribers.getMany(ids);
    ids.forEach((id, i) => {
      const sub = subs[i];
      const timezone = options.immediate ? '' : (sub?.timezone ?? deps.defaultTimezone);
      const delay = options.immediate
        ? 0
        : delayUntilDue(edition.sendDate, sub?.hour ?? deps.defaultHour, timezone, options.now);
      due(options.now.getTime() + delay, timezone);
      const list = byDelay.get(delay) ?? [];
      list.push(id);
      byDelay.set(delay, list);
    });
    recipients += ids.length;
    if (options.immediate) {
      // Everyone is due now, in one group: its full batches go to the queue page by page, so the
      // workers start while the rest of the ledger is read (the same jobs, ids and order as at the end).
      const list = byDelay.get(0)!;
      const full = list.length - (list.length % deps.batchSize);
      if (full > 0) {
        cut(0, list.splice(0, full));
        await enqueue();
      }
    }
  } while (cursor !== '0');

  for (const [delay, ids] of [...byDelay.entries()].sort(([a], [b]) => a - b)) cut(delay, ids);
  await enqueue();
  await deps.editions.recordDispatch(edition.id, generation, jobCount, [...plan.values()]);
  const firstDelay = byDelay.size ? Math.min(...byDelay.keys()) : 0;
  return {
    generation,
    recipients,
    jobs: jobCount,
    firstDueAt: new Date(options.now.getTime() + firstDelay),
  };
}

/**
 * The dispatch step: page through an edition's pending deliveries, work out each recipient's due
 * time (their hour, their timezone, the edition's send date) and enqueue `send` jobs of a batch of
 * recipients each, delayed until due, with deterministic ids (edition, generation, batch number).
 * Recipients due at the same instant share batches. Jobs carry ids only; the send step reloads state.
 */
import type { Queue } from 'bullmq';
import { delayUntilDue } from '../core/due-time.ts';
import type { EditionRecord, EditionStore } from '../editions/edition-store.ts';
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
      const delay = options.immediate
        ? 0
        : delayUntilDue(
            edition.sendDate,
            sub?.hour ?? deps.defaultHour,
            sub?.timezone ?? deps.defaultTimezone,
            options.now,
          );
      const list = byDelay.get(delay) ?? [];
      list.push(id);
      byDelay.set(delay, list);
    });
    recipients += ids.length;
  } while (cursor !== '0');

  const jobs: Array<{ name: string; data: SendJobData; opts: Record<string, unknown> }> = [];
  for (const [delay, ids] of [...byDelay.entries()].sort(([a], [b]) => a - b)) {
    for (let i = 0; i < ids.length; i += deps.batchSize) {
      jobs.push({
        name: 'send',
        data: { editionId: edition.id, subscriberIds: ids.slice(i, i + deps.batchSize) },
        opts: {
          jobId: sendJobId(edition.id, generation, jobs.length + 1),
          delay,
          attempts: SEND_JOB_ATTEMPTS,
          backoff: { type: 'jittered' },
          removeOnComplete: { count: 1000 },
          removeOnFail: { count: 5000 },
        },
      });
    }
  }
  for (let i = 0; i < jobs.length; i += ADD_CHUNK) await deps.sendQueue.addBulk(jobs.slice(i, i + ADD_CHUNK));
  await deps.editions.recordDispatch(edition.id, generation, jobs.length);
  return { generation, recipients, jobs: jobs.length };
}

/**
 * The reconcile step (periodic): for every edition being sent, claims older than the SMTP timeouts
 * can allow become `uncertain` (their worker died; never resent automatically), and pending
 * deliveries whose send job is gone (a Redis restart, a job that failed for good) are dispatched
 * again under a new generation. Duplicates are impossible: a delivery is only sent after its claim.
 */
import type { Queue } from 'bullmq';
import type { EditionRecord, EditionStore } from '../editions/edition-store.ts';
import type { SendJobData } from '../queues/queue-names.ts';
import type { DeliveryLedger } from './delivery-ledger.ts';
import { type DispatchDeps, dispatchEdition, sendJobId } from './dispatch.ts';

export interface ReconcileDeps extends DispatchDeps {
  ledger: DeliveryLedger;
  editions: EditionStore;
  sendQueue: Queue<SendJobData>;
  /** A claim older than this is stale (longer than any SMTP hand-off can take). */
  claimTimeoutMs: number;
}

export interface ReconcileReport {
  editionId: string;
  expiredClaims: number;
  redispatched: number;
}

const LIVE = new Set(['waiting', 'delayed', 'active', 'prioritized', 'waiting-children']);

export async function reconcile(deps: ReconcileDeps, now: Date): Promise<ReconcileReport[]> {
  const reports: ReconcileReport[] = [];
  for (const edition of await deps.editions.list(20)) {
    // The partitions' mirrors of its status, again: a process that died between an edition's status
    // change and its mirrors left them behind (a pause that claims would not see).
    if (edition.status !== 'sent') await deps.editions.syncMirrors(edition.id);
    if (edition.status !== 'sending') continue;
    const expiredClaims = await deps.ledger.expireClaims(edition.id, deps.claimTimeoutMs, now);
    const counts = await deps.ledger.counts(edition.id);
    // Nothing open but still `sending`: the finish after the last outcome was lost (Redis went away
    // between the partition's step and the edition's).
    if (counts.pending + counts.retry + counts.sending === 0) {
      await deps.editions.transition(edition.id, ['sending'], 'sent');
      reports.push({ editionId: edition.id, expiredClaims, redispatched: 0 });
      continue;
    }
    let redispatched = 0;
    if (counts.pending + counts.retry > 0 && !(await hasLiveJobs(deps, edition))) {
      redispatched = (await dispatchEdition(deps, edition, { immediate: false, now })).recipients;
    }
    reports.push({ editionId: edition.id, expiredClaims, redispatched });
  }
  return reports;
}

async function hasLiveJobs(deps: ReconcileDeps, edition: EditionRecord): Promise<boolean> {
  const last = await deps.editions.lastDispatch(edition.id);
  if (!last) return false;
  for (let n = 1; n <= last.jobs; n++) {
    const state = await deps.sendQueue.getJobState(sendJobId(edition.id, last.generation, n));
    if (LIVE.has(state)) return true;
  }
  return false;
}

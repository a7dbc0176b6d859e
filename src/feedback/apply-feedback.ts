/**
 * Applies one feedback event (the policy): a hard bounce makes the subscriber `bounced` and suppressed,
 * as a 550 at RCPT does; soft bounces are counted, and `limit` of them within the window count as a
 * hard one; a complaint makes them `complained`, suppressed for good (no later bounce changes that); a
 * mailto unsubscribe unsubscribes. Each lands in the subscriber's history with its origin and edition,
 * and in the edition's feedback counts; a complaint may pause the edition (complaint-guard.ts).
 * Applied once per event id: the same event again is a `duplicate`.
 */
import type { DeliveryLedger, FeedbackCountKind } from '../delivery/delivery-ledger.ts';
import type { EditionStore } from '../editions/edition-store.ts';
import type { SubscriberStore } from '../subscribers/subscriber-store.ts';
import { type ComplaintGuardPolicy, judgeComplaints } from './complaint-guard.ts';
import type { EventDedupe } from './event-dedupe.ts';
import type { FeedbackEvent, SoftBouncePolicy } from './feedback-event.ts';

export interface FeedbackDeps {
  subscribers: SubscriberStore;
  ledger: DeliveryLedger;
  editions: EditionStore;
  dedupe: EventDedupe;
  softBounces: SoftBouncePolicy;
  complaintGuard: ComplaintGuardPolicy;
}

export type AppliedOutcome =
  | 'bounced'
  | 'soft-bounce'
  | 'complained'
  | 'unsubscribed'
  | 'duplicate'
  | 'unknown subscriber'
  | 'already complained';

export interface Applied {
  outcome: AppliedOutcome;
  /** Soft bounces within the window, this one included. */
  softCount?: number;
  /** Set when this complaint paused the edition. */
  paused?: string;
}

export async function applyFeedback(deps: FeedbackDeps, event: FeedbackEvent, now: Date): Promise<Applied> {
  if (!(await deps.dedupe.first(event.eventId))) return { outcome: 'duplicate' };
  try {
    return await apply(deps, event, now);
  } catch (err) {
    // Not applied: the sender's retry (an MTA after our 451, a provider after our 500) must be.
    await deps.dedupe.forget(event.eventId).catch(() => {});
    throw err;
  }
}

async function apply(deps: FeedbackDeps, event: FeedbackEvent, now: Date): Promise<Applied> {
  const sub = await deps.subscribers.get(event.subscriberId);
  if (!sub) return { outcome: 'unknown subscriber' };
  const detail = `${event.origin}${event.editionId ? `, edition ${event.editionId}` : ''}: ${event.detail}`;
  const record = (kind: FeedbackCountKind) =>
    event.editionId
      ? deps.ledger.recordFeedback(event.editionId, event.subscriberId, kind, {
          at: now.toISOString(),
          origin: event.origin,
          detail: event.detail,
        })
      : undefined;

  if (event.kind === 'unsubscribe') {
    await deps.subscribers.unsubscribe(sub.id, 'mailto', detail);
    await record('unsubscribed');
    return { outcome: 'unsubscribed' };
  }
  if (event.kind === 'complaint') {
    await deps.subscribers.markComplained(sub.id, detail);
    await record('complained');
    const paused = event.editionId ? await guard(deps, event.editionId) : undefined;
    return paused ? { outcome: 'complained', paused } : { outcome: 'complained' };
  }
  // A complaint is for good: a later bounce is counted for the edition but changes nobody.
  if (sub.status === 'complained') {
    await record(event.severity === 'soft' ? 'soft-bounced' : 'bounced');
    return { outcome: 'already complained' };
  }
  if (event.severity === 'soft') {
    const { limit, windowDays } = deps.softBounces;
    const n = await deps.subscribers.recordSoftBounce(sub.id, event.eventId, now, windowDays, detail);
    if (n < limit) {
      await record('soft-bounced');
      return { outcome: 'soft-bounce', softCount: n };
    }
    await deps.subscribers.markBounced(sub.id, `${n} soft bounces within ${windowDays} days; last ${detail}`);
    await record('bounced');
    return { outcome: 'bounced', softCount: n };
  }
  await deps.subscribers.markBounced(sub.id, detail);
  await record('bounced');
  return { outcome: 'bounced' };
}

/** Pauses a sending edition whose complaint rate passed the threshold; returns the reason when it did. */
async function guard(deps: FeedbackDeps, editionId: string): Promise<string | undefined> {
  const [counts, feedback] = await Promise.all([
    deps.ledger.counts(editionId),
    deps.ledger.feedbackCounts(editionId),
  ]);
  const verdict = judgeComplaints(feedback.complained.total, counts.sent, deps.complaintGuard);
  if (!verdict.pause || !verdict.reason) return undefined;
  return (await deps.editions.transition(editionId, ['sending'], 'paused', verdict.reason))
    ? verdict.reason
    : undefined;
}

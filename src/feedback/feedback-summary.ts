/**
 * An edition's feedback as operators read it (pure): after the relay took them, how many deliveries
 * bounced (hard), bounced softly, complained or unsubscribed by mail, and the complaint rate that the
 * guard watches.
 */
import type { FeedbackCounts } from '../delivery/delivery-ledger.ts';
import { type ComplaintGuardPolicy, formatRate } from './complaint-guard.ts';

export interface FeedbackSummary {
  /** Hard bounces (and soft ones past the limit) of this edition's recipients. */
  bounced: number;
  /** ... of which the relay had accepted the message (`sent`): "delivered, then bounced". */
  bouncedAfterSent: number;
  softBounced: number;
  complained: number;
  unsubscribed: number;
  /** complaints / delivered (sent), 0 with nothing delivered. */
  complaintRate: number;
}

export function summariseFeedback(counts: FeedbackCounts, sent: number): FeedbackSummary {
  return {
    bounced: counts.bounced.total,
    bouncedAfterSent: counts.bounced.afterSent,
    softBounced: counts['soft-bounced'].total,
    complained: counts.complained.total,
    unsubscribed: counts.unsubscribed.total,
    complaintRate: sent > 0 ? counts.complained.total / sent : 0,
  };
}

/** One line: "after delivery: bounced 3 · soft bounces 1 · complaints 2 (0.04%, pauses past 0.3%) · ...". */
export function describeFeedback(f: FeedbackSummary, guard: ComplaintGuardPolicy): string {
  return [
    `after delivery: bounced ${f.bounced}`,
    `soft bounces ${f.softBounced}`,
    `complaints ${f.complained} (${formatRate(f.complaintRate)}, pauses past ${guard.percent}% from ${guard.minCount})`,
    `unsubscribed by mail ${f.unsubscribed}`,
  ].join(' · ');
}

/**
 * The complaint-rate guard (pure). Gmail and Yahoo want bulk senders under 0.3% spam reports; an
 * edition whose complaints/delivered passes the threshold stops sending by itself, so a list that
 * went bad (an old import, a topic nobody asked for) does not burn the domain's reputation for the
 * rest of the week. A minimum count keeps 1 complaint among the first 50 deliveries from tripping it.
 */

export interface ComplaintGuardPolicy {
  /** Threshold in percent, e.g. 0.3. */
  percent: number;
  /** Complaints needed before the rate is judged at all. */
  minCount: number;
}

export interface ComplaintVerdict {
  /** complaints / delivered, 0 with nothing delivered. */
  rate: number;
  pause: boolean;
  /** Why the edition paused, in the operator's words. */
  reason: string | undefined;
}

export const formatRate = (rate: number): string => `${(rate * 100).toFixed(rate >= 0.1 ? 0 : 2)}%`;

export function judgeComplaints(
  complaints: number,
  delivered: number,
  policy: ComplaintGuardPolicy,
): ComplaintVerdict {
  const rate = delivered > 0 ? complaints / delivered : 0;
  const pause = complaints >= policy.minCount && rate * 100 > policy.percent;
  return {
    rate,
    pause,
    reason: pause
      ? `complaint rate ${formatRate(rate)} (${complaints} of ${delivered} delivered) passed ${policy.percent}%: paused by the complaint guard`
      : undefined,
  };
}

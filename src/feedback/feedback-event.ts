/**
 * One piece of feedback about one subscriber, whatever brought it (a DSN, an ARF report, a mailto
 * unsubscribe, a relay's webhook), and how a bounce's status code is judged (pure).
 */

export type FeedbackKind = 'bounce' | 'complaint' | 'unsubscribe';
export type BounceSeverity = 'hard' | 'soft';

export interface FeedbackEvent {
  kind: FeedbackKind;
  /** Bounces only. */
  severity?: BounceSeverity;
  subscriberId: string;
  /** Unknown when a webhook names only the address. */
  editionId: string | undefined;
  /** Who told us, for the history: `dsn mx.example.org`, `arf`, `mailto`, `ses webhook`. */
  origin: string;
  /** The same event twice (a provider's retry, a DSN sent again) is applied once. */
  eventId: string;
  /** Status and diagnostic, one line. */
  detail: string;
}

/**
 * Hard: the address itself is bad (x.1.x: no such mailbox or domain; 5.2.1: mailbox disabled;
 * 5.0.0: the catch-all most servers use for "user unknown"). Every other failure is soft and only
 * counts: 4.x.x, a full mailbox (5.2.2), system and network trouble (5.3, 5.4) and policy refusals
 * (5.7.x: spam filters, DMARC, a missing DKIM signature), which say nothing about the address. A
 * signing mistake on our side makes every receiver answer 5.7.x and must not bounce the whole list.
 * Actions other than `failed` (delayed, delivered, relayed, expanded) are not bounces.
 */
export function bounceSeverity(action: string, status: string): BounceSeverity | undefined {
  if (action && action !== 'failed') return undefined;
  const m = /^([45])\.(\d{1,3})\.(\d{1,3})$/.exec(status);
  if (!m) return action === 'failed' ? 'hard' : undefined;
  const [, cls, subject, detail] = m;
  if (cls === '4') return 'soft';
  if (subject === '1' || (subject === '2' && detail === '1') || (subject === '0' && detail === '0'))
    return 'hard';
  return 'soft';
}

/** Past `limit` soft bounces within the window, a subscriber is treated as hard-bounced. */
export interface SoftBouncePolicy {
  limit: number;
  windowDays: number;
}

/** One line for the history and logs, without control characters. */
export const oneLineDetail = (text: string, max = 240): string =>
  text
    .replace(/[\x00-\x1f\x7f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, max);

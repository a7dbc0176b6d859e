export const SUBSCRIBER_STATUSES = ['pending', 'active', 'unsubscribed', 'bounced', 'complained'] as const;
export type SubscriberStatus = (typeof SUBSCRIBER_STATUSES)[number];

export type DigestFormat = 'html' | 'text';

/** Where a change came from, kept in every history entry. */
export type ChangeOrigin =
  | 'signup'
  | 'link'
  | 'admin'
  | 'import'
  | 'bounce'
  | 'complaint'
  /** A message to the List-Unsubscribe `mailto:` address (RFC 2369). */
  | 'mailto'
  | 'system';

export interface Consent {
  at: string;
  /** e.g. `double-opt-in`, `import --confirmed`, `admin`. */
  method: string;
  /** The IP address that confirmed, when it came through a link. */
  ip: string | undefined;
}

export interface Subscriber {
  id: string;
  /** Normalised address (parsed, trimmed, lower-cased whole: see subscribers/normalise-email.ts). */
  email: string;
  name: string;
  status: SubscriberStatus;
  /** Chosen topic ids; empty = everything. */
  topics: string[];
  frequency: 'weekly';
  /** ISO date-time until which no digest is sent (a pause), or undefined. */
  pausedUntil: string | undefined;
  format: DigestFormat;
  /** IANA timezone. */
  timezone: string;
  /** Delivery hour 0-23 in `timezone`. */
  hour: number;
  /** BCP 47 tag with a message catalogue (i18n/locale-tag.ts); empty = the publication's locale. */
  locale: string;
  consent: Consent | undefined;
  createdAt: string;
  updatedAt: string;
}

export interface HistoryEntry {
  at: string;
  origin: ChangeOrigin;
  /** Stable event name, e.g. `subscribed`, `confirmed`, `preferences`, `unsubscribed`, `bounced`. */
  event: string;
  /** What changed: field → [before, after]. */
  changes: Record<string, [unknown, unknown]> | undefined;
  detail: string | undefined;
}

/** States of one (edition, subscriber) delivery; see docs/architecture.md. */
export const DELIVERY_STATES = [
  'pending',
  'sending',
  'sent',
  'skipped',
  'retry',
  'bounced',
  'uncertain',
  'failed',
  'cancelled',
] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export const TERMINAL_STATES: ReadonlySet<DeliveryState> = new Set([
  'sent',
  'skipped',
  'bounced',
  'uncertain',
  'failed',
  'cancelled',
]);

/** An edition's delivery counts as status reports, progress and the dashboard read them. */
export interface EditionCounts {
  /** The frozen recipient list. */
  eligible: number;
  sent: number;
  skipped: number;
  bounced: number;
  uncertain: number;
  failed: number;
  cancelled: number;
  pending: number;
  retry: number;
  sending: number;
}

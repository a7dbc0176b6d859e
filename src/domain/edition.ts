export type EditionStatus = 'built' | 'sending' | 'paused' | 'sent' | 'cancelled';

/** One weekly issue, id `2026-W47`. Frozen when built. */
export interface Edition {
  id: string;
  publicationId: string;
  /** [start, end) as ISO UTC instants. */
  windowStart: string;
  windowEnd: string;
  /** Local date (publication timezone) on which deliveries are due, `YYYY-MM-DD`. */
  sendDate: string;
  status: EditionStatus;
  pausedReason: string | undefined;
  articleIds: string[];
  variantKeys: string[];
  recipientCount: number;
  builtAt: string;
}

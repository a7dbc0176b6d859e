import type { EditionEdits } from './edition-edits.ts';

/**
 * An edition's lifecycle: `draft` (built; operators only; can be built again, a new generation, until
 * its first delivery is claimed) → `sending` → `sent`, or `paused` on the way, or `cancelled`. Editions
 * stored by older code as `built` (or `ready`) read as `draft`.
 */
export type EditionStatus = 'draft' | 'sending' | 'paused' | 'sent' | 'cancelled';

/** Statuses older code stored, and what they mean now. */
export const LEGACY_STATUSES: Readonly<Record<string, EditionStatus>> = { built: 'draft', ready: 'draft' };

export const editionStatusOf = (stored: string): EditionStatus =>
  LEGACY_STATUSES[stored] ?? (stored as EditionStatus);

/** One weekly issue, id `2026-W47`. Frozen when built; a draft's rebuild freezes a new generation. */
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
  /** 1 for the first build, +1 for each rebuild of the draft (absent on editions of older code: 1). */
  generation?: number;
  /** The editor's edits this generation was built with (absent on editions of older code). */
  edits?: EditionEdits;
}

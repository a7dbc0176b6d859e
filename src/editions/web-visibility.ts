/**
 * Whether an edition's web version is public (pure): once its send has started and its first
 * delivery is due (so an approval or a dispatch ahead of the due hour does not publish early), and
 * for good after that. A draft never is; a cancelled edition is when it reached somebody (their
 * "View in browser" link must keep working), not when it reached nobody (it may be reopened).
 */
import type { EditionRecord } from './edition-store.ts';

export function isWebPublic(
  edition: EditionRecord,
  counts: { sent: number; uncertain: number },
  now: Date,
): boolean {
  switch (edition.status) {
    case 'sending':
    case 'paused':
    case 'sent':
      return !edition.publicFrom || Date.parse(edition.publicFrom) <= now.getTime();
    case 'cancelled':
      return counts.sent + counts.uncertain > 0;
    default:
      return false;
  }
}

/**
 * Reads what `sendProgress` needs for one edition (ledger counts come with the status report; here the
 * skip reasons, the due plan and the per-minute series) and returns its progress. Shared by
 * `digest status`, the send progress bar, `/api/editions/:id` and the dashboard.
 */
import type { DeliveryLedger } from '../delivery/delivery-ledger.ts';
import type { EditionStatusReport } from '../delivery/edition-control.ts';
import type { EditionStore } from '../editions/edition-store.ts';
import { type SendProgress, sendProgress } from './send-progress.ts';
import type { MinuteCount, SendTimeline } from './send-timeline.ts';

export interface ProgressSources {
  ledger: DeliveryLedger;
  editions: EditionStore;
  sendTimeline: SendTimeline;
}

/**
 * Skip reasons take a scan of the ledger; the dashboard polls every second. Skips happen at the build and
 * when a reader leaves during the send, so the reasons are read again only when the skipped count (or
 * the generation) changed. Per ledger, a few editions.
 */
const reasonCache = new WeakMap<
  DeliveryLedger,
  Map<string, { key: string; reasons: Record<string, number> }>
>();
const CACHED_EDITIONS = 20;

async function skipReasons(ledger: DeliveryLedger, report: EditionStatusReport) {
  if (report.skipped === 0) return {};
  let cache = reasonCache.get(ledger);
  if (!cache) {
    cache = new Map();
    reasonCache.set(ledger, cache);
  }
  const key = `${report.generation}|${report.skipped}`;
  const hit = cache.get(report.edition);
  if (hit?.key === key) return hit.reasons;
  const reasons = await ledger.reasonsIn(report.edition, 'skipped');
  if (cache.size >= CACHED_EDITIONS) cache.delete(cache.keys().next().value!);
  cache.set(report.edition, { key, reasons });
  return reasons;
}

export async function editionProgress(
  s: ProgressSources,
  report: EditionStatusReport,
  now: Date,
  minutes?: MinuteCount[],
): Promise<SendProgress> {
  const [reasons, plan, perMinute] = await Promise.all([
    skipReasons(s.ledger, report),
    s.editions.duePlan(report.edition),
    minutes ?? s.sendTimeline.perMinute(report.edition),
  ]);
  return sendProgress({ ...report, skipReasons: reasons, plan, minutes: perMinute, now });
}

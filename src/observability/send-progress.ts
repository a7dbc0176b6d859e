/**
 * Progress of an edition for people: done/total, percent, the current sending rate and an ETA.
 * Pure: the ledger counts, the per-minute series and `now` come in as values.
 */
import type { EditionStatusReport } from '../delivery/edition-control.ts';
import type { MinuteCount } from './send-timeline.ts';

export interface SendProgress {
  /** Deliveries in a terminal state (sent, skipped, bounced, uncertain, failed, cancelled). */
  done: number;
  total: number;
  /** 0-100, whole numbers; 100 only when nothing is left. */
  percent: number;
  /** Deliveries still pending, sending or waiting to retry. */
  open: number;
  /** Outcomes per second over the last minute or so; 0 when idle. */
  ratePerSecond: number;
  /** Seconds until `open` reaches 0 at the current rate; undefined when idle or done. */
  etaSeconds: number | undefined;
}

/** The rate looks at the current minute and the one before it, so it reacts within a minute. */
export function sendProgress(report: EditionStatusReport, minutes: MinuteCount[], now: Date): SendProgress {
  const done =
    report.sent + report.skipped + report.bounced + report.uncertain + report.failed + report.cancelled;
  const open = report.pending + report.retry + report.sending;
  const total = Math.max(report.eligible, done + open);
  const percent = total === 0 ? 100 : open === 0 ? 100 : Math.min(99, Math.floor((done / total) * 100));
  const ratePerSecond = report.status === 'sending' ? recentRate(minutes, now) : 0;
  const etaSeconds = open > 0 && ratePerSecond > 0 ? Math.ceil(open / ratePerSecond) : undefined;
  return { done, total, percent, open, ratePerSecond: Math.round(ratePerSecond * 10) / 10, etaSeconds };
}

/** "1 h 05 min", "3 min 20 s", "45 s". */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined) return '–';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** Outcomes per second over the current minute and the one before it. */
export function recentRate(minutes: MinuteCount[], now: Date): number {
  const current = Math.floor(now.getTime() / 60_000) * 60_000;
  const previous = current - 60_000;
  let events = 0;
  for (const m of minutes) if (m.minute === current || m.minute === previous) events += m.sent + m.other;
  return events / (60 + (now.getTime() - current) / 1000);
}

/**
 * Progress of an edition as people read it (`digest status`, the send progress bar, `/api/editions/:id`,
 * the dashboard): one pure function, so every place says the same thing.
 *
 * Honest on three points. **Done** is what reached its end at the relay: handed off (sent) plus final
 * failures (bounced, failed, uncertain); a skipped delivery was never going to be sent, so it is shown
 * apart, with its reasons, and not counted as progress (a built draft with 5 of 14 recipients skipped is
 * 0 % done, not 35 %). **When**: deliveries wait for each reader's hour, so what is left is split into
 * due now and due later from the due times the dispatch planned; only what is due now gets a rate-based
 * ETA, what is due later gets its clock times ("next deliveries 07:00 Europe/Berlin, last at 18:00
 * America/Los_Angeles"). **Which**: a draft or a paused edition is not sending, and says so.
 * Pure: the ledger counts, the skip reasons, the due plan, the per-minute series and `now` come in.
 */
import type { EditionCounts } from '../domain/delivery.ts';
import type { MinuteCount } from './send-timeline.ts';

/** Recipients of one dispatch due at one instant in one time zone (what `dispatchEdition` planned). */
export interface DueGroup {
  /** Epoch milliseconds. */
  dueAt: number;
  /** IANA zone the readers chose ('' for an immediate send: everyone now). */
  timezone: string;
  count: number;
}

export interface ProgressInput extends EditionCounts {
  status: string;
  /** Skipped deliveries per reason, from the ledger's detail. */
  skipReasons: Record<string, number>;
  /** The latest dispatch's due plan; undefined before the first send (or for older editions). */
  plan: DueGroup[] | undefined;
  minutes: MinuteCount[];
  now: Date;
}

export interface DueMoment {
  at: string;
  timezone: string;
  /** "07:00" on the readers' clocks. */
  localTime: string;
  /** Deliveries due at that instant (every zone), and how many other zones share it. */
  count: number;
  otherZones: number;
  inSeconds: number;
}

export interface SendProgress {
  /** Deliveries to be sent: the frozen list less skipped and cancelled. */
  total: number;
  /** Handed off or failed for good: sent + bounced + failed + uncertain. */
  done: number;
  sent: number;
  /** Final failures: bounced, failed (after every attempt), uncertain (outcome unknown). */
  failed: number;
  skipped: number;
  /** Reasons with their counts, most frequent first. */
  skipReasons: Array<{ reason: string; count: number }>;
  cancelled: number;
  /** Pending, sending or waiting to retry. */
  open: number;
  /** Of `open`: due by now (sending as fast as the relay takes them) and due at a later hour. */
  dueNow: number;
  dueLater: number;
  /** 0-100, whole numbers, of `done / total`; 100 only when nothing is open. */
  percent: number;
  /** Outcomes per second over the last minute or so; 0 when not sending. */
  ratePerSecond: number;
  /** Seconds until what is due now is done at the current rate; undefined when nothing is due now. */
  etaSeconds: number | undefined;
  next: DueMoment | undefined;
  last: DueMoment | undefined;
  /** The whole in one line, e.g. "0 of 9 done · 5 skipped (no articles for topics policy: 5) · next deliveries ..." */
  summary: string;
}

export function sendProgress(input: ProgressInput): SendProgress {
  const { now } = input;
  const sent = input.sent;
  const failed = input.bounced + input.failed + input.uncertain;
  const done = sent + failed;
  const open = input.pending + input.retry + input.sending;
  const total =
    Math.max(0, Math.max(input.eligible, done + open + input.skipped + input.cancelled)) -
    input.skipped -
    input.cancelled;
  const sending = input.status === 'sending';
  const later = sending ? laterGroups(input.plan, now) : [];
  const dueLater = Math.min(
    open,
    later.reduce((n, g) => n + g.count, 0),
  );
  // A draft's or paused edition's open deliveries are due at no time until someone sends or resumes it.
  const dueNow = sending ? open - dueLater : 0;
  const ratePerSecond = sending ? recentRate(input.minutes, now) : 0;
  const etaSeconds = dueNow > 0 && ratePerSecond > 0 ? Math.ceil(dueNow / ratePerSecond) : undefined;
  const percent = open === 0 ? 100 : total === 0 ? 0 : Math.min(99, Math.floor((done / total) * 100));
  const skipReasons = Object.entries(input.skipReasons)
    .map(([reason, count]) => ({ reason, count }))
    .filter((r) => r.count > 0);
  const unexplained = input.skipped - skipReasons.reduce((n, r) => n + r.count, 0);
  if (unexplained > 0) skipReasons.push({ reason: 'no reason recorded', count: unexplained });
  skipReasons.sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
  const next = later.length ? moment(later, later[0]!.dueAt, now) : undefined;
  const last = later.length ? moment(later, later[later.length - 1]!.dueAt, now) : undefined;
  const p: SendProgress = {
    total,
    done,
    sent,
    failed,
    skipped: input.skipped,
    skipReasons,
    cancelled: input.cancelled,
    open,
    dueNow,
    dueLater,
    percent,
    ratePerSecond: Math.round(ratePerSecond * 10) / 10,
    etaSeconds,
    next,
    last,
    summary: '',
  };
  p.summary = describeProgress(p, input.status);
  return p;
}

/** The plan's groups still ahead of `now`, in time order. */
function laterGroups(plan: DueGroup[] | undefined, now: Date): DueGroup[] {
  return (plan ?? []).filter((g) => g.dueAt > now.getTime() && g.count > 0).sort((a, b) => a.dueAt - b.dueAt);
}

/** The deliveries due at one instant, named by the zone most of them chose. */
function moment(groups: DueGroup[], at: number, now: Date): DueMoment {
  const same = groups
    .filter((g) => g.dueAt === at)
    .sort((a, b) => b.count - a.count || a.timezone.localeCompare(b.timezone));
  const main = same[0]!;
  return {
    at: new Date(at).toISOString(),
    timezone: main.timezone || 'UTC',
    localTime: clockTime(at, main.timezone || 'UTC'),
    count: same.reduce((n, g) => n + g.count, 0),
    otherZones: same.length - 1,
    inSeconds: Math.round((at - now.getTime()) / 1000),
  };
}

/** "07:00" in a zone (24-hour clock, as the delivery hours are chosen). */
export function clockTime(at: number, timezone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(at));
}

const plural = (n: number, one: string, many = `${one}s`) =>
  `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

/** "07:00 Europe/Berlin (in 8 h 05 min)", "+2 zones" when others share the instant. */
export function describeMoment(m: DueMoment): string {
  const others = m.otherZones ? ` and ${plural(m.otherZones, 'other zone')}` : '';
  return `${m.localTime} ${m.timezone}${others} (in ${formatDuration(m.inSeconds)})`;
}

/** When what is left will go: the rate-based ETA for what is due now, clock times for the rest. */
export function describeTiming(p: SendProgress): string {
  const parts: string[] = [];
  if (p.dueNow > 0)
    parts.push(
      p.etaSeconds === undefined
        ? `${plural(p.dueNow, 'delivery', 'deliveries')} due now`
        : `${plural(p.dueNow, 'delivery', 'deliveries')} due now, done in about ${formatDuration(p.etaSeconds)}`,
    );
  if (p.next && p.last) {
    parts.push(
      p.next.at === p.last.at
        ? `${plural(p.dueLater, 'delivery', 'deliveries')} at ${describeMoment(p.next)}`
        : `${plural(p.dueLater, 'delivery', 'deliveries')} later: next ${describeMoment(p.next)}, last at ${describeMoment(p.last)}`,
    );
  }
  return parts.join('; ');
}

/** "no articles for topics policy: 3, subscriber unsubscribed since the freeze: 1". */
export const describeSkips = (p: SendProgress) =>
  p.skipReasons.map((r) => `${r.reason}: ${r.count}`).join(', ');

function describeProgress(p: SendProgress, status: string): string {
  const head =
    status === 'draft'
      ? `draft: ${plural(p.total, 'delivery', 'deliveries')} to send once it is sent`
      : `${p.done.toLocaleString('en')} of ${p.total.toLocaleString('en')} done (${p.percent}%): ${p.sent.toLocaleString('en')} sent${p.failed ? `, ${p.failed.toLocaleString('en')} failed` : ''}`;
  const parts = [head];
  if (p.skipped) parts.push(`${p.skipped.toLocaleString('en')} skipped (${describeSkips(p)})`);
  if (p.cancelled) parts.push(`${p.cancelled.toLocaleString('en')} cancelled`);
  if (status === 'paused' && p.open)
    parts.push(`${plural(p.open, 'delivery', 'deliveries')} wait for resume`);
  const timing = describeTiming(p);
  if (timing) parts.push(timing);
  return parts.join(' · ');
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

/** The dashboard's pure parts: progress/rate/ETA, weekly growth and churn, topic counts, SVG charts. */
import { describe, expect, it } from 'vitest';
import type { EditionStatusReport } from '../../src/delivery/edition-control.ts';
import { growthSvg, MAX_BARS, sendsPerMinuteSvg } from '../../src/http/routes/admin/svg-charts.ts';
import { formatDuration, recentRate, sendProgress } from '../../src/observability/send-progress.ts';
import type { MinuteCount } from '../../src/observability/send-timeline.ts';
import { topicCounts, weeklyTrends } from '../../src/observability/subscriber-trends.ts';

const report = (over: Partial<EditionStatusReport>): EditionStatusReport => ({
  edition: '2026-W47',
  status: 'sending',
  pausedReason: undefined,
  generation: 1,
  awaitingApproval: false,
  approvedAt: undefined,
  publicFrom: undefined,
  eligible: 1000,
  sent: 0,
  skipped: 0,
  bounced: 0,
  uncertain: 0,
  failed: 0,
  cancelled: 0,
  pending: 0,
  retry: 0,
  sending: 0,
  startedAt: undefined,
  finishedAt: undefined,
  durationMs: undefined,
  feedback: {
    bounced: 0,
    bouncedAfterSent: 0,
    softBounced: 0,
    complained: 0,
    unsubscribed: 0,
    complaintRate: 0,
  },
  ...over,
});
const NOW = new Date('2026-11-24T10:00:30Z');
const progress = (r: EditionStatusReport, minutes: MinuteCount[] = []) =>
  sendProgress({ ...r, skipReasons: {}, plan: undefined, minutes, now: NOW });
const minute = (iso: string) => new Date(iso).getTime();

describe('send progress', () => {
  it('percent, rate over the current and previous minute, and ETA', () => {
    const minutes = [
      { minute: minute('2026-11-24T09:58:00Z'), sent: 999, other: 0 }, // too old for the rate
      { minute: minute('2026-11-24T09:59:00Z'), sent: 300, other: 0 },
      { minute: minute('2026-11-24T10:00:00Z'), sent: 140, other: 10 },
    ];
    const p = progress(report({ sent: 590, bounced: 10, pending: 380, sending: 20 }), minutes);
    expect(p).toMatchObject({ done: 600, total: 1000, percent: 60, open: 400 });
    // 450 outcomes in 90 s.
    expect(p.ratePerSecond).toBe(5);
    expect(p.etaSeconds).toBe(80);
  });

  it('is 100% only when nothing is open, and 99% just before', () => {
    expect(progress(report({ sent: 999, pending: 1 })).percent).toBe(99);
    expect(progress(report({ status: 'sent', sent: 990, skipped: 10 })).percent).toBe(100);
    expect(progress(report({ eligible: 0 })).percent).toBe(100);
  });

  it('has no rate and no ETA when not sending (paused with work open)', () => {
    const minutes = [{ minute: minute('2026-11-24T10:00:00Z'), sent: 100, other: 0 }];
    expect(recentRate(minutes, NOW)).toBeCloseTo(100 / 90);
    const p = progress(report({ status: 'paused', sent: 100, pending: 900 }), minutes);
    expect(p.ratePerSecond).toBe(0);
    expect(p.etaSeconds).toBeUndefined();
  });

  it('formats durations for people', () => {
    expect(formatDuration(undefined)).toBe('–');
    expect(formatDuration(45)).toBe('45 s');
    expect(formatDuration(200)).toBe('3 min 20 s');
    expect(formatDuration(3900)).toBe('1 h 05 min');
  });
});

describe('subscriber trends', () => {
  const row = (status: string, createdAt: string, updatedAt = createdAt, topics: string[] = []) =>
    ({ status, createdAt, updatedAt, topics }) as Parameters<typeof weeklyTrends>[0][number];

  it('buckets joins by creation week and churn by the week of the last change, in the timezone', () => {
    const rows = [
      row('active', '2026-11-23T08:00:00Z'), // W48
      row('active', '2026-11-16T08:00:00Z'), // W47
      // Sunday 23:30 UTC is already Monday in Berlin: W48 there.
      row('unsubscribed', '2026-11-10T08:00:00Z', '2026-11-22T23:30:00Z'),
      row('bounced', '2026-11-10T08:00:00Z', '2026-11-18T08:00:00Z'),
      row('complained', '2026-11-10T08:00:00Z', '2026-11-19T08:00:00Z'),
      row('pending', '2026-11-23T09:00:00Z'), // not growth yet
      row('active', '2025-01-01T00:00:00Z'), // older than the window
    ];
    const weeks = weeklyTrends(rows, NOW, 3, 'Europe/Berlin');
    expect(weeks.map((w) => w.week)).toEqual(['2026-W46', '2026-W47', '2026-W48']);
    expect(weeks[0]).toMatchObject({ joined: 3, unsubscribed: 0, bounced: 0 });
    expect(weeks[1]).toMatchObject({ joined: 1, unsubscribed: 0, bounced: 2 });
    expect(weeks[2]).toMatchObject({ joined: 1, unsubscribed: 1, bounced: 0 });
  });

  it('counts active subscribers per topic; no topic means every topic', () => {
    const t = '2026-11-01T00:00:00Z';
    const rows = [
      row('active', t, t, ['lunar']),
      row('active', t, t, []),
      row('unsubscribed', t, t, ['lunar']),
    ];
    expect(topicCounts(rows, ['lunar', 'launch'])).toEqual([
      { topic: 'lunar', count: 2 },
      { topic: 'launch', count: 1 },
    ]);
  });
});

describe('SVG charts', () => {
  it('draws one bar per minute with gaps filled, and groups long sends', () => {
    const start = minute('2026-11-24T10:00:00Z');
    const svg = sendsPerMinuteSvg([
      { minute: start, sent: 10, other: 1 },
      { minute: start + 2 * 60_000, sent: 5, other: 0 },
    ]);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('10:00: 10 sent');
    expect(svg).toContain('10:00: 1 other outcomes');
    expect(svg).toContain('10:02: 5 sent');
    expect(svg).toContain('Sends per minute');
    const long = sendsPerMinuteSvg(
      Array.from({ length: 500 }, (_, i) => ({ minute: start + i * 60_000, sent: 1, other: 0 })),
    );
    expect((long.match(/ sent<\/title>/g) ?? []).length).toBeLessThanOrEqual(MAX_BARS);
    expect(long).toContain('Sends per 5 minutes');
    expect(sendsPerMinuteSvg([])).toContain('No sends yet.');
  });

  it('draws growth up and churn down, escaping labels', () => {
    const svg = growthSvg([
      { week: '2026-W47', joined: 12, unsubscribed: 3, bounced: 1 },
      { week: '2026-W48', joined: 0, unsubscribed: 0, bounced: 0 },
    ]);
    expect(svg).toContain('W47: 12 joined');
    expect(svg).toContain('W47: 3 unsubscribed');
    expect(svg).toContain('W47: 1 bounced or complained');
    expect(svg).toContain('−4');
    expect(svg).not.toMatch(/<script/i);
  });
});

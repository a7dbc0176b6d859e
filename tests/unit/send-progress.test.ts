/** Honest progress (pure): done is sent + final failures, skips apart with reasons, ETA from due times. */
import { describe, expect, it } from 'vitest';
import {
  type DueGroup,
  describeTiming,
  type ProgressInput,
  sendProgress,
} from '../../src/observability/send-progress.ts';

const NOW = new Date('2026-11-23T21:00:30Z');
const input = (over: Partial<ProgressInput>): ProgressInput => ({
  status: 'sending',
  eligible: 14,
  sent: 0,
  skipped: 0,
  bounced: 0,
  uncertain: 0,
  failed: 0,
  cancelled: 0,
  pending: 0,
  retry: 0,
  sending: 0,
  skipReasons: {},
  plan: undefined,
  minutes: [],
  now: NOW,
  ...over,
});
const at = (iso: string) => new Date(iso).getTime();

describe('honest progress', () => {
  it('a built, unsent edition with 5 of 14 skipped is 0 % done, the skips told apart with their reasons', () => {
    const p = sendProgress(
      input({
        status: 'draft',
        skipped: 5,
        pending: 9,
        skipReasons: { 'no articles for topics policy': 4, 'subscriber unsubscribed since the freeze': 1 },
      }),
    );
    expect(p).toMatchObject({ done: 0, total: 9, percent: 0, skipped: 5, open: 9, dueNow: 0 });
    expect(p.skipReasons).toEqual([
      { reason: 'no articles for topics policy', count: 4 },
      { reason: 'subscriber unsubscribed since the freeze', count: 1 },
    ]);
    expect(p.etaSeconds).toBeUndefined();
    expect(p.summary).toBe(
      'draft: 9 deliveries to send once it is sent · 5 skipped (no articles for topics policy: 4, subscriber unsubscribed since the freeze: 1)',
    );
  });

  it('done = sent + bounced + failed + uncertain; cancelled and skipped are not in the total', () => {
    const p = sendProgress(
      input({
        status: 'sent',
        eligible: 20,
        sent: 10,
        bounced: 1,
        failed: 1,
        uncertain: 1,
        skipped: 4,
        cancelled: 3,
        skipReasons: { 'no articles for topics lunar': 4 },
      }),
    );
    expect(p).toMatchObject({ done: 13, sent: 10, failed: 3, total: 13, percent: 100, open: 0 });
    expect(p.summary).toMatch(/^13 of 13 done \(100%\): 10 sent, 3 failed · 4 skipped .* · 3 cancelled$/);
  });

  it('skips without a recorded reason are counted as such, not dropped', () => {
    const p = sendProgress(input({ skipped: 3, pending: 1, skipReasons: { 'no articles for topics x': 1 } }));
    expect(p.skipReasons).toEqual([
      { reason: 'no reason recorded', count: 2 },
      { reason: 'no articles for topics x', count: 1 },
    ]);
  });

  it('deliveries due hours later get their clock times, not a rate ETA of seconds', () => {
    // 21:00 UTC: Berlin's 07:00 is 06:00 UTC tomorrow, Los Angeles' 18:00 is 02:00 UTC the day after.
    const plan: DueGroup[] = [
      { dueAt: at('2026-11-23T20:00:00Z'), timezone: 'Europe/London', count: 2 }, // already due
      { dueAt: at('2026-11-24T06:00:00Z'), timezone: 'Europe/Berlin', count: 3 },
      { dueAt: at('2026-11-24T06:00:00Z'), timezone: 'Europe/Paris', count: 1 },
      { dueAt: at('2026-11-24T14:00:00Z'), timezone: 'America/New_York', count: 2 },
      { dueAt: at('2026-11-25T02:00:00Z'), timezone: 'America/Los_Angeles', count: 2 },
    ];
    // A fast rate over the last minute (the London readers just went out).
    const minutes = [{ minute: at('2026-11-23T21:00:00Z'), sent: 90, other: 0 }];
    const p = sendProgress(input({ eligible: 10, sent: 1, pending: 9, plan, minutes }));
    expect(p).toMatchObject({ open: 9, dueNow: 1, dueLater: 8 });
    // The rate-based ETA covers the one delivery due now only.
    expect(p.etaSeconds).toBe(1);
    expect(p.next).toMatchObject({
      timezone: 'Europe/Berlin',
      localTime: '07:00',
      count: 4,
      otherZones: 1,
      inSeconds: 9 * 3600 - 30,
    });
    expect(p.last).toMatchObject({ timezone: 'America/Los_Angeles', localTime: '18:00', count: 2 });
    expect(describeTiming(p)).toBe(
      '1 delivery due now, done in about 1 s; 8 deliveries later: next 07:00 Europe/Berlin and 1 other zone (in 8 h 59 min), last at 18:00 America/Los_Angeles (in 28 h 59 min)',
    );
  });

  it('nothing due now and nothing sent yet: no ETA at all, only when the next ones go', () => {
    const plan: DueGroup[] = [{ dueAt: at('2026-11-24T06:00:00Z'), timezone: 'Europe/Berlin', count: 9 }];
    const p = sendProgress(input({ eligible: 14, skipped: 5, pending: 9, plan }));
    expect(p).toMatchObject({ done: 0, total: 9, percent: 0, dueNow: 0, dueLater: 9, etaSeconds: undefined });
    expect(p.summary).toBe(
      '0 of 9 done (0%): 0 sent · 5 skipped (no reason recorded: 5) · 9 deliveries at 07:00 Europe/Berlin (in 8 h 59 min)',
    );
  });

  it('a paused edition has no ETA and says its deliveries wait for resume', () => {
    const plan: DueGroup[] = [{ dueAt: at('2026-11-24T06:00:00Z'), timezone: 'Europe/Berlin', count: 9 }];
    const p = sendProgress(input({ status: 'paused', eligible: 9, pending: 9, plan }));
    expect(p).toMatchObject({ dueNow: 0, dueLater: 0, etaSeconds: undefined, next: undefined });
    expect(p.summary).toContain('9 deliveries wait for resume');
  });

  it('an immediate send (no zones) is all due now', () => {
    const plan: DueGroup[] = [{ dueAt: at('2026-11-23T21:00:00Z'), timezone: '', count: 9 }];
    const p = sendProgress(input({ eligible: 9, pending: 9, plan }));
    expect(p).toMatchObject({ dueNow: 9, dueLater: 0, next: undefined });
  });
});

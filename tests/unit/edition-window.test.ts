import { describe, expect, it } from 'vitest';
import { delayUntilDue, dueTime } from '../../src/core/due-time.ts';
import {
  editionIdFor,
  editionWindow,
  isEditionId,
  nextEditionId,
  previousEditionId,
  sendDateOf,
} from '../../src/core/edition-window.ts';

const iso = (d: Date) => d.toISOString();

describe('edition windows', () => {
  it('2026-W47 in Europe/Berlin is Monday 16 to Monday 23 November, local midnight', () => {
    const w = editionWindow('2026-W47', 'Europe/Berlin');
    expect(iso(w.start)).toBe('2026-11-15T23:00:00.000Z');
    expect(iso(w.end)).toBe('2026-11-22T23:00:00.000Z');
    expect(sendDateOf(w, 'Europe/Berlin')).toBe('2026-11-23');
  });

  it('an article at Sunday 23:30 local belongs to that week, not the next', () => {
    // Sunday 22 Nov 2026 23:30 in Berlin = 22:30Z
    expect(editionIdFor(new Date('2026-11-22T22:30:00Z'), 'Europe/Berlin')).toBe('2026-W47');
    expect(editionIdFor(new Date('2026-11-22T23:00:00Z'), 'Europe/Berlin')).toBe('2026-W48');
    // The same instant is already Monday in Tokyo and still Sunday in New York.
    expect(editionIdFor(new Date('2026-11-22T22:30:00Z'), 'Asia/Tokyo')).toBe('2026-W48');
    expect(editionIdFor(new Date('2026-11-23T04:30:00Z'), 'America/New_York')).toBe('2026-W47');
  });

  it('a week across the autumn DST change in Europe/Berlin is 169 hours long', () => {
    // Clocks go back on Sunday 25 Oct 2026, inside 2026-W43.
    const w = editionWindow('2026-W43', 'Europe/Berlin');
    expect(iso(w.start)).toBe('2026-10-18T22:00:00.000Z');
    expect(iso(w.end)).toBe('2026-10-25T23:00:00.000Z');
    expect((w.end.getTime() - w.start.getTime()) / 3_600_000).toBe(169);
    // 23:30 local on the DST Sunday (after the change: UTC+1) is still W43.
    expect(editionIdFor(new Date('2026-10-25T22:30:00Z'), 'Europe/Berlin')).toBe('2026-W43');
  });

  it('a week across the spring DST change in America/New_York is 167 hours long', () => {
    // Clocks go forward on Sunday 8 March 2026, inside 2026-W10 (Mon 2 - Sun 8 March).
    const w = editionWindow('2026-W10', 'America/New_York');
    expect(iso(w.start)).toBe('2026-03-02T05:00:00.000Z');
    expect(iso(w.end)).toBe('2026-03-09T04:00:00.000Z');
    expect((w.end.getTime() - w.start.getTime()) / 3_600_000).toBe(167);
    expect(editionIdFor(new Date('2026-03-09T03:30:00Z'), 'America/New_York')).toBe('2026-W10'); // Sun 23:30 EDT
  });

  it('supports a Sunday week start', () => {
    // Week 1 of 2026 is the Sunday-week holding 4 January: Sun 4 - Sat 10 Jan. Week 47 starts Sun 22 Nov.
    const w = editionWindow('2026-W47', 'America/New_York', 0);
    expect(iso(w.start)).toBe('2026-11-22T05:00:00.000Z'); // Sunday 22 Nov 00:00 EST
    expect(iso(w.end)).toBe('2026-11-29T05:00:00.000Z');
    expect(editionIdFor(new Date('2026-11-22T04:59:00Z'), 'America/New_York', 0)).toBe('2026-W46'); // Sat 23:59
    expect(editionIdFor(new Date('2026-11-22T05:00:00Z'), 'America/New_York', 0)).toBe('2026-W47');
  });

  it('supports a Saturday week start across a DST change', () => {
    // Europe/Berlin, weeks from Saturday: the week of Sat 24 Oct 2026 holds the DST change.
    const id = editionIdFor(new Date('2026-10-24T12:00:00Z'), 'Europe/Berlin', 6);
    const w = editionWindow(id, 'Europe/Berlin', 6);
    expect(iso(w.start)).toBe('2026-10-23T22:00:00.000Z');
    expect(iso(w.end)).toBe('2026-10-30T23:00:00.000Z');
  });

  it('rejects ids that are not weeks', () => {
    expect(isEditionId('2026-W47', 'UTC')).toBe(true);
    expect(isEditionId('2025-W53', 'UTC')).toBe(false); // 2025 has 52 ISO weeks
    expect(isEditionId('2026-W53', 'UTC')).toBe(true); // 2026 starts on a Thursday: 53
    expect(isEditionId('2026-47', 'UTC')).toBe(false);
    expect(isEditionId('2026-W00', 'UTC')).toBe(false);
    expect(() => editionWindow('nope', 'UTC')).toThrow(RangeError);
  });

  it('year boundaries follow the ISO week-year', () => {
    expect(editionIdFor(new Date('2027-01-01T12:00:00Z'), 'UTC')).toBe('2026-W53');
    expect(editionIdFor(new Date('2024-12-30T12:00:00Z'), 'UTC')).toBe('2025-W01');
    expect(nextEditionId('2025-W52', 'UTC')).toBe('2026-W01');
    expect(nextEditionId('2026-W52', 'UTC')).toBe('2026-W53');
    expect(previousEditionId(new Date('2026-11-24T10:00:00Z'), 'Europe/Berlin')).toBe('2026-W47');
  });
});

describe('due times', () => {
  it('Europe/Berlin hour 8 is 07:00Z in winter and 06:00Z in summer', () => {
    expect(iso(dueTime('2026-11-23', 8, 'Europe/Berlin'))).toBe('2026-11-23T07:00:00.000Z');
    expect(iso(dueTime('2026-07-13', 8, 'Europe/Berlin'))).toBe('2026-07-13T06:00:00.000Z');
  });

  it('uses the subscriber timezone, not the publication one', () => {
    expect(iso(dueTime('2026-11-23', 8, 'America/New_York'))).toBe('2026-11-23T13:00:00.000Z');
    expect(iso(dueTime('2026-11-23', 8, 'Asia/Kolkata'))).toBe('2026-11-23T02:30:00.000Z');
  });

  it('an hour in the spring-forward gap moves forward', () => {
    // 29 March 2026 02:00-03:00 does not exist in Berlin.
    expect(iso(dueTime('2026-03-29', 2, 'Europe/Berlin'))).toBe('2026-03-29T01:00:00.000Z');
  });

  it('a due time already past means now', () => {
    const now = new Date('2026-11-23T12:00:00Z');
    expect(delayUntilDue('2026-11-23', 8, 'Europe/Berlin', now)).toBe(0);
    expect(delayUntilDue('2026-11-23', 20, 'Europe/Berlin', now)).toBe(7 * 3_600_000);
  });
});

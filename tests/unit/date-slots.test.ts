/**
 * The digest's dates in each reader's zone (pure): one variant, many zones, each date written once
 * per distinct list of strings.
 */
import { describe, expect, it } from 'vitest';
import { type DateSlot, DateSlotBook, dateFiller, formatDateSlots } from '../../src/render/date-slots.ts';

// A Berlin week: Monday 16 November 00:00 CET to Monday 23 November 00:00 CET.
const WEEK = { id: '2026-W47', start: '2026-11-15T23:00:00.000Z', end: '2026-11-22T23:00:00.000Z' };
// Sunday 22 November 21:00 CET: Monday morning in Tokyo, Sunday noon in Los Angeles.
const LATE_SUNDAY = '2026-11-22T20:00:00.000Z';
const SLOTS: DateSlot[] = [
  { kind: 'heading', ...WEEK },
  { kind: 'range', ...WEEK },
  { kind: 'day', at: LATE_SUNDAY },
];

describe('date slots', () => {
  it('writes an article day as each zone reads it, and the edition week as the publication names it', () => {
    expect(formatDateSlots(SLOTS, 'en-GB', 'Europe/Berlin')).toEqual([
      'Week 47 · 16–22 November 2026',
      '16–22 November 2026',
      'Sun 22 Nov',
    ]);
    // Tokyo is 8 hours ahead: the article is Monday's there; the week is still the publication's.
    expect(formatDateSlots(SLOTS, 'en-GB', 'Asia/Tokyo', 'Europe/Berlin')).toEqual([
      'Week 47 · 16–22 November 2026',
      '16–22 November 2026',
      'Mon 23 Nov',
    ]);
    // Los Angeles is 9 hours behind: the article is still Sunday's, and the week is not 15-22.
    expect(formatDateSlots(SLOTS, 'en-GB', 'America/Los_Angeles', 'Europe/Berlin')).toEqual([
      'Week 47 · 16–22 November 2026',
      '16–22 November 2026',
      'Sun 22 Nov',
    ]);
  });

  it('writes them in the reader language', () => {
    const [heading, , day] = formatDateSlots(SLOTS, 'de', 'Asia/Tokyo', 'Europe/Berlin');
    expect(heading).toBe('Woche 47 · 16.–22. November 2026');
    expect(day).toBe('Mo., 23. Nov.');
  });

  it('formats once per zone and shares one array between zones that read every date alike', () => {
    const fill = dateFiller({ locale: 'en-GB', timeZone: 'Europe/Berlin', dates: SLOTS });
    const berlin = fill('Europe/Berlin');
    expect(fill('Europe/Berlin')).toBe(berlin);
    expect(fill('Europe/Paris')).toBe(berlin);
    expect(fill('Asia/Tokyo')).not.toBe(berlin);
    expect(fill('Asia/Tokyo')[2]).toBe('Mon 23 Nov');
    expect(fill('Asia/Tokyo')[0]).toBe('Week 47 · 16–22 November 2026');
    // No zone, or one this runtime does not know: the variant's own (the publication's).
    expect(fill(undefined)).toBe(berlin);
    expect(fill('')).toBe(berlin);
    expect(fill('Mars/Olympus_Mons')).toBe(berlin);
  });

  it('gives nothing to fill for a variant stored before dates were per reader', () => {
    expect(dateFiller({})('Asia/Tokyo')).toEqual([]);
  });

  it('numbers each distinct date once, in order of first use', () => {
    const book = new DateSlotBook((i) => `<${i}>`);
    expect(book.add({ kind: 'day', at: LATE_SUNDAY })).toBe('<0>');
    expect(book.add({ kind: 'range', ...WEEK })).toBe('<1>');
    expect(book.add({ kind: 'day', at: LATE_SUNDAY })).toBe('<0>');
    expect(book.slots).toHaveLength(2);
  });
});

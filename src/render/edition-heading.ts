/**
 * The edition's heading, "Week 47 · 16–22 November 2026" (pure). The date range comes from
 * Intl.DateTimeFormat#formatRange, which knows each locale's range style ("16.–22. November 2026"
 * in German, "30 November – 6 December 2026" across months); the word for "week" comes from
 * Intl.DisplayNames. The window is [start, end), so the last day shown is the one before `end`.
 * CLDR spaces the dash even between two bare day numbers ("16 – 22"); a number range is set closed
 * up ("16–22"), as in the issue and in house style guides.
 */
import { htmlLang } from './date-locale.ts';

export interface EditionHeading {
  /** The week number of the edition id (`2026-W47` → 47). */
  week: number;
  /** "Week 47" */
  weekLabel: string;
  /** "16–22 November 2026" */
  range: string;
  /** "Week 47 · 16–22 November 2026" */
  heading: string;
}

export function editionHeading(
  edition: { id: string; windowStart: string; windowEnd: string },
  timezone: string,
  locale: string,
): EditionHeading {
  const tag = htmlLang(locale);
  const week = Number(/-W(\d{1,2})$/.exec(edition.id)?.[1] ?? Number.NaN);
  const first = new Date(edition.windowStart);
  const last = new Date(new Date(edition.windowEnd).getTime() - 1);
  const range = new Intl.DateTimeFormat(tag, {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: timezone,
  })
    .formatRange(first, last)
    .replace(/^(\d{1,2})\s+–\s+(\d)/u, '$1–$2');
  const word = new Intl.DisplayNames(tag, { type: 'dateTimeField' }).of('weekOfYear') ?? 'week';
  const weekLabel = Number.isFinite(week)
    ? `${word.charAt(0).toLocaleUpperCase(tag)}${word.slice(1)} ${week}`
    : edition.id;
  return { week, weekLabel, range, heading: `${weekLabel} · ${range}` };
}

/**
 * Edition ids and windows (pure). Edition `2026-W47` is week 47 of 2026 counted in the publication's
 * timezone: with weekStartsOn = 1 (Monday) exactly the ISO week; with another start day, weeks begin
 * that day and week 1 is the one holding 4 January (the ISO rule, so numbering stays familiar).
 * The window is [start, end), both instants computed in the timezone, so a week spanning a DST
 * change is 167 or 169 hours long and an article at Sunday 23:30 local belongs to that week.
 */
import { TZDate } from '@date-fns/tz';
import { addDays, addWeeks, getWeek, getWeekYear, setWeek, startOfWeek } from 'date-fns';

export type WeekStart = 0 | 1 | 2 | 3 | 4 | 5 | 6;

export interface EditionWindow {
  start: Date;
  end: Date;
}

const ID = /^(\d{4})-W(\d{2})$/;

const weekOptions = (weekStartsOn: WeekStart) => ({ weekStartsOn, firstWeekContainsDate: 4 as const });

export function editionIdFor(instant: Date, timezone: string, weekStartsOn: WeekStart = 1): string {
  const local = new TZDate(instant.getTime(), timezone);
  const opts = weekOptions(weekStartsOn);
  const week = getWeek(local, opts);
  const year = getWeekYear(local, opts);
  return `${year}-W${String(week).padStart(2, '0')}`;
}

export function parseEditionId(id: string): { year: number; week: number } | undefined {
  const m = ID.exec(id);
  if (!m) return undefined;
  const year = Number(m[1]);
  const week = Number(m[2]);
  if (year < 1970 || year > 9999 || week < 1 || week > 53) return undefined;
  return { year, week };
}

export function isEditionId(id: string, timezone: string, weekStartsOn: WeekStart = 1): boolean {
  try {
    editionWindow(id, timezone, weekStartsOn);
    return true;
  } catch {
    return false;
  }
}

/** [start, end) of an edition. Throws RangeError for an id that is not a real week (e.g. 2026-W53). */
export function editionWindow(id: string, timezone: string, weekStartsOn: WeekStart = 1): EditionWindow {
  const parsed = parseEditionId(id);
  if (!parsed) throw new RangeError(`"${id}" is not an edition id like 2026-W47`);
  const opts = weekOptions(weekStartsOn);
  const anchor = new TZDate(parsed.year, 0, 4, 12, 0, 0, timezone);
  const start = startOfWeek(setWeek(anchor, parsed.week, opts), opts);
  if (editionIdFor(start, timezone, weekStartsOn) !== id) {
    throw new RangeError(`${parsed.year} has no week ${parsed.week}`);
  }
  const end = addWeeks(start, 1);
  return { start: new Date(start.getTime()), end: new Date(end.getTime()) };
}

/** The edition of the last complete week before `now` (what the Monday schedule builds). */
export function previousEditionId(now: Date, timezone: string, weekStartsOn: WeekStart = 1): string {
  const current = editionWindow(editionIdFor(now, timezone, weekStartsOn), timezone, weekStartsOn);
  return editionIdFor(new Date(current.start.getTime() - 1), timezone, weekStartsOn);
}

/** The local date (YYYY-MM-DD) on which an edition is sent: the first day after its window. */
export function sendDateOf(window: EditionWindow, timezone: string): string {
  const local = new TZDate(window.end.getTime(), timezone);
  return `${local.getFullYear()}-${String(local.getMonth() + 1).padStart(2, '0')}-${String(local.getDate()).padStart(2, '0')}`;
}

/** Next edition id after `id`. */
export function nextEditionId(id: string, timezone: string, weekStartsOn: WeekStart = 1): string {
  const { start } = editionWindow(id, timezone, weekStartsOn);
  return editionIdFor(addDays(new TZDate(start.getTime(), timezone), 7), timezone, weekStartsOn);
}

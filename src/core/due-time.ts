/**
 * When a subscriber's delivery is due (pure): their chosen hour in their own timezone on the
 * edition's send date, DST-correct. A due time already past means "now"; a wall-clock hour that does
 * not exist that day (spring-forward gap) moves forward like the clocks do.
 */
import { TZDate } from '@date-fns/tz';

export function dueTime(sendDate: string, hour: number, timezone: string): Date {
  const [y, m, d] = sendDate.split('-').map(Number) as [number, number, number];
  return new Date(new TZDate(y, m - 1, d, hour, 0, 0, timezone).getTime());
}

/** Milliseconds to wait from `now` until due (0 if already due). */
export function delayUntilDue(sendDate: string, hour: number, timezone: string, now: Date): number {
  return Math.max(0, dueTime(sendDate, hour, timezone).getTime() - now.getTime());
}

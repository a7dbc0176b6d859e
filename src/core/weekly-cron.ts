/**
 * The weekly schedule's cron, checked with cron-parser (the parser BullMQ's scheduler itself uses):
 * five fields that parse, and that fire exactly once a week. `0 7 * * *` (every day) or `0 7 * * 1,4`
 * (twice a week) would build and send an edition more than once a week: refused, in our words.
 */
import { CronExpressionParser } from 'cron-parser';

export type CheckedCron = { ok: true; value: string } | { ok: false; reason: string };

const HOUR = 3_600_000;
const WEEK = 7 * 24 * HOUR;
const EXAMPLE = '"0 6 * * 1" (Mondays at 06:00)';

export function checkWeeklyCron(given: string, timezone = 'UTC'): CheckedCron {
  const cron = given.trim().replace(/\s+/g, ' ');
  if (cron.split(' ').length !== 5)
    return { ok: false, reason: `"${cron}" is not a 5-field cron such as ${EXAMPLE}` };
  let runs: number[];
  try {
    // A whole year of runs from a fixed date: any daily, twice-weekly or monthly pattern shows.
    const it = CronExpressionParser.parse(cron, {
      currentDate: new Date('2026-01-01T00:00:00Z'),
      tz: timezone,
    });
    runs = Array.from({ length: 53 }, () => it.next().getTime());
  } catch {
    return { ok: false, reason: `"${cron}" is not a valid cron such as ${EXAMPLE}` };
  }
  // Seven days apart, give or take a daylight-saving hour.
  const weekly = runs.slice(1).every((t, i) => Math.abs(t - runs[i]! - WEEK) <= HOUR);
  if (!weekly)
    return {
      ok: false,
      reason: `"${cron}" does not run once a week (runs ${describeGap(runs)}): give one day of the week, such as ${EXAMPLE}`,
    };
  return { ok: true, value: cron };
}

function describeGap(runs: number[]): string {
  const inFirstWeek = runs.filter((t) => t - runs[0]! < WEEK - HOUR).length;
  if (inFirstWeek > 1) return `${inFirstWeek} times a week`;
  return `every ${Math.round((runs[1]! - runs[0]!) / (24 * HOUR))} days`;
}

/**
 * Which weekly schedule holds (pure), and the conflict to report. The publication file's
 * `scheduleCron` is the configuration; `digest schedule set` stores another beside it, together with
 * the file's cron at that moment. The later explicit act wins, and a difference is never silent:
 * - SCHEDULE_CRON (the environment) wins over both; a stored schedule it hides is reported.
 * - A stored schedule wins while the file still says what it said when the schedule was stored
 *   (reported as differing from the file).
 * - A file changed after the schedule was stored wins (the operator edited the file since), and the
 *   stored one it overrides is reported until `digest schedule reset` forgets it.
 */
export type ScheduleOrigin = 'file' | 'default' | 'env' | 'stored';

export interface StoredSchedule {
  cron: string;
  timezone: string;
  /** The file's cron when this was stored: tells a later edit of the file apart. */
  fileCron: string;
  at: string;
}

export interface EffectiveSchedule {
  cron: string;
  timezone: string;
  origin: ScheduleOrigin;
  /** One line for `publication show`, `status` and the dashboard when the file and the stored one differ. */
  conflict: string | undefined;
}

export function effectiveSchedule(
  file: { cron: string; timezone: string; origin: Exclude<ScheduleOrigin, 'stored'> },
  stored: StoredSchedule | undefined,
): EffectiveSchedule {
  const fromFile = { cron: file.cron, timezone: file.timezone, origin: file.origin };
  if (!stored || (stored.cron === file.cron && stored.timezone === file.timezone))
    return { ...fromFile, conflict: undefined };
  const storedText = `"${stored.cron}" in ${stored.timezone} stored by digest schedule set on ${stored.at.slice(0, 10)}`;
  const fileText = `"${file.cron}" in ${file.timezone}`;
  if (file.origin === 'env')
    return {
      ...fromFile,
      conflict: `schedule: SCHEDULE_CRON ${fileText} is used; it hides ${storedText} (digest schedule reset forgets that one)`,
    };
  if (stored.fileCron !== file.cron)
    return {
      ...fromFile,
      conflict: `schedule: the publication file's scheduleCron changed to ${fileText} after ${storedText}; the file's is used (digest schedule reset forgets the stored one)`,
    };
  return {
    cron: stored.cron,
    timezone: stored.timezone,
    origin: 'stored',
    conflict: `schedule: ${storedText} is used; the publication file says ${fileText} (digest schedule reset goes back to the file)`,
  };
}

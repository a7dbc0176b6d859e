/**
 * The repeating jobs, as BullMQ job schedulers (stored in Redis, so any number of processes may
 * upsert them and there is still one schedule): the weekly collect → build → dispatch chain at the
 * publication's cron in its timezone, and reconcile every minute.
 */
import type { Queues } from './queues.ts';

export const WEEKLY_SCHEDULER_ID = 'weekly-digest';
export const RECONCILE_SCHEDULER_ID = 'reconcile';

export interface WeeklySchedule {
  cron: string;
  timezone: string;
  next: string | undefined;
}

export async function upsertWeeklySchedule(queues: Queues, cron: string, timezone: string): Promise<void> {
  await queues.collect.upsertJobScheduler(
    WEEKLY_SCHEDULER_ID,
    { pattern: cron, tz: timezone },
    { name: 'weekly', data: { chain: true }, opts: { removeOnComplete: 50, removeOnFail: 50 } },
  );
}

export async function upsertReconcileSchedule(queues: Queues, everyMs = 60_000): Promise<void> {
  await queues.reconcile.upsertJobScheduler(
    RECONCILE_SCHEDULER_ID,
    { every: everyMs },
    { name: 'reconcile', data: {}, opts: { removeOnComplete: 10, removeOnFail: 50 } },
  );
}

export async function readWeeklySchedule(queues: Queues): Promise<WeeklySchedule | undefined> {
  const s = await queues.collect.getJobScheduler(WEEKLY_SCHEDULER_ID);
  if (!s?.pattern) return undefined;
  return {
    cron: s.pattern,
    timezone: s.tz ?? 'UTC',
    next: s.next ? new Date(s.next).toISOString() : undefined,
  };
}

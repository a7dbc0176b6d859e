/**
 * `digest migrate`'s part for the queues: older code kept every BullMQ queue under `<prefix>:bull`;
 * the queues now live under hash-tagged prefixes (`bullPrefix` in src/redis/key-layout.ts), so that
 * they work on Redis Cluster. What waits under the old prefix is moved: each waiting, delayed or
 * prioritised job (a paused queue's too) is added to its queue again with the same id, name, data and options and
 * the delay it has left; the weekly job scheduler (an operator's `digest schedule set`) is upserted
 * with its cron and timezone; then the old queue is removed (finished jobs' history goes with it:
 * the ledger is the truth about who got what). Idempotent: a second run finds nothing to move.
 *
 * Only with every digest process stopped: a job running under the old prefix, or an old worker
 * still listening there, stops the move before anything changes (`MigrationBlockedError`).
 */
import { type JobsOptions, Queue } from 'bullmq';
import { legacyBullPrefix } from '../redis/key-layout.ts';
import type { RedisClient } from '../redis/redis-client.ts';
import { QUEUES, type QueueName } from './queue-names.ts';
import type { Queues } from './queues.ts';
import { WEEKLY_SCHEDULER_ID } from './schedules.ts';

export class MigrationBlockedError extends Error {
  readonly code = 'EMIGRATIONBLOCKED';
}

export interface QueueMoveReport {
  /** Jobs added again under the new prefix, per queue. */
  moved: Partial<Record<QueueName, number>>;
  /** The weekly schedule carried over (cron and timezone), if the old queue had one. */
  weeklySchedule: { cron: string; timezone: string } | undefined;
  /** True when the old prefix held anything at all. */
  found: boolean;
}

const WAITING = ['wait', 'delayed', 'prioritized'] as const;

export async function moveLegacyQueueJobs(
  connection: RedisClient,
  prefix: string,
  queues: Queues,
  now = Date.now(),
): Promise<QueueMoveReport> {
  const report: QueueMoveReport = { moved: {}, weeklySchedule: undefined, found: false };
  const old = Object.values(QUEUES).map(
    (name) =>
      [
        name,
        new Queue(name, { connection, prefix: legacyBullPrefix(prefix), skipMetasUpdate: true }),
      ] as const,
  );
  try {
    for (const [name, q] of old) {
      const [active, workers] = await Promise.all([q.getActiveCount(), q.getWorkersCount()]);
      if (active > 0 || workers > 0)
        throw new MigrationBlockedError(
          `the ${name} queue still has ${active} running job(s) and ${workers} worker(s) of the older version: stop every digest process, then run digest migrate again`,
        );
    }
    for (const [name, q] of old) {
      const exists = (await connection.exists(`${legacyBullPrefix(prefix)}:${name}:meta`)) === 1;
      const counts = await q.getJobCounts(...WAITING);
      const waiting = Object.values(counts).reduce((a, b) => a + b, 0);
      if (!exists && waiting === 0) continue;
      report.found = true;
      if (name === QUEUES.collect) {
        const weekly = await q.getJobScheduler(WEEKLY_SCHEDULER_ID);
        if (weekly?.pattern) {
          report.weeklySchedule = { cron: weekly.pattern, timezone: weekly.tz ?? 'UTC' };
          await queues.collect.upsertJobScheduler(
            WEEKLY_SCHEDULER_ID,
            { pattern: weekly.pattern, tz: weekly.tz ?? 'UTC' },
            { name: 'weekly', data: { chain: true }, opts: { removeOnComplete: 50, removeOnFail: 50 } },
          );
        }
      }
      let moved = 0;
      // Job schedulers' own next iterations are made again by the upserts above and at start.
      for (const job of await q.getJobs([...WAITING], 0, -1, true)) {
        if (!job?.id || job.id.startsWith('repeat:')) continue;
        // A flow's child goes alone: its parent (a weekly build waiting for its collects) is not
        // moved, and the week's build is started again by the schedule or `digest send`.
        const {
          repeatJobKey: _key,
          parent: _parent,
          ...opts
        } = job.opts as JobsOptions & {
          repeatJobKey?: string;
        };
        const due = job.timestamp + (job.delay ?? 0);
        await queues[name].add(job.name, job.data, { ...opts, jobId: job.id, delay: Math.max(0, due - now) });
        moved++;
      }
      if (moved) report.moved[name] = moved;
      await q.obliterate({ force: true });
    }
    return report;
  } finally {
    await Promise.all(old.map(([, q]) => q.close()));
  }
}

/**
 * Starts the BullMQ workers of this process (one per queue, built by the factories in workers/)
 * and, for the scheduling process, upserts the weekly job scheduler.
 */
import type { Worker } from 'bullmq';
import { createBuildWorker } from '../../workers/build.ts';
import { createCollectWorker } from '../../workers/collect.ts';
import { createDispatchWorker } from '../../workers/dispatch.ts';
import { createReconcileWorker } from '../../workers/reconcile.ts';
import { createSendWorker } from '../../workers/send.ts';
import { observeWorker, sendOutcomeHook } from '../observability/worker-metrics.ts';
import { scheduleOf } from '../publication/publication-report.ts';
import { upsertReconcileSchedule, upsertWeeklySchedule } from '../queues/schedules.ts';
import type { Container } from './container.ts';

/** `stopping` turns true when shutdown begins, before the workers are closed. */
export type WorkerFactory = (container: Container, stopping: () => boolean) => Worker;

/** Every queue's worker factory; workers/ files are listed here as they are added. */
export const WORKER_FACTORIES: WorkerFactory[] = [
  (c) => createCollectWorker(c),
  (c) => createBuildWorker(c),
  (c) => createDispatchWorker(c),
  (c, stopping) => createSendWorker(c, { onOutcome: sendOutcomeHook(c), stopping }),
  (c) => createReconcileWorker(c),
];

export interface RunningWorkers {
  workers: Worker[];
  stop(): Promise<void>;
}

export async function startWorkers(
  container: Container,
  options: { workers: boolean; scheduler: boolean },
): Promise<RunningWorkers> {
  let stopping = false;
  const workers = options.workers ? WORKER_FACTORIES.map((make) => make(container, () => stopping)) : [];
  for (const w of workers) observeWorker(container, w);
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  if (options.scheduler) {
    // The publication file's cron, or the one `digest schedule set` stored beside it, or
    // SCHEDULE_CRON: src/publication/effective-schedule.ts decides, and a conflict is logged (and
    // shown by `digest publication show`, `digest status` and the dashboard), never silent.
    const schedule = await scheduleOf(container);
    if (schedule.conflict) container.logger.warn({ event: 'schedule.conflict' }, schedule.conflict);
    await upsertWeeklySchedule(container.queues, schedule.cron, schedule.timezone);
    await upsertReconcileSchedule(container.queues);
  }
  return {
    workers,
    // Worker.close() waits for in-flight jobs: they finish and record their outcome first.
    async stop() {
      stopping = true;
      await Promise.all(workers.map((w) => w.close()));
      await container.sendTimeline.flush();
    },
  };
}

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
import { readWeeklySchedule, upsertReconcileSchedule, upsertWeeklySchedule } from '../queues/schedules.ts';
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
    // An operator's `digest schedule set` wins over the publication default; SCHEDULE_CRON wins over both.
    const existing = await readWeeklySchedule(container.queues);
    if (!existing || container.config.scheduleCron) {
      await upsertWeeklySchedule(
        container.queues,
        container.publication.scheduleCron,
        container.publication.timezone,
      );
    }
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

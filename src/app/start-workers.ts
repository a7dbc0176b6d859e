/**
 * Starts the BullMQ workers of this process (one per queue, built by the factories in workers/)
 * and, for the scheduling process, upserts the weekly job scheduler.
 */
import type { Worker } from 'bullmq';
import type { Container } from './container.ts';

export type WorkerFactory = (container: Container) => Worker;

/** Every queue's worker factory; workers/ files are listed here as they are added. */
export const WORKER_FACTORIES: WorkerFactory[] = [];

export interface RunningWorkers {
  workers: Worker[];
  stop(): Promise<void>;
}

export async function startWorkers(
  container: Container,
  options: { workers: boolean; scheduler: boolean },
): Promise<RunningWorkers> {
  const workers = options.workers ? WORKER_FACTORIES.map((make) => make(container)) : [];
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  return {
    workers,
    // Worker.close() waits for in-flight jobs: they finish and record their outcome first.
    async stop() {
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}

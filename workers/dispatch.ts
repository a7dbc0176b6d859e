/** The `dispatch` queue's worker: starts the send of a built edition (scheduled weekly chain). */
import { type Job, Worker } from 'bullmq';
import type { Container } from '../src/app/container.ts';
import { controlDeps } from '../src/app/step-deps.ts';
import { startSend } from '../src/delivery/edition-control.ts';
import { bullPrefix, type EditionJobData, QUEUES } from '../src/queues/queue-names.ts';

export function createDispatchWorker(container: Container): Worker<EditionJobData> {
  const worker = new Worker<EditionJobData>(
    QUEUES.dispatch,
    async (job: Job<EditionJobData>) => {
      const r = await startSend(controlDeps(container), job.data.editionId, {
        immediate: job.data.immediate ?? false,
        force: false,
        now: new Date(),
      });
      container.logger.info(
        { event: 'edition.dispatched', edition: r.edition.id, recipients: r.dispatched },
        'dispatched',
      );
      return { edition: r.edition.id, dispatched: r.dispatched, alreadyStarted: r.alreadyStarted };
    },
    {
      connection: container.newRedisConnection(),
      prefix: bullPrefix(container.prefix, QUEUES.dispatch),
      concurrency: 1,
    },
  );
  // A lost Redis connection is reported once per retry by the container's RedisOutage.
  worker.on('error', (err) => {
    if (!container.redisOutage.explains(err))
      container.logger.error({ event: 'worker.error', queue: QUEUES.dispatch, err }, 'worker error');
  });
  return worker;
}

/** The `send` queue's worker: wires `sendBatch` to BullMQ (throttling, retries with jittered backoff). */
import { randomUUID } from 'node:crypto';
import { DelayedError, type Job, Worker } from 'bullmq';
import type { Container } from '../src/app/container.ts';
import { sendDeps } from '../src/app/step-deps.ts';
import { retryDelay } from '../src/core/smtp-error-class.ts';
import { type SendDeps, sendBatch } from '../src/delivery/send-batch.ts';
import { bullPrefix, QUEUES, type SendJobData } from '../src/queues/queue-names.ts';

/** How long a worker holds off after a 421/454 ("slow down"). */
const THROTTLE_MS = 5000;

export class RetryLaterError extends Error {
  readonly code = 'ERETRYLATER';
}

export function createSendWorker(
  container: Container,
  options: { onOutcome?: SendDeps['onOutcome']; stopping?: () => boolean } = {},
): Worker<SendJobData> {
  const deps: SendDeps = { ...sendDeps(container, options.onOutcome), stopping: options.stopping };
  const worker: Worker<SendJobData> = new Worker<SendJobData>(
    QUEUES.send,
    async (job: Job<SendJobData>, token?: string) => {
      const result = await sendBatch(deps, job.id!, job.data, randomUUID());
      if (result.stop === 'shutdown') {
        // Back to the queue without using up an attempt: another worker takes the rest of the batch.
        await job.moveToDelayed(Date.now(), token);
        throw new DelayedError();
      }
      if (result.stop === 'throttled') {
        await worker.rateLimit(THROTTLE_MS);
        throw Worker.RateLimitError();
      }
      if (result.retryLater) throw new RetryLaterError(`temporary SMTP failures in batch ${job.id}`);
      return result.counts;
    },
    {
      connection: container.newRedisConnection(),
      prefix: bullPrefix(container.prefix, QUEUES.send),
      concurrency: container.config.workerConcurrency,
      // Needed for worker.rateLimit(); the global messages-per-second limit is enforced per claim.
      limiter: { max: 100_000, duration: 1000 },
      settings: { backoffStrategy: (attemptsMade: number) => retryDelay(attemptsMade, Math.random()) },
      name: `send@${process.pid}`,
      // A batch takes well under a second; a dead worker's batch is picked up after ~15-30 s instead of
      // 30-60 s. Re-running a stalled batch is safe (claims), so a few stalls are allowed before failing.
      lockDuration: 15_000,
      stalledInterval: 15_000,
      maxStalledCount: 3,
    },
  );
  // A lost Redis connection is reported once per retry by the container's RedisOutage.
  worker.on('error', (err) => {
    if (!container.redisOutage.explains(err))
      container.logger.error({ event: 'worker.error', queue: QUEUES.send, err }, 'worker error');
  });
  return worker;
}

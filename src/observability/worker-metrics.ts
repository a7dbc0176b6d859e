/**
 * Hooks the workers of this process into metrics, the send timeline and the log: the send worker's
 * `onOutcome`, and each worker's `completed`/`failed` events (job times, one log line
 * per failed job with ids only, never an address).
 */
import type { Job, Worker } from 'bullmq';
import type { Container } from '../app/container.ts';
import type { SendDeps } from '../delivery/send-batch.ts';

export function sendOutcomeHook(c: Container): NonNullable<SendDeps['onOutcome']> {
  return (outcome, smtpCode, editionId) => {
    c.metrics.recordOutcome(outcome, smtpCode);
    c.sendTimeline.record(editionId, outcome, smtpCode, new Date());
  };
}

export function observeWorker(c: Container, worker: Worker): void {
  const queue = worker.name;
  worker.on('completed', (job: Job) => {
    if (!job.processedOn || !job.finishedOn) return;
    const seconds = (job.finishedOn - job.processedOn) / 1000;
    c.metrics.observeJob(queue, seconds);
  });
  worker.on('failed', (job: Job | undefined, err: Error & { code?: string }) => {
    c.logger.warn(
      {
        event: 'job.failed',
        queue,
        job: job?.id,
        edition: (job?.data as { editionId?: string } | undefined)?.editionId,
        attempts: job?.attemptsMade,
        code: err.code,
        reason: err.message,
      },
      'job failed',
    );
  });
}

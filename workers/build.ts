/**
 * The `build` queue's worker: builds an edition, then (in the weekly chain) queues its dispatch, or,
 * with the publication's review gate, mails the reviewers and leaves the draft for an approval.
 */
import { type Job, Worker } from 'bullmq';
import type { Container } from '../src/app/container.ts';
import { buildDeps } from '../src/app/step-deps.ts';
import { buildEdition } from '../src/editions/build-edition.ts';
import { sendReviewNotice } from '../src/editions/review-notice.ts';
import { bullPrefix, type EditionJobData, QUEUES } from '../src/queues/queue-names.ts';

export function createBuildWorker(container: Container): Worker<EditionJobData> {
  const worker = new Worker<EditionJobData>(
    QUEUES.build,
    async (job: Job<EditionJobData>) => {
      const { edition, created } = await buildEdition(buildDeps(container), job.data.editionId, new Date());
      container.logger.info(
        { event: 'edition.built', edition: edition.id, created, recipients: edition.recipientCount },
        'built',
      );
      const review = container.publication.reviewBeforeSend;
      if (job.data.chain && review && edition.status === 'draft' && !edition.approvedAt) {
        // The review gate: the draft waits for an approval (digest approve); the reviewers are told,
        // also when an editor had built the draft before the schedule ran.
        await sendReviewNotice(container.mailer, container.publication, container.publicUrl, edition);
        container.logger.info({ event: 'edition.review-requested', edition: edition.id }, 'review requested');
      } else if (job.data.chain && !review) {
        await container.queues.dispatch.add('dispatch', job.data, {
          jobId: `dispatch-${edition.id}`,
          removeOnComplete: 100,
        });
      }
      return { edition: edition.id, created, recipients: edition.recipientCount };
    },
    {
      connection: container.newRedisConnection(),
      prefix: bullPrefix(container.prefix, QUEUES.build),
      concurrency: 1,
    },
  );
  // A lost Redis connection is reported once per retry by the container's RedisOutage.
  worker.on('error', (err) => {
    if (!container.redisOutage.explains(err))
      container.logger.error({ event: 'worker.error', queue: QUEUES.build, err }, 'worker error');
  });
  return worker;
}

/**
 * The `collect` queue's worker. Job names:
 * - `weekly` (the job scheduler): a flow whose children collect each source (retries with backoff per
 *   source; a source that fails for good does not hold the rest) and whose parent builds last week's
 *   edition and then queues its dispatch.
 * - `collect-source`: one source; a retryable failure (timeout, 5xx) throws so BullMQ retries it.
 * - `collect-all`: every source now (`digest collect` while workers run).
 */
import { FlowProducer, type Job, Worker } from 'bullmq';
import type { Container } from '../src/app/container.ts';
import { collectDeps } from '../src/app/step-deps.ts';
import { collectAll } from '../src/collect/collect-all.ts';
import { collectSource } from '../src/collect/collect-source.ts';
import { previousEditionId } from '../src/core/edition-window.ts';
import { bullPrefix, QUEUES } from '../src/queues/queue-names.ts';

interface CollectJobData {
  sourceId?: string;
  chain?: boolean;
}

export function createCollectWorker(container: Container): Worker<CollectJobData> {
  // The weekly flow's children (collect) and parent (build) share this prefix's hash tag.
  const prefix = bullPrefix(container.prefix, QUEUES.collect);
  const worker = new Worker<CollectJobData>(
    QUEUES.collect,
    async (job: Job<CollectJobData>) => {
      const deps = collectDeps(container);
      const now = new Date();
      if (job.name === 'collect-source') {
        const source = (await container.sources.list()).find((s) => s.id === job.data.sourceId);
        if (!source) return { skipped: 'source removed' };
        const report = await collectSource(deps, source, now);
        if (report.status === 'error' && report.retryable)
          throw new Error(`${source.url}: ${report.errors[0] ?? 'failed'}`);
        return report;
      }
      if (job.name === 'weekly') {
        const p = container.publication;
        const editionId = previousEditionId(now, p.timezone, p.weekStartsOn);
        await container.sources.syncFromFile(p.sources, now);
        const sources = await container.sources.list();
        const flow = new FlowProducer({ connection: container.redis, prefix });
        try {
          await flow.add({
            name: 'build',
            queueName: QUEUES.build,
            data: { editionId, chain: true },
            opts: { jobId: `build-${editionId}`, removeOnComplete: 100 },
            children: sources.map((s) => ({
              name: 'collect-source',
              queueName: QUEUES.collect,
              data: { sourceId: s.id },
              opts: {
                jobId: `collect-${editionId}-${s.id}`,
                attempts: 4,
                backoff: { type: 'exponential', delay: 30_000 },
                ignoreDependencyOnFailure: true,
                removeOnComplete: 100,
              },
            })),
          });
        } finally {
          await flow.close();
        }
        return { editionId, sources: sources.length };
      }
      return collectAll(deps, now);
    },
    { connection: container.newRedisConnection(), prefix, concurrency: 4 },
  );
  // A lost Redis connection is reported once per retry by the container's RedisOutage.
  worker.on('error', (err) => {
    if (!container.redisOutage.explains(err))
      container.logger.error({ event: 'worker.error', queue: QUEUES.collect, err }, 'worker error');
  });
  return worker;
}

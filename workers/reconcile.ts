/** The `reconcile` queue's worker (every minute, see src/queues/schedules.ts). */
import { Worker } from 'bullmq';
import type { Container } from '../src/app/container.ts';
import { reconcileDeps } from '../src/app/step-deps.ts';
import { reconcile } from '../src/delivery/reconcile.ts';
import { bullPrefix, QUEUES } from '../src/queues/queue-names.ts';

export function createReconcileWorker(container: Container): Worker {
  const worker = new Worker(
    QUEUES.reconcile,
    async () => {
      const reports = await reconcile(reconcileDeps(container), new Date());
      for (const r of reports.filter((x) => x.expiredClaims || x.redispatched)) {
        container.logger.warn({ event: 'reconcile.repaired', ...r }, 'reconcile repaired an edition');
      }
      return reports;
    },
    {
      connection: container.newRedisConnection(),
      prefix: bullPrefix(container.prefix, QUEUES.reconcile),
      concurrency: 1,
    },
  );
  // A lost Redis connection is reported once per retry by the container's RedisOutage.
  worker.on('error', (err) => {
    if (!container.redisOutage.explains(err))
      container.logger.error({ event: 'worker.error', queue: QUEUES.reconcile, err }, 'worker error');
  });
  return worker;
}

/**
 * Scenario 5: SIGTERM to the only worker during a send. Promise: messages in flight finish and are
 * recorded (nothing left `sending`), no job is left active to be found stalled later, and a new worker
 * completes the edition with 0 uncertain and 0 duplicates.
 */
import { afterAll, describe, it } from 'vitest';
import { bullPrefix, QUEUES } from '../../src/queues/queue-names.ts';
import { seedSubscribers } from '../helpers/delivery-fixtures.ts';
import { type ChaosEnv, startChaosEnv } from './harness/chaos-env.ts';
import { auditEdition, waitForCounts, waitForEdition } from './harness/delivery-audit.ts';
import { runDigest, WorkerPool } from './harness/digest-process.ts';
import { runScenario } from './harness/scenario.ts';

const SUBSCRIBERS = 1000;

let world: ChaosEnv | undefined;
let pool: WorkerPool | undefined;
afterAll(async () => {
  await pool?.stop();
  await world?.close();
});

describe('chaos: SIGTERM during a send', () => {
  it('in-flight messages finish and are recorded; no stalled jobs afterwards', async () => {
    await runScenario(
      {
        id: '05-sigterm',
        title: 'SIGTERM the worker during a send (relay at 100 ms/message)',
        promise: 'in-flight messages finish and are recorded; no stalled jobs afterwards',
      },
      async () => {
        world = await startChaosEnv({
          faults: { slowMs: 100 },
          env: { WORKER_CONCURRENCY: '2', SMTP_MAX_CONNECTIONS: '4', SEND_BATCH_SIZE: '50' },
        });
        const { c, env, editionId, sink } = world;
        await seedSubscribers(c, SUBSCRIBERS);
        pool = new WorkerPool(env);
        await pool.start(1);
        const send = await runDigest(['send', '--edition', editionId, '--now', '--force', '--json'], env);
        if (send.code !== 0) throw new Error(`digest send failed: ${send.output}`);
        await waitForCounts(c, editionId, (n) => (n.sent ?? 0) >= 100, 60_000);

        const worker = pool.procs[0]!;
        const t0 = Date.now();
        worker.signal('SIGTERM');
        const exit = await worker.exited;
        const stopMs = Date.now() - t0;
        pool.procs.length = 0;
        const afterStop = await c.ledger.counts(editionId);
        const active = await c.queues.send.getActiveCount();
        const sentAtStop = afterStop.sent;

        // A new worker finishes the edition; a job the old one abandoned would show up as stalled.
        let stalled = 0;
        const { QueueEvents } = await import('bullmq');
        const events = new QueueEvents('send', {
          connection: c.newRedisConnection(),
          prefix: bullPrefix(c.prefix, QUEUES.send),
        });
        events.on('stalled', () => stalled++);
        await events.waitUntilReady();
        await pool.start(1);
        const status = await waitForEdition(c, editionId, 120_000);
        await events.close();
        const audit = await auditEdition(c, editionId, sink.deliveries());
        return {
          figures: {
            eligible: audit.eligible,
            'stop ms': stopMs,
            'exit code': exit.code ?? String(exit.signal),
            'sent at stop': sentAtStop,
            'left sending': afterStop.sending,
            'active jobs left': active,
            'stalled jobs': stalled,
            uncertain: audit.uncertain,
            duplicates: audit.duplicates,
          },
          checks: {
            'clean exit': exit.code === 0,
            'stopped mid-send': sentAtStop < SUBSCRIBERS,
            'nothing left sending': afterStop.sending === 0,
            'no active job left': active === 0,
            'no stalled job': stalled === 0,
            'edition finished': status === 'sent',
            '0 uncertain': audit.uncertain === 0,
            '0 duplicates': audit.duplicates === 0,
            'all sent': audit.sent === audit.eligible,
          },
        };
      },
    );
  });
});

/**
 * Scenario 2: SIGKILL redis-server in the middle of a send and start it again on the same AOF.
 * Promise: the send completes with 0 duplicates; no ledger entry and no acknowledged subscriber change
 * is lost; the worker processes reconnect on their own (nobody restarts them).
 */
import { afterAll, describe, it } from 'vitest';
import { seedSubscribers } from '../helpers/delivery-fixtures.ts';
import { type ChaosEnv, startChaosEnv } from './harness/chaos-env.ts';
import { isRunning } from './harness/chaos-redis.ts';
import { auditEdition, waitForCounts, waitForEdition } from './harness/delivery-audit.ts';
import { runDigest, WorkerPool } from './harness/digest-process.ts';
import { runScenario } from './harness/scenario.ts';

const SUBSCRIBERS = 3000;

let world: ChaosEnv | undefined;
let pool: WorkerPool | undefined;
afterAll(async () => {
  await pool?.stop();
  await world?.close();
});

describe('chaos: redis-server killed mid-send', () => {
  it('SIGKILL redis and restart it (AOF): the send completes, nothing lost, workers reconnect', async () => {
    await runScenario(
      {
        id: '02-kill-redis',
        title: 'SIGKILL redis-server mid-send, restart on the same AOF',
        promise: 'send completes; 0 duplicates; no ledger entry or acknowledged subscriber change lost',
      },
      async () => {
        world = await startChaosEnv({
          env: { SEND_RATE: '200', WORKER_CONCURRENCY: '2', SMTP_MAX_CONNECTIONS: '4' },
          reconcileEveryMs: 5000,
        });
        const { c, env, editionId, sink, redis } = world;
        const subs = await seedSubscribers(c, SUBSCRIBERS);
        pool = new WorkerPool(env);
        await pool.start(2);
        const pids = pool.procs.map((p) => p.pid);
        const send = await runDigest(['send', '--edition', editionId, '--now', '--force', '--json'], env);
        if (send.code !== 0) throw new Error(`digest send failed: ${send.output}`);

        // Subscriber changes keep flowing through the crash; each acknowledged one must survive it.
        const acked = new Map<string, string>();
        let writing = true;
        let writes = 0;
        const writer = (async () => {
          while (writing) {
            const s = subs[writes % 200]!;
            const name = `Renamed ${writes}`;
            await c.subscribers.update(s.id, { name }, 'admin', 'chaos rename');
            acked.set(s.id, name);
            writes++;
          }
        })();

        await waitForCounts(c, editionId, (n) => (n.sent ?? 0) >= SUBSCRIBERS * 0.3, 120_000);
        const sentBefore = (await c.ledger.counts(editionId)).sent;
        await redis.kill();
        const downAt = Date.now();
        await new Promise((r) => setTimeout(r, 2000));
        await redis.restart();
        const downMs = Date.now() - downAt;
        const status = await waitForEdition(c, editionId, 200_000);
        writing = false;
        await writer;
        await new Promise((r) => setTimeout(r, 1000));

        const audit = await auditEdition(c, editionId, sink.deliveries());
        let changesLost = 0;
        for (const [id, name] of acked) if ((await c.subscribers.get(id))?.name !== name) changesLost++;
        const reconnected = pids.every((pid) => isRunning(pid));
        return {
          figures: {
            eligible: audit.eligible,
            'redis kills': 1,
            'redis down ms': downMs,
            'sent before kill': sentBefore,
            sent: audit.sent,
            uncertain: audit.uncertain,
            duplicates: audit.duplicates,
            'ledger entries lost': audit.receivedNotRecorded + audit.sentNotReceived,
            open: audit.open,
            'subscriber changes acked': writes,
            'changes lost': changesLost,
            'workers restarted': reconnected ? 0 : 'yes',
          },
          checks: {
            'edition finished': status === 'sent',
            '0 duplicates': audit.duplicates === 0,
            'no open delivery': audit.open === 0,
            'no ledger entry lost': audit.receivedNotRecorded === 0 && audit.sentNotReceived === 0,
            'every outcome accounted':
              audit.sent + audit.uncertain + audit.skipped + audit.bounced + audit.failed === audit.eligible,
            'no acknowledged subscriber change lost': changesLost === 0,
            'workers reconnected on their own': reconnected,
          },
        };
      },
    );
  });
});

/**
 * Scenario 10: the full weekly send (collect → build → dispatch → send, from one `weekly` job) on a
 * local 3-master Redis Cluster with two `digest worker` processes, one of them SIGKILLed mid-send and
 * not restarted (its batches come back to the other one when BullMQ finds them stalled). Promise:
 * 0 duplicates, every subscriber accounted for, keys spread over all three masters.
 */
import { afterAll, describe, it } from 'vitest';
import { previousEditionId } from '../../src/core/edition-window.ts';
import { seedArticles } from '../helpers/delivery-fixtures.ts';
import {
  type ClusterChaosEnv,
  seedDueSubscribers,
  startClusterChaosEnv,
} from './harness/cluster-chaos-env.ts';
import { auditEdition, waitForCounts, waitForEdition } from './harness/delivery-audit.ts';
import { WorkerPool } from './harness/digest-process.ts';
import { runScenario } from './harness/scenario.ts';

const SUBSCRIBERS = 3000;
const CONNECTIONS = 4;

let world: ClusterChaosEnv | undefined;
let pool: WorkerPool | undefined;
afterAll(async () => {
  await pool?.stop();
  await world?.close();
});

describe('chaos: the weekly send on Redis Cluster', () => {
  it('collect → build → dispatch → send on 3 masters, a worker SIGKILLed mid-send: 0 duplicates, everyone accounted for', async () => {
    await runScenario(
      {
        id: '10-cluster-weekly-send',
        title: 'The weekly send on a 3-master Redis Cluster, 2 workers, one SIGKILLed mid-send',
        promise: '0 duplicates; sent+uncertain+skipped+bounced = eligible; keys on every master',
      },
      async () => {
        world = await startClusterChaosEnv({
          reconcileEveryMs: 5000,
          replicas: 0,
          faults: { slowMs: 40 },
          env: { SEND_RATE: '200', WORKER_CONCURRENCY: '2', SMTP_MAX_CONNECTIONS: String(CONNECTIONS) },
        });
        const { c, env, sink, cluster } = world;
        const editionId = previousEditionId(new Date(), c.publication.timezone, c.publication.weekStartsOn);
        // The bundled sample feed is collected too; these make sure the edition's window has articles.
        await seedArticles(c, editionId, 1);
        await seedDueSubscribers(c, SUBSCRIBERS);
        pool = new WorkerPool(env);
        await pool.start(2);
        const t0 = Date.now();
        // What the weekly job scheduler adds at the publication's cron.
        await c.queues.collect.add('weekly', { chain: true });
        await waitForCounts(c, editionId, (n) => (n.sent ?? 0) >= SUBSCRIBERS / 3, 180_000);
        const victim = pool.procs[0]!;
        victim.signal('SIGKILL');
        await victim.exited;
        pool.kills++;
        pool.procs.splice(0, 1);
        const status = await waitForEdition(c, editionId, 240_000);
        const sendSeconds = (Date.now() - t0) / 1000;
        await new Promise((r) => setTimeout(r, 1000));
        const audit = await auditEdition(c, editionId, sink.deliveries());
        const perMaster = [...(await cluster.keysPerMaster()).values()];
        const outcomes = audit.sent + audit.uncertain + audit.skipped + audit.bounced;
        return {
          figures: {
            eligible: audit.eligible,
            sent: audit.sent,
            uncertain: audit.uncertain,
            duplicates: audit.duplicates,
            lost: audit.open + audit.sentNotReceived + audit.receivedNotRecorded,
            'keys per master': perMaster.join(' / '),
            'weekly job to sent, s': Math.round(sendSeconds),
          },
          checks: {
            'edition finished': status === 'sent',
            'every subscriber eligible': audit.eligible === SUBSCRIBERS,
            '0 duplicates': audit.duplicates === 0,
            'sent + uncertain + skipped + bounced = eligible': outcomes === audit.eligible,
            'no open delivery': audit.open === 0,
            'every sent one arrived': audit.sentNotReceived === 0,
            'every arrival recorded': audit.receivedNotRecorded === 0,
            'uncertain ≤ in-flight of the killed worker': audit.uncertain <= CONNECTIONS,
            'keys on all 3 masters': perMaster.length === 3 && perMaster.every((n) => n > SUBSCRIBERS / 10),
          },
        };
      },
    );
  });
});

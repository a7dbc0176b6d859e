/**
 * Scenario 11: a master of a 3-master Redis Cluster (one replica each, AOF on) is SIGKILLed mid-send
 * while readers unsubscribe through `digest serve`; its replica takes over. Promise: the send
 * completes, 0 duplicates, and no acknowledged unsubscribe is lost (each waited for its replica
 * before it was answered: src/redis/replica-wait.ts), nor mailed after its answer.
 */
import { afterAll, describe, it } from 'vitest';
import { defaultEditionId } from '../../src/delivery/edition-control.ts';
import { linkUrl } from '../../src/links/subscriber-links.ts';
import { freePort } from '../../src/redis/embedded-redis.ts';
import { seedArticles } from '../helpers/delivery-fixtures.ts';
import {
  type ClusterChaosEnv,
  seedDueSubscribers,
  startClusterChaosEnv,
} from './harness/cluster-chaos-env.ts';
import { auditEdition, waitForCounts, waitForEdition } from './harness/delivery-audit.ts';
import { type DigestProcess, runDigest, startDigest, WorkerPool } from './harness/digest-process.ts';
import { runScenario } from './harness/scenario.ts';

const SUBSCRIBERS = 3000;
const LEAVING = 600;
/** A claim precedes its RCPT TO by one pooled hand-off; anything later was claimed after the ack. */
const IN_FLIGHT_MS = 250;

let world: ClusterChaosEnv | undefined;
let pool: WorkerPool | undefined;
let http: DigestProcess | undefined;
afterAll(async () => {
  http?.signal('SIGTERM');
  await http?.exited;
  await pool?.stop();
  await world?.close();
});

describe('chaos: a Redis Cluster master killed mid-send', () => {
  it('its replica takes over: the send completes, 0 duplicates, no acknowledged unsubscribe lost', async () => {
    await runScenario(
      {
        id: '11-cluster-failover',
        title: 'SIGKILL a master of a 3-master cluster (1 replica each) mid-send, with unsubscribes',
        promise: 'the send completes; 0 duplicates; no acknowledged unsubscribe lost or mailed after its ack',
      },
      async () => {
        const port = await freePort();
        world = await startClusterChaosEnv({
          reconcileEveryMs: 5000,
          replicas: 1,
          faults: { slowMs: 20 },
          env: { SEND_RATE: '200', WORKER_CONCURRENCY: '2', SMTP_MAX_CONNECTIONS: '4', PORT: String(port) },
        });
        const { c, env, sink, cluster } = world;
        const subs = await seedDueSubscribers(c, SUBSCRIBERS);
        const editionId = defaultEditionId(c.publication, new Date());
        await seedArticles(c, editionId);
        http = await startDigest('serve', env);
        pool = new WorkerPool(env);
        await pool.start(2);
        const send = await runDigest(['send', '--edition', editionId, '--now', '--force', '--json'], env);
        if (send.code !== 0) throw new Error(`digest send failed: ${send.output}`);
        await waitForCounts(c, editionId, (n) => (n.sent ?? 0) >= 300, 120_000);

        // Every fifth subscriber leaves, 8 requests at a time, before, during and after the failover.
        const leaving = subs.filter((_, i) => i % 5 === 2).slice(0, LEAVING);
        const ackAt = new Map<string, number>();
        let refused = 0;
        let next = 0;
        const lane = async () => {
          while (next < leaving.length) {
            const s = leaving[next++]!;
            const path = new URL(linkUrl(c.publicUrl, 'unsubscribe', s.id, c.linkKeys, Date.now() / 1000))
              .pathname;
            // A refused one (503 while the cluster elects the replica) is tried again, as a mail provider would.
            for (let attempt = 0; attempt < 40; attempt++) {
              const res = await fetch(`http://127.0.0.1:${port}${path}`, {
                method: 'POST',
                headers: { 'content-type': 'application/x-www-form-urlencoded' },
                body: 'List-Unsubscribe=One-Click',
              }).catch(() => undefined);
              await res?.text();
              if (res?.status === 200) {
                ackAt.set(s.id, Date.now());
                break;
              }
              refused++;
              await new Promise((r) => setTimeout(r, 250));
            }
          }
        };
        const unsubscribing = Promise.all(Array.from({ length: 8 }, lane));
        await new Promise((r) => setTimeout(r, 1500));
        // The master with the most keys goes, without a goodbye; its replica is promoted.
        const before = await cluster.keysPerMaster();
        const [victim] = [...before].sort((a, b) => b[1] - a[1])[0]!;
        const replica = await cluster.replicaOf(victim);
        const killedAt = Date.now();
        const sentAtKill = (await c.ledger.counts(editionId)).sent;
        await cluster.kill(victim);
        await cluster.waitUntilOk(60_000);
        const failoverMs = Date.now() - killedAt;
        const promoted = (await cluster.masterPorts()).includes(replica!);
        await unsubscribing;
        const status = await waitForEdition(c, editionId, 240_000);
        await new Promise((r) => setTimeout(r, 1000));
        const audit = await auditEdition(c, editionId, sink.deliveries());

        let afterAck = 0;
        for (const d of sink.deliveries()) {
          const at = ackAt.get(d.subscriberId);
          if (at !== undefined && d.rcptAt - at > IN_FLIGHT_MS) afterAck++;
        }
        let lostUnsubscribes = 0;
        for (const id of ackAt.keys())
          if ((await c.subscribers.get(id))?.status !== 'unsubscribed') lostUnsubscribes++;
        const outcomes = audit.sent + audit.uncertain + audit.skipped + audit.bounced;
        return {
          figures: {
            eligible: audit.eligible,
            'sent at the kill': sentAtKill,
            'failover ms (kill → cluster ok)': failoverMs,
            'unsubscribes acked': ackAt.size,
            'refused, tried again': refused,
            'acked unsubscribes lost': lostUnsubscribes,
            'mailed after ack': afterAck,
            sent: audit.sent,
            skipped: audit.skipped,
            uncertain: audit.uncertain,
            duplicates: audit.duplicates,
          },
          checks: {
            'replica promoted': promoted,
            'edition finished': status === 'sent',
            '0 duplicates': audit.duplicates === 0,
            'every unsubscribe acknowledged in the end': ackAt.size === LEAVING,
            'no acknowledged unsubscribe lost': lostUnsubscribes === 0,
            'no message after the ack': afterAck === 0,
            'sent + uncertain + skipped + bounced = eligible': outcomes === audit.eligible,
            'no open delivery': audit.open === 0,
          },
        };
      },
    );
  });
});

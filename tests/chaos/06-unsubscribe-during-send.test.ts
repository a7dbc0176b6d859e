/**
 * Scenario 6: 1,000 one-click unsubscribes (POST /u/:token to a `digest serve` process) while the
 * edition goes out. Promise: no message after the unsubscribe was acknowledged. The claim checks the
 * subscriber's status atomically, so a message can only start after the acknowledgement if it was
 * claimed just before the unsubscribe landed (in flight): the sink's RCPT time shows the gap.
 */
import { afterAll, describe, it } from 'vitest';
import { linkUrl } from '../../src/links/subscriber-links.ts';
import { freePort } from '../../src/redis/embedded-redis.ts';
import { seedSubscribers } from '../helpers/delivery-fixtures.ts';
import { type ChaosEnv, startChaosEnv } from './harness/chaos-env.ts';
import { auditEdition, waitForCounts, waitForEdition } from './harness/delivery-audit.ts';
import { type DigestProcess, runDigest, startDigest, WorkerPool } from './harness/digest-process.ts';
import { runScenario } from './harness/scenario.ts';

const SUBSCRIBERS = 3000;
const LEAVING = 1000;
/** A claim precedes its RCPT TO by one pooled hand-off; anything later was claimed after the ack. */
const IN_FLIGHT_MS = 250;

let world: ChaosEnv | undefined;
let pool: WorkerPool | undefined;
let http: DigestProcess | undefined;
afterAll(async () => {
  http?.signal('SIGTERM');
  await http?.exited;
  await pool?.stop();
  await world?.close();
});

describe('chaos: unsubscribes during a send', () => {
  it('1,000 one-click unsubscribes: no message after the unsubscribe was acknowledged', async () => {
    await runScenario(
      {
        id: '06-unsubscribe-during-send',
        title: '1,000 one-click unsubscribes during a 3,000-subscriber send',
        promise: 'no message after the unsubscribe was acknowledged',
      },
      async () => {
        const port = await freePort();
        world = await startChaosEnv({
          env: { SEND_RATE: '150', WORKER_CONCURRENCY: '2', SMTP_MAX_CONNECTIONS: '4', PORT: String(port) },
        });
        const { c, env, editionId, sink } = world;
        const subs = await seedSubscribers(c, SUBSCRIBERS);
        http = await startDigest('serve', env);
        pool = new WorkerPool(env);
        await pool.start(2);
        const send = await runDigest(['send', '--edition', editionId, '--now', '--force', '--json'], env);
        if (send.code !== 0) throw new Error(`digest send failed: ${send.output}`);
        await waitForCounts(c, editionId, (n) => (n.sent ?? 0) >= 200, 60_000);

        // Every third subscriber leaves, in send order and out of it, 10 requests at a time.
        const leaving = subs.filter((_, i) => i % 3 === 1).slice(0, LEAVING);
        const ackAt = new Map<string, number>();
        let errors = 0;
        let next = 0;
        const base = `http://127.0.0.1:${port}`;
        const lane = async () => {
          while (next < leaving.length) {
            const s = leaving[next++]!;
            const path = new URL(linkUrl(c.publicUrl, 'unsubscribe', s.id, c.linkKeys, Date.now() / 1000))
              .pathname;
            const res = await fetch(`${base}${path}`, {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: 'List-Unsubscribe=One-Click',
            });
            await res.text();
            if (res.status === 200) ackAt.set(s.id, Date.now());
            else errors++;
          }
        };
        await Promise.all(Array.from({ length: 10 }, lane));
        const sentWhenDone = (await c.ledger.counts(editionId)).sent;
        const status = await waitForEdition(c, editionId, 180_000);
        await new Promise((r) => setTimeout(r, 1000));
        const audit = await auditEdition(c, editionId, sink.deliveries());

        let inFlight = 0;
        let afterAck = 0;
        let maxGap = 0;
        for (const d of sink.deliveries()) {
          const at = ackAt.get(d.subscriberId);
          if (at === undefined || d.rcptAt <= at) continue;
          inFlight++;
          maxGap = Math.max(maxGap, d.rcptAt - at);
          if (d.rcptAt - at > IN_FLIGHT_MS) afterAck++;
        }
        const skippedIds = new Set(audit.byState.get('skipped') ?? []);
        const skippedMailed = [...skippedIds].filter((id) => audit.copies.has(id)).length;
        let notUnsubscribed = 0;
        for (const id of ackAt.keys())
          if ((await c.subscribers.get(id))?.status !== 'unsubscribed') notUnsubscribed++;
        return {
          figures: {
            eligible: audit.eligible,
            'unsubscribes acked': ackAt.size,
            'HTTP errors': errors,
            'sent while unsubscribing': sentWhenDone,
            skipped: audit.skipped,
            'in flight at the ack': inFlight,
            'max gap ms': maxGap,
            'mailed after ack': afterAck,
            duplicates: audit.duplicates,
          },
          checks: {
            'edition finished': status === 'sent',
            'every unsubscribe acknowledged': ackAt.size === LEAVING && errors === 0,
            'unsubscribes overlapped the send': sentWhenDone < SUBSCRIBERS - LEAVING,
            'no message after the ack': afterAck === 0,
            'skipped ones got nothing': skippedMailed === 0,
            'every acknowledged unsubscribe kept': notUnsubscribed === 0,
            '0 duplicates': audit.duplicates === 0,
          },
        };
      },
    );
  });
});

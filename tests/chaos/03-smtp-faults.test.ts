/**
 * Scenario 3: the relay misbehaves: 421/451 to 10% of first attempts, 550 to 2% of addresses, 1% of
 * connections dropped before DATA, and 500 ms per message for the first minute. Promise: everybody
 * not bounced gets exactly one copy; the bounced are suppressed and get none.
 */
import { afterAll, describe, it } from 'vitest';
import { seedSubscribers } from '../helpers/delivery-fixtures.ts';
import { type ChaosEnv, startChaosEnv } from './harness/chaos-env.ts';
import { auditEdition, waitForEdition } from './harness/delivery-audit.ts';
import { runDigest, WorkerPool } from './harness/digest-process.ts';
import { runScenario } from './harness/scenario.ts';

const SUBSCRIBERS = 2000;

let world: ChaosEnv | undefined;
let pool: WorkerPool | undefined;
afterAll(async () => {
  await pool?.stop();
  await world?.close();
});

describe('chaos: SMTP faults and a slow relay', () => {
  it('10% 421/451, 2% 550, 1% drops before DATA, 500 ms per message for a minute', async () => {
    await runScenario(
      {
        id: '03-smtp-faults',
        title: 'Relay: 10% 421/451, 2% 550, 1% drop before DATA, 500 ms/message for 60 s',
        promise: 'everyone not bounced gets exactly one copy; bounced are suppressed',
      },
      async () => {
        world = await startChaosEnv({
          faults: {
            tempRate: 0.1,
            bounceRate: 0.02,
            dropBeforeDataRate: 0.01,
            slowMs: 500,
            slowForMs: 60_000,
            seed: 3,
          },
          env: { WORKER_CONCURRENCY: '4', SMTP_MAX_CONNECTIONS: '5' },
          reconcileEveryMs: 5000,
        });
        const { c, env, editionId, sink } = world;
        const subs = await seedSubscribers(c, SUBSCRIBERS);
        pool = new WorkerPool(env);
        await pool.start(2);
        const t0 = Date.now();
        const send = await runDigest(['send', '--edition', editionId, '--now', '--force', '--json'], env);
        if (send.code !== 0) throw new Error(`digest send failed: ${send.output}`);
        const status = await waitForEdition(c, editionId, 220_000);
        const sendMs = Date.now() - t0;
        await new Promise((r) => setTimeout(r, 1000));
        const audit = await auditEdition(c, editionId, sink.deliveries());
        const stats = await sink.stop();

        const bouncedIds = new Set(audit.byState.get('bounced') ?? []);
        let notSuppressed = 0;
        for (const s of subs.filter((x) => bouncedIds.has(x.id))) {
          const now = await c.subscribers.get(s.id);
          if (now?.status !== 'bounced' || !(await c.subscribers.isSuppressed(s.email))) notSuppressed++;
        }
        const bouncedMailed = [...bouncedIds].filter((id) => audit.copies.has(id)).length;
        const notBounced = subs.filter((s) => !bouncedIds.has(s.id));
        const notExactlyOne = notBounced.filter((s) => audit.copies.get(s.id) !== 1).length;
        return {
          figures: {
            eligible: audit.eligible,
            'temporary replies': stats.temp,
            'drops before DATA': stats.droppedBeforeData,
            '550 at RCPT': stats.bounced,
            sent: audit.sent,
            bounced: audit.bounced,
            uncertain: audit.uncertain,
            failed: audit.failed,
            duplicates: audit.duplicates,
            'not exactly one copy': notExactlyOne,
            'send s': Math.round(sendMs / 1000),
          },
          checks: {
            'edition finished': status === 'sent',
            'faults were injected': stats.temp > 0 && stats.bounced > 0 && stats.droppedBeforeData > 0,
            'everyone not bounced got exactly one copy': notExactlyOne === 0,
            '0 duplicates': audit.duplicates === 0,
            'bounced = 550s at the relay': audit.bounced === stats.bounced,
            'bounced got nothing': bouncedMailed === 0,
            'bounced are suppressed': notSuppressed === 0,
            'no open delivery': audit.open === 0,
          },
        };
      },
    );
  });
});

/**
 * Scenario 4: the relay closes the connection after the final "." without answering. Nobody can know
 * whether it took the message, so the delivery is `uncertain`, listed by `digest status --json`, and
 * never resent automatically.
 */
import { afterAll, describe, it } from 'vitest';
import { seedSubscribers } from '../helpers/delivery-fixtures.ts';
import { type ChaosEnv, startChaosEnv } from './harness/chaos-env.ts';
import { auditEdition, waitForEdition } from './harness/delivery-audit.ts';
import { runDigest, WorkerPool } from './harness/digest-process.ts';
import { runScenario } from './harness/scenario.ts';

const SUBSCRIBERS = 500;

let world: ChaosEnv | undefined;
let pool: WorkerPool | undefined;
afterAll(async () => {
  await pool?.stop();
  await world?.close();
});

describe('chaos: connection dropped after the final "."', () => {
  it('each such delivery is uncertain, listed, and not resent', async () => {
    await runScenario(
      {
        id: '04-drop-after-data',
        title: 'Relay drops the connection after "." (5% of messages)',
        promise: 'each such delivery is uncertain, listed by digest status, not resent',
      },
      async () => {
        world = await startChaosEnv({ faults: { dropAfterDataRate: 0.05, seed: 4 }, reconcileEveryMs: 2000 });
        const { c, env, editionId, sink } = world;
        await seedSubscribers(c, SUBSCRIBERS);
        pool = new WorkerPool(env);
        await pool.start(1);
        const send = await runDigest(['send', '--edition', editionId, '--now', '--force', '--json'], env);
        if (send.code !== 0) throw new Error(`digest send failed: ${send.output}`);
        const status = await waitForEdition(c, editionId, 120_000);
        // Give a wrong resend (reconcile runs every 2 s here) time to happen before counting.
        await new Promise((r) => setTimeout(r, 6000));
        const audit = await auditEdition(c, editionId, sink.deliveries());
        const st = await runDigest(['status', editionId, '--json'], env);
        const listed = new Set((JSON.parse(st.stdout) as { uncertainIds: string[] }).uncertainIds);
        const stats = await sink.stop();
        const uncertain = audit.byState.get('uncertain') ?? [];
        const resent = uncertain.filter((id) => audit.copies.has(id)).length;
        return {
          figures: {
            eligible: audit.eligible,
            'drops after "."': stats.droppedAfterData,
            uncertain: audit.uncertain,
            'uncertain resent': resent,
            listed: listed.size,
            sent: audit.sent,
            duplicates: audit.duplicates,
          },
          checks: {
            'edition finished': status === 'sent',
            'drops were injected': stats.droppedAfterData > 0,
            'uncertain = drops after "."': audit.uncertain === stats.droppedAfterData,
            'no uncertain one resent': resent === 0,
            'each uncertain one listed':
              uncertain.length === listed.size && uncertain.every((id) => listed.has(id)),
            'the rest sent once': audit.sent === audit.eligible - audit.uncertain && audit.duplicates === 0,
          },
        };
      },
    );
  });
});

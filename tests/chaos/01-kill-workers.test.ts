/**
 * Scenario 1: SIGKILL a `digest worker` process 5 times during a 5,000-subscriber send, restarting it
 * each time. Promise: no subscriber gets the edition twice, every eligible delivery ends in an
 * outcome, and only messages in flight at a kill may be `uncertain` (listed by `digest status`).
 */
import { afterAll, describe, it } from 'vitest';
import { seedSubscribers } from '../helpers/delivery-fixtures.ts';
import { type ChaosEnv, startChaosEnv } from './harness/chaos-env.ts';
import { auditEdition, waitForCounts, waitForEdition } from './harness/delivery-audit.ts';
import { runDigest, WorkerPool } from './harness/digest-process.ts';
import { runScenario } from './harness/scenario.ts';

const SUBSCRIBERS = 5000;
const KILLS = 5;
const CONCURRENCY = 2;
const CONNECTIONS = 4;

let world: ChaosEnv | undefined;
let pool: WorkerPool | undefined;
afterAll(async () => {
  await pool?.stop();
  await world?.close();
});

describe('chaos: worker processes killed mid-send', () => {
  it('5 SIGKILLs during a 5,000-subscriber send: 0 duplicates, nothing unaccounted', async () => {
    await runScenario(
      {
        id: '01-kill-workers',
        title: 'SIGKILL a worker 5× during a 5,000-subscriber send',
        promise: '0 duplicates; sent+uncertain+skipped+bounced = eligible; uncertain ≤ kills × in-flight',
      },
      async () => {
        // A paced send (SEND_RATE) so that the five kills land while it runs, and a relay that takes
        // 40 ms per message so that each kill finds messages in the middle of their hand-off.
        world = await startChaosEnv({
          faults: { slowMs: 40 },
          env: {
            SEND_RATE: '150',
            WORKER_CONCURRENCY: String(CONCURRENCY),
            SMTP_MAX_CONNECTIONS: String(CONNECTIONS),
          },
          reconcileEveryMs: 5000,
        });
        const { c, env, editionId, sink } = world;
        await seedSubscribers(c, SUBSCRIBERS);
        pool = new WorkerPool(env);
        await pool.start(2);
        const send = await runDigest(['send', '--edition', editionId, '--now', '--force', '--json'], env);
        if (send.code !== 0) throw new Error(`digest send failed: ${send.output}`);

        for (let k = 1; k <= KILLS; k++) {
          await waitForCounts(c, editionId, (n) => (n.sent ?? 0) >= (k * SUBSCRIBERS) / (KILLS + 3), 120_000);
          await pool.killAndRestart(0);
        }
        const status = await waitForEdition(c, editionId, 180_000);
        await new Promise((r) => setTimeout(r, 1000));
        const audit = await auditEdition(c, editionId, sink.deliveries());
        const st = await runDigest(['status', editionId, '--json'], env);
        const reported = JSON.parse(st.stdout) as { uncertainIds: string[]; uncertain: number };
        const uncertainIds = new Set(audit.byState.get('uncertain') ?? []);
        // A worker claims at most SMTP_MAX_CONNECTIONS recipients at once, whatever its concurrency.
        const inFlight = CONNECTIONS;
        const outcomes = audit.sent + audit.uncertain + audit.skipped + audit.bounced;
        return {
          figures: {
            eligible: audit.eligible,
            'kills survived': pool.kills,
            sent: audit.sent,
            uncertain: audit.uncertain,
            'uncertain bound': pool.kills * inFlight,
            duplicates: audit.duplicates,
            lost: audit.open + audit.sentNotReceived + audit.receivedNotRecorded,
          },
          checks: {
            'edition finished': status === 'sent',
            'all 5,000 eligible': audit.eligible === SUBSCRIBERS,
            '5 kills': pool.kills === KILLS,
            '0 duplicates': audit.duplicates === 0,
            'sent + uncertain + skipped + bounced = eligible': outcomes === audit.eligible,
            'no open delivery': audit.open === 0,
            'every sent one arrived': audit.sentNotReceived === 0,
            'every arrival recorded': audit.receivedNotRecorded === 0,
            'uncertain ≤ kills × in-flight': audit.uncertain <= pool.kills * inFlight,
            'digest status lists every uncertain one':
              reported.uncertainIds.length === uncertainIds.size &&
              reported.uncertainIds.every((id) => uncertainIds.has(id)),
          },
        };
      },
    );
  });
});

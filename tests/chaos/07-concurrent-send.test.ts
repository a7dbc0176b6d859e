/**
 * Scenario 7: two `digest send` for the same edition at the same moment (no worker running, so each
 * starts its own), and 4 processes upserting the weekly schedule at once. Promise: one edition, one
 * dispatch, one copy per subscriber; one schedule with one next run.
 */
import { afterAll, describe, it } from 'vitest';
import { readWeeklySchedule } from '../../src/queues/schedules.ts';
import { seedSubscribers } from '../helpers/delivery-fixtures.ts';
import { type ChaosEnv, startChaosEnv } from './harness/chaos-env.ts';
import { auditEdition, waitForEdition } from './harness/delivery-audit.ts';
import { runDigest } from './harness/digest-process.ts';
import { runScenario } from './harness/scenario.ts';

const SUBSCRIBERS = 1000;
const CRONS = ['0 6 * * 1', '0 7 * * 1', '30 6 * * 2', '0 8 * * 1'];

let world: ChaosEnv | undefined;
afterAll(async () => {
  await world?.close();
});

describe('chaos: concurrent sends and schedule upserts', () => {
  it('two sends of one edition and 4 schedule upserts at once: one edition, one copy each', async () => {
    await runScenario(
      {
        id: '07-concurrent-send',
        title: 'Two `digest send` of one edition at once + 4 processes upserting the schedule',
        promise: 'one edition, one dispatch, one copy each; one schedule',
      },
      async () => {
        world = await startChaosEnv();
        const { c, env, editionId, sink } = world;
        await seedSubscribers(c, SUBSCRIBERS);
        const sendArgs = ['send', '--edition', editionId, '--now', '--force', '--json'];
        const results = await Promise.all([
          runDigest(sendArgs, env, 180_000),
          runDigest(sendArgs, env, 180_000),
          ...CRONS.map((cron) => runDigest(['schedule', 'set', cron, '--timezone', 'UTC', '--json'], env)),
        ]);
        const failedRuns = results.filter((r) => r.code !== 0).map((r) => r.output.trim().slice(-200));
        const status = await waitForEdition(c, editionId, 120_000);
        await new Promise((r) => setTimeout(r, 1000));
        const audit = await auditEdition(c, editionId, sink.deliveries());
        const editions = (await c.editions.list(50)).filter((e) => e.id === editionId).length;
        const dispatch = await c.editions.lastDispatch(editionId);
        const schedulers = await c.queues.collect.getJobSchedulers();
        const schedule = await readWeeklySchedule(c.queues);
        const nextRuns = await c.queues.collect.getDelayedCount();
        const missing = SUBSCRIBERS - audit.copies.size;
        return {
          figures: {
            eligible: audit.eligible,
            editions,
            dispatches: dispatch?.generation ?? 0,
            sent: audit.sent,
            duplicates: audit.duplicates,
            'not mailed': missing,
            schedules: schedulers.length,
            'next runs queued': nextRuns,
            'failed commands': failedRuns.length,
          },
          checks: {
            'every command succeeded': failedRuns.length === 0,
            'edition finished': status === 'sent',
            'one edition': editions === 1,
            'one dispatch': dispatch?.generation === 1,
            'one copy each': audit.duplicates === 0 && missing === 0 && audit.sent === SUBSCRIBERS,
            'one schedule': schedulers.length === 1,
            'its cron is one of those set': CRONS.includes(schedule?.cron ?? ''),
            'one next run queued': nextRuns === 1,
          },
          note: failedRuns.length ? failedRuns.join(' / ') : undefined,
        };
      },
    );
  });
});

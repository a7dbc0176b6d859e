/**
 * The queues' part of `digest migrate` (src/queues/move-queue-jobs.ts): jobs that wait under the old
 * `<prefix>:bull` prefix move to the hash-tagged prefixes with their ids, data and remaining delay;
 * the weekly schedule comes along; the old keys are gone; a second run moves nothing; an old worker
 * still listening stops it before anything changes.
 */
import { Queue, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { MigrationBlockedError, moveLegacyQueueJobs } from '../../src/queues/move-queue-jobs.ts';
import { readWeeklySchedule, WEEKLY_SCHEDULER_ID } from '../../src/queues/schedules.ts';
import { legacyBullPrefix } from '../../src/redis/key-layout.ts';
import { createTestContainer } from '../helpers/container.ts';
import { cleanupPrefix } from '../helpers/redis.ts';

let c: Container;
beforeAll(async () => {
  c = await createTestContainer({ smtpUrl: 'smtp://127.0.0.1:1' });
});
afterAll(async () => {
  await cleanupPrefix(c.redis, c.prefix);
  await c.close();
});

const legacyKeys = async () => {
  const [, keys] = await c.redis.scan('0', 'MATCH', `${legacyBullPrefix(c.prefix)}:*`, 'COUNT', 10_000);
  return keys;
};

describe('moving the queues to their hash-tagged prefixes', () => {
  it('moves waiting and delayed jobs with their ids and remaining delay, and the weekly schedule', async () => {
    const now = Date.now();
    const oldSend = new Queue('send', { connection: c.redis, prefix: legacyBullPrefix(c.prefix) });
    const oldDispatch = new Queue('dispatch', { connection: c.redis, prefix: legacyBullPrefix(c.prefix) });
    const oldCollect = new Queue('collect', { connection: c.redis, prefix: legacyBullPrefix(c.prefix) });
    await oldSend.add(
      'send',
      { editionId: '2026-W49', subscriberIds: ['a', 'b'], build: 1 },
      { jobId: 'send-2026-W49-1-0', delay: 3_600_000, attempts: 5 },
    );
    await oldDispatch.add('dispatch', { editionId: '2026-W49' }, { jobId: 'dispatch-2026-W49' });
    await oldCollect.upsertJobScheduler(
      WEEKLY_SCHEDULER_ID,
      { pattern: '30 7 * * 2', tz: 'Europe/Paris' },
      { name: 'weekly', data: { chain: true } },
    );
    await Promise.all([oldSend.close(), oldDispatch.close(), oldCollect.close()]);

    const report = await moveLegacyQueueJobs(c.redis, c.prefix, c.queues);
    expect(report).toEqual({
      found: true,
      moved: { send: 1, dispatch: 1 },
      weeklySchedule: { cron: '30 7 * * 2', timezone: 'Europe/Paris' },
    });
    const send = await c.queues.send.getJob('send-2026-W49-1-0');
    expect(send?.data).toEqual({ editionId: '2026-W49', subscriberIds: ['a', 'b'], build: 1 });
    expect(send?.opts.attempts).toBe(5);
    expect(await send?.getState()).toBe('delayed');
    expect(send!.timestamp + send!.delay).toBeGreaterThan(now + 3_590_000);
    expect(await (await c.queues.dispatch.getJob('dispatch-2026-W49'))?.getState()).toBe('waiting');
    expect((await readWeeklySchedule(c.queues))?.cron).toBe('30 7 * * 2');
    expect(await legacyKeys()).toEqual([]);

    const again = await moveLegacyQueueJobs(c.redis, c.prefix, c.queues);
    expect(again).toEqual({ found: false, moved: {}, weeklySchedule: undefined });
  });

  it('refuses while a worker of the older version listens on the old prefix, changing nothing', async () => {
    const oldSend = new Queue('send', { connection: c.redis, prefix: legacyBullPrefix(c.prefix) });
    await oldSend.add(
      'send',
      { editionId: '2026-W50', subscriberIds: ['c'] },
      { jobId: 'send-2026-W50-1-0', delay: 60_000 },
    );
    const oldWorker = new Worker('send', async () => undefined, {
      connection: c.newRedisConnection(),
      prefix: legacyBullPrefix(c.prefix),
    });
    await oldWorker.waitUntilReady();
    try {
      const err = await moveLegacyQueueJobs(c.redis, c.prefix, c.queues).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MigrationBlockedError);
      expect((err as Error).message).toBe(
        'the send queue still has 0 running job(s) and 1 worker(s) of the older version: stop every digest process, then run digest migrate again',
      );
      expect(await oldSend.getJob('send-2026-W50-1-0')).toBeDefined();
    } finally {
      await oldWorker.close();
      await oldSend.close();
    }
  });
});

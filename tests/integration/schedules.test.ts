import { afterAll, describe, expect, it } from 'vitest';
import { createQueues } from '../../src/queues/queues.ts';
import { readWeeklySchedule, upsertWeeklySchedule } from '../../src/queues/schedules.ts';
import { cleanupPrefix, testRedis, uniquePrefix } from '../helpers/redis.ts';

const redis = testRedis();
const prefix = uniquePrefix();
const queues = Array.from({ length: 4 }, () => createQueues(redis, prefix));

afterAll(async () => {
  for (const q of queues) await q.close();
  await cleanupPrefix(redis, prefix);
  redis.disconnect();
});

describe('weekly schedule', () => {
  it('four processes upserting the schedule at once leave one scheduler, in the publication timezone', async () => {
    await Promise.all(queues.map((q) => upsertWeeklySchedule(q, '0 6 * * 1', 'Europe/Berlin')));
    expect(await queues[0]!.collect.getJobSchedulersCount()).toBe(1);
    const s = await readWeeklySchedule(queues[1]!);
    expect(s).toMatchObject({ cron: '0 6 * * 1', timezone: 'Europe/Berlin' });
    // The next run is a Monday 06:00 in Berlin: 05:00Z in winter, 04:00Z in summer.
    const next = new Date(s!.next!);
    const local = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Berlin',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
    }).format(next);
    expect(local).toBe('Mon 06:00');
    // One delayed job for the next run, not four.
    expect(await queues[0]!.collect.getDelayedCount()).toBe(1);
  });

  it('changing the cron replaces the schedule', async () => {
    await upsertWeeklySchedule(queues[2]!, '30 7 * * 2', 'America/New_York');
    const s = await readWeeklySchedule(queues[3]!);
    expect(s).toMatchObject({ cron: '30 7 * * 2', timezone: 'America/New_York' });
    expect(await queues[0]!.collect.getJobSchedulersCount()).toBe(1);
  });
});

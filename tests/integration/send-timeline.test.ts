/**
 * The send timeline's counts on Redis (and, in the `cluster` project, on a 3-master Redis Cluster):
 * one flush that carries several editions' counts writes each edition's keys in their own slot.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { createRedisSendTimeline } from '../../src/observability/redis-send-timeline.ts';
import { createTestContainer } from '../helpers/container.ts';

let c: Container | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

describe('the send timeline on Redis', () => {
  it('flushes the counts of several editions at once, each under its own edition', async () => {
    c = await createTestContainer({ smtpUrl: 'smtp://127.0.0.1:1?tls=off' });
    const timeline = createRedisSendTimeline(c.redis, c.prefix);
    const at = new Date('2026-11-23T07:00:30Z');
    timeline.record('2026-W46', 'sent', 250, at);
    timeline.record('2026-W46', 'bounced', 550, at);
    timeline.record('2026-W47', 'sent', 250, at);
    timeline.record('2026-W47', 'sent', 250, at);
    await timeline.flush();
    const minute = Date.parse('2026-11-23T07:00:00Z');
    expect(await timeline.perMinute('2026-W46')).toEqual([{ minute, sent: 1, other: 1 }]);
    expect(await timeline.perMinute('2026-W47')).toEqual([{ minute, sent: 2, other: 0 }]);
  });
});

/**
 * The Date header says when a message was handed to the relay, not when its edition was due: an
 * edition of March 2018 sent today is dated today (it used to be dated 2018), on a real Redis and a
 * real SMTP server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startWorkers } from '../../src/app/start-workers.ts';
import { controlDeps } from '../../src/app/step-deps.ts';
import { startSend } from '../../src/delivery/edition-control.ts';
import { createTestContainer } from '../helpers/container.ts';
import { seedArticles, seedSubscribers } from '../helpers/delivery-fixtures.ts';
import { startSmtpSink } from '../helpers/smtp-sink.ts';

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanups.reverse()) await f();
  cleanups = [];
});

describe('Date header', () => {
  it('is the time of the hand-off, within a minute, for an edition due years ago', async () => {
    const sink = await startSmtpSink();
    const c = await createTestContainer({ smtpUrl: sink.url });
    cleanups.push(
      () => sink.stop(),
      () => c.close(),
    );
    const edition = '2018-W10';
    await seedArticles(c, edition);
    await seedSubscribers(c, 4);
    const w = await startWorkers(c, { workers: true, scheduler: false });
    cleanups.push(() => w.stop());

    const before = Date.now();
    await startSend(controlDeps(c), edition, { immediate: true, force: true, now: new Date() });
    await sink.waitFor(4, 60_000);
    const after = Date.now();

    for (const m of sink.messages) {
      const dated = m.parsed.date!.getTime();
      // The header has whole seconds: the hand-off second may start up to 1 s before `before`.
      expect(dated).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
      expect(dated).toBeLessThanOrEqual(after);
      expect(after - dated).toBeLessThan(60_000);
    }
  }, 90_000);
});

/**
 * Honest progress on a real Redis, real SMTP server and the real send workers: readers in several time
 * zones, one skipped at the build (no articles for their topics) and one who left after it. The CLI's
 * `digest status`, `/api/editions/:id` and the dashboard's live JSON all say the same thing.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startWorkers } from '../../src/app/start-workers.ts';
import { controlDeps } from '../../src/app/step-deps.ts';
import { dueTime } from '../../src/core/due-time.ts';
import { editionWindow } from '../../src/core/edition-window.ts';
import { editionStatus, rebuildEdition, startSend } from '../../src/delivery/edition-control.ts';
import type { Article } from '../../src/domain/article.ts';
import { buildApp } from '../../src/http/app.ts';
import { editionProgress } from '../../src/observability/edition-progress.ts';
import { digestCli } from '../helpers/cli.ts';
import { createTestContainer } from '../helpers/container.ts';
import { startSmtpSink } from '../helpers/smtp-sink.ts';

const EDITION = '2026-W47';
let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanups.reverse()) await f();
  cleanups = [];
});

/** Readers and their hours: Tokyo is due first, then Berlin, New York, Los Angeles. */
const READERS = [
  { email: 'hana@readers.example', timezone: 'Asia/Tokyo', hour: 7, topics: ['lunar'] },
  { email: 'kenji@readers.example', timezone: 'Asia/Tokyo', hour: 7, topics: ['lunar'] },
  { email: 'anna@readers.example', timezone: 'Europe/Berlin', hour: 7, topics: ['lunar'] },
  { email: 'jonas@readers.example', timezone: 'Europe/Berlin', hour: 7, topics: [] },
  { email: 'maya@readers.example', timezone: 'America/New_York', hour: 8, topics: ['lunar'] },
  { email: 'luis@readers.example', timezone: 'America/Los_Angeles', hour: 18, topics: ['lunar'] },
  // Nothing about markets this week: skipped at the build.
  { email: 'max@readers.example', timezone: 'Europe/Berlin', hour: 9, topics: ['markets'] },
];

describe('send progress with readers in several time zones', () => {
  it('done counts what reached the relay, skips come apart with reasons, and what waits gets its clock times', async () => {
    const sink = await startSmtpSink();
    const c = await createTestContainer({ smtpUrl: sink.url, env: { SEND_BATCH_SIZE: '2' } });
    cleanups.push(
      () => sink.stop(),
      () => c.close(),
    );
    const { start } = editionWindow(EDITION, c.publication.timezone, c.publication.weekStartsOn);
    const article: Article = {
      id: 'lunar-0000000001',
      sourceId: 'api',
      guid: 'lunar-1',
      url: 'https://orbit-weekly.example/lunar-1',
      title: 'A lander reaches the south pole',
      author: 'Orbit Weekly desk',
      publishedAt: new Date(start.getTime() + 86_400_000).toISOString(),
      firstSeenAt: new Date(start.getTime() + 86_400_000).toISOString(),
      updatedAt: new Date(start.getTime() + 86_400_000).toISOString(),
      summary: 'It landed. A second sentence for the summary.',
      brief: [],
      imageUrl: undefined,
      imageAlt: undefined,
      topics: ['lunar'],
      readingMinutes: 3,
      contentHash: 'lunar-1',
    };
    await c.articles.upsert(article);
    const created = await c.subscribers.createMany(
      READERS.map((r) => ({
        ...r,
        status: 'active' as const,
        name: r.email.split('@')[0]!,
        locale: 'en-GB',
      })),
      'import',
    );
    const ids = created.map((r) => r.id!);

    // The draft: nothing is done, one is skipped, and that is not progress.
    const buildAt = new Date('2026-11-23T12:00:00Z');
    await rebuildEdition(controlDeps(c), EDITION, buildAt);
    const draft = await editionStatus(controlDeps(c), EDITION, buildAt);
    const draftProgress = await editionProgress(c, draft, buildAt);
    expect(draftProgress).toMatchObject({ done: 0, total: 6, percent: 0, skipped: 1 });
    expect(draftProgress.skipReasons).toEqual([{ reason: 'no articles for topics markets', count: 1 }]);
    // The CLI says the same, in one line a person reads.
    const cli = digestCli({
      prefix: c.config.redisPrefix,
      dataDir: mkdtempSync(join(tmpdir(), 'nd-progress-cli-')),
      env: { LINK_SECRET: 'test-link-secret-0123456789' },
    });
    const status = cli('status', EDITION);
    expect(status.code, status.err).toBe(0);
    expect(status.out).toContain(
      'draft: 6 deliveries to send once it is sent · 1 skipped (no articles for topics markets: 1)',
    );
    expect(status.out).not.toMatch(/\d+%.*done/);

    // Kenji leaves after the freeze: his delivery is skipped when its turn comes.
    await c.subscribers.unsubscribe(ids[1]!, 'link');

    // Sent "at their hours" one minute after Tokyo's 07:00 on the send date: Tokyo is due, the rest wait.
    const edition = (await c.editions.get(EDITION))!;
    const sendAt = new Date(dueTime(edition.sendDate, 7, 'Asia/Tokyo').getTime() + 60_000);
    await startSend(controlDeps(c), EDITION, { immediate: false, force: true, now: sendAt });
    const w = await startWorkers(c, { workers: true, scheduler: false });
    cleanups.push(() => w.stop());
    // Wait for Tokyo's two deliveries to reach their end (one sent, one skipped at the claim).
    let report = await editionStatus(controlDeps(c), EDITION, new Date());
    for (let i = 0; i < 300 && report.sent + report.skipped < 3; i++) {
      await new Promise((r) => setTimeout(r, 100));
      report = await editionStatus(controlDeps(c), EDITION, new Date());
    }
    expect(report).toMatchObject({ status: 'sending', sent: 1, skipped: 2, pending: 4 });

    const later = new Date(sendAt.getTime() + 120_000);
    const p = await editionProgress(c, report, later);
    expect(p).toMatchObject({ done: 1, sent: 1, total: 5, percent: 20, skipped: 2, dueNow: 0, dueLater: 4 });
    expect(p.etaSeconds).toBeUndefined();
    expect(p.skipReasons).toEqual([
      { reason: 'no articles for topics markets', count: 1 },
      { reason: 'subscriber unsubscribed since the freeze', count: 1 },
    ]);
    expect(p.next).toMatchObject({ timezone: 'Europe/Berlin', localTime: '07:00', count: 2 });
    expect(p.last).toMatchObject({ timezone: 'America/Los_Angeles', localTime: '18:00', count: 1 });
    expect(p.summary).toMatch(
      /^1 of 5 done \(20%\): 1 sent · 2 skipped \(no articles for topics markets: 1, subscriber unsubscribed since the freeze: 1\) · 4 deliveries later: next 07:00 Europe\/Berlin \(in \d+ h \d+ min\), last at 18:00 America\/Los_Angeles \(in \d+ h \d+ min\)$/,
    );

    // The API carries the same progress (read at the real clock, weeks after this test's send date).
    const app = await buildApp(c);
    cleanups.push(() => app.close());
    const res = await app.inject({
      url: `/api/editions/${EDITION}`,
      headers: { authorization: 'Bearer test-admin-token-0123456789' },
    });
    expect(res.statusCode).toBe(200);
    const api = res.json() as { progress: typeof p };
    expect(api.progress).toMatchObject({ done: 1, total: 5, skipped: 2, skipReasons: p.skipReasons });
  }, 60_000);
});

/**
 * The review gate (`reviewBeforeSend` in the publication file), on a real Redis, real workers and a
 * real SMTP server: the weekly run leaves a draft and mails the reviewers; nothing goes to readers
 * before an approval; an approval after the due hour sends at once, one before it at the due hour.
 * Time is the injected `now` the core takes; the tests wait for the mails they assert.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { startWorkers } from '../../src/app/start-workers.ts';
import { controlDeps } from '../../src/app/step-deps.ts';
import { previousEditionId } from '../../src/core/edition-window.ts';
import {
  approveEdition,
  editionDueTime,
  editionStatus,
  rebuildEdition,
  startSend,
} from '../../src/delivery/edition-control.ts';
import { SAMPLE_PUBLICATION_FILE } from '../../src/publication/load-publication.ts';
import { createTestContainer } from '../helpers/container.ts';
import { seedArticles } from '../helpers/delivery-fixtures.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';

const REVIEWER = 'editor@desk.example';

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanups.reverse()) await f();
  cleanups = [];
});

async function setup(): Promise<{ sink: SmtpSink; c: Container }> {
  const publication = JSON.parse(readFileSync(SAMPLE_PUBLICATION_FILE, 'utf8'));
  const file = join(mkdtempSync(join(tmpdir(), 'nd-review-')), 'publication.json');
  writeFileSync(
    file,
    JSON.stringify({ ...publication, sources: [], reviewBeforeSend: true, reviewers: [REVIEWER] }),
  );
  const sink = await startSmtpSink();
  const c = await createTestContainer({ smtpUrl: sink.url, env: { PUBLICATION_FILE: file } });
  cleanups.push(
    () => sink.stop(),
    () => c.close(),
  );
  return { sink, c };
}

/** Readers at the publication's own hour and timezone: their due time is the edition's. */
async function seedReaders(c: Container, n: number) {
  const created = await c.subscribers.createMany(
    Array.from({ length: n }, (_, i) => ({
      status: 'active' as const,
      email: `reader${i}@readers.example`,
      name: `Reader ${i}`,
      topics: [],
      timezone: c.publication.timezone,
      hour: c.publication.defaultHour,
      locale: 'en-GB',
    })),
    'import',
  );
  return created.map((r) => r.id!);
}

const readersAt = (sink: SmtpSink) => sink.messages.filter((m) => !m.envelopeTo.includes(REVIEWER));

describe('review gate', () => {
  it('a scheduled run leaves a draft and a notice; nothing reaches readers before approval; an approval after the due hour sends at once', async () => {
    const { sink, c } = await setup();
    const p = c.publication;
    const edition = previousEditionId(new Date(), p.timezone, p.weekStartsOn);
    await seedArticles(c, edition, 1);
    await seedReaders(c, 3);
    const w = await startWorkers(c, { workers: true, scheduler: false });
    cleanups.push(() => w.stop());

    await c.queues.collect.add('weekly', { chain: true });
    await sink.waitFor(1, 30_000);
    const notice = sink.messages[0]!;
    expect(notice.envelopeTo).toEqual([REVIEWER]);
    expect(notice.parsed.subject).toBe(`[Review] Orbit Weekly ${edition} is ready for review`);
    expect(notice.parsed.text).toContain(`https://digest.test/admin/editions/${edition}`);
    expect(notice.parsed.text).toContain(`digest approve ${edition}`);

    // The notice goes after the draft is committed; the chain stops there: no dispatch, no send job.
    const report = await editionStatus(controlDeps(c), edition, new Date());
    expect(report).toMatchObject({ status: 'draft', awaitingApproval: true, pending: 3, sent: 0 });
    expect(await c.queues.dispatch.getJob(`dispatch-${edition}`)).toBeUndefined();
    expect(await c.queues.send.getJobCounts('waiting', 'delayed', 'active', 'completed')).toEqual({
      waiting: 0,
      delayed: 0,
      active: 0,
      completed: 0,
    });
    await expect(
      startSend(controlDeps(c), edition, { immediate: true, force: true, now: new Date() }),
    ).rejects.toThrow(
      `edition ${edition} is waiting for approval (reviewBeforeSend): approve it with digest approve ${edition}`,
    );
    expect(readersAt(sink)).toHaveLength(0);

    // Approved two days after its due hour (every reader's hour has passed): sent at once.
    const due = editionDueTime(p, (await c.editions.get(edition))!);
    const late = new Date(due.getTime() + 2 * 86_400_000);
    const approved = await approveEdition(controlDeps(c), edition, 'test', {
      immediate: false,
      force: true,
      now: late,
    });
    expect(approved.dispatched).toBe(3);
    const delayed = await c.queues.send.getJobs(['delayed']);
    expect(delayed).toHaveLength(0);
    await sink.waitFor(4, 30_000);
    expect(
      readersAt(sink)
        .map((m) => m.envelopeTo[0])
        .sort(),
    ).toEqual(['reader0@readers.example', 'reader1@readers.example', 'reader2@readers.example']);
    const after = await editionStatus(controlDeps(c), edition, new Date());
    expect(after).toMatchObject({ awaitingApproval: false, approvedAt: late.toISOString() });
  });

  it('an approval before the due hour sends at the due hour, and the web version is public from then', async () => {
    const { sink, c } = await setup();
    const edition = '2026-W47';
    await seedArticles(c, edition, 1);
    await seedReaders(c, 2);
    const draft = await rebuildEdition(controlDeps(c), edition, new Date('2026-11-23T05:00:00Z'));
    const due = editionDueTime(c.publication, draft.edition);
    const w = await startWorkers(c, { workers: true, scheduler: false });
    cleanups.push(() => w.stop());

    // Three seconds before the due hour (as the core sees time): every delivery waits for it.
    const early = new Date(due.getTime() - 3000);
    const approvedAt = Date.now();
    const r = await approveEdition(controlDeps(c), edition, 'test', {
      immediate: false,
      force: false,
      now: early,
    });
    expect(r.dispatched).toBe(2);
    const stored = (await c.editions.get(edition))!;
    expect(stored).toMatchObject({ status: 'sending', publicFrom: due.toISOString() });
    const jobs = await c.queues.send.getJobs(['delayed', 'waiting', 'active', 'completed']);
    expect(jobs.map((j) => j.opts.delay)).toEqual([3000]);
    await sink.waitFor(2, 30_000);
    // The messages came when the delay was over, not before.
    expect(Date.now() - approvedAt).toBeGreaterThanOrEqual(3000);
    expect(readersAt(sink)).toHaveLength(2);
  });
});

/** Operator actions on an edition and the reconcile step, on a real Redis and SMTP server. */
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { startWorkers } from '../../src/app/start-workers.ts';
import { controlDeps, reconcileDeps } from '../../src/app/step-deps.ts';
import { cancelEdition, editionStatus, requeue, startSend } from '../../src/delivery/edition-control.ts';
import { reconcile } from '../../src/delivery/reconcile.ts';
import { testSend } from '../../src/delivery/test-send.ts';
import { UserError } from '../../src/errors/user-error.ts';
import { createTestContainer } from '../helpers/container.ts';
import { perRecipient, seedArticles, seedSubscribers } from '../helpers/delivery-fixtures.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';

const EDITION = '2026-W47';
const NOW = new Date('2026-11-24T09:00:00Z');
let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanups.reverse()) await f();
  cleanups = [];
});

async function setup(env: Record<string, string> = {}): Promise<{ sink: SmtpSink; c: Container }> {
  const sink = await startSmtpSink();
  const c = await createTestContainer({ smtpUrl: sink.url, env: { SEND_BATCH_SIZE: '20', ...env } });
  cleanups.push(
    () => sink.stop(),
    () => c.close(),
  );
  return { sink, c };
}

async function waitDone(c: Container, id = EDITION) {
  for (let i = 0; i < 600; i++) {
    const r = await editionStatus(controlDeps(c), id, new Date());
    if (r.status !== 'sending') return r;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('still sending');
}

describe('edition control', () => {
  it('refuses an edition of the current week, or one older than MAX_EDITION_AGE_DAYS, without --force', async () => {
    const { c } = await setup({ MAX_EDITION_AGE_DAYS: '6' });
    await seedArticles(c, '2026-W40', 1);
    await expect(
      startSend(controlDeps(c), '2026-W48', { immediate: true, force: false, now: NOW }),
    ).rejects.toThrow(/not over yet.*--force/);
    // 2026-W40's send date was Monday 5 October: seven weeks before NOW.
    const old = startSend(controlDeps(c), '2026-W40', { immediate: true, force: false, now: NOW });
    await expect(old).rejects.toBeInstanceOf(UserError);
    await expect(old).rejects.toThrow(/was due 50 days ago.*MAX_EDITION_AGE_DAYS=6.*--force/);
    expect((await c.editions.get('2026-W40'))?.status).toBe('draft');
  });

  it('cancel turns every delivery not yet sent into cancelled, and nothing is sent afterwards', async () => {
    const { sink, c } = await setup();
    await seedArticles(c, EDITION, 1);
    await seedSubscribers(c, 30);
    await startSend(controlDeps(c), EDITION, { immediate: true, force: false, now: NOW });
    expect(await cancelEdition(controlDeps(c), EDITION, NOW)).toBe(30);
    const w = await startWorkers(c, { workers: true, scheduler: false });
    cleanups.push(() => w.stop());
    await new Promise((r) => setTimeout(r, 1000));
    const r = await editionStatus(controlDeps(c), EDITION, new Date());
    expect(r).toMatchObject({ status: 'cancelled', cancelled: 30, sent: 0, pending: 0 });
    expect(sink.messages).toHaveLength(0);
    await expect(cancelEdition(controlDeps(c), EDITION, NOW)).rejects.toThrow(
      /cannot be cancelled \(cancelled\)/,
    );
  });

  it('retry sends the failed again; resend-uncertain resends on purpose with the same Message-ID', async () => {
    const { sink, c } = await setup();
    await seedArticles(c, EDITION, 1);
    const subs = await seedSubscribers(c, 6);
    const rejected = subs[0]!.email;
    const dropped = subs[1]!.email;
    sink.behaviour.onData = (to) => (to.includes(rejected) ? 554 : to.includes(dropped) ? 'drop' : undefined);
    const w = await startWorkers(c, { workers: true, scheduler: false });
    cleanups.push(() => w.stop());
    await startSend(controlDeps(c), EDITION, { immediate: true, force: false, now: NOW });
    const first = await waitDone(c);
    expect(first).toMatchObject({ sent: 4, failed: 1, uncertain: 1 });

    sink.behaviour.onData = undefined;
    expect(await requeue(controlDeps(c), EDITION, 'failed', new Date())).toBe(1);
    expect((await waitDone(c)).failed).toBe(0);
    expect(await requeue(controlDeps(c), EDITION, 'uncertain', new Date())).toBe(1);
    const done = await waitDone(c);
    expect(done).toMatchObject({ status: 'sent', sent: 6, failed: 0, uncertain: 0 });
    const counts = perRecipient(sink.messages);
    expect(counts.get(rejected)).toBe(1);
    expect(counts.get(dropped)).toBe(1);
    const resent = sink.messages.find((m) => m.envelopeTo.includes(dropped))!;
    expect(resent.parsed.messageId).toBe(`<${EDITION}.${subs[1]!.id}@orbit-weekly.example>`);
  });

  it("retry of a send at the readers' hours: readers whose hour has not come keep waiting", async () => {
    const { sink, c } = await setup();
    await seedArticles(c, EDITION, 1);
    // Hours 0-5 in Berlin, New York, Tokyo, UTC, Sydney and Los Angeles on Monday 23 November: at
    // 04:00 UTC four are due already; New York (06:00 UTC) and Los Angeles (13:00 UTC) are not.
    const subs = await seedSubscribers(c, 6);
    const later = new Set([subs[1]!.id, subs[5]!.id]);
    const at = new Date('2026-11-23T04:00:00Z');
    sink.behaviour.onData = () => 554;
    const w = await startWorkers(c, { workers: true, scheduler: false });
    cleanups.push(() => w.stop());
    await startSend(controlDeps(c), EDITION, { immediate: false, force: false, now: at });
    for (let i = 0; i < 600 && (await c.ledger.counts(EDITION)).failed < 4; i++) {
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(await c.ledger.counts(EDITION)).toMatchObject({ failed: 4, pending: 2 });

    sink.behaviour.onData = undefined;
    expect(await requeue(controlDeps(c), EDITION, 'failed', at)).toBe(4);
    // Every send job that names a later reader waits for that reader's hour, the retry's included.
    const jobs = await c.queues.send.getJobs(['wait', 'active', 'delayed', 'completed', 'prioritized']);
    const naming = jobs.filter((j) => j.data.subscriberIds.some((id: string) => later.has(id)));
    expect(naming.length).toBeGreaterThanOrEqual(2);
    for (const j of naming) expect(j.opts.delay ?? 0).toBeGreaterThan(0);
    // The four retried ones go now.
    for (let i = 0; i < 600 && (await c.ledger.counts(EDITION)).sent < 4; i++) {
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(await c.ledger.counts(EDITION)).toMatchObject({ sent: 4, failed: 0, pending: 2 });
  });

  it('test-send mails one copy of a variant and never touches the ledger', async () => {
    const { sink, c } = await setup();
    await seedArticles(c, EDITION, 1);
    await seedSubscribers(c, 3);
    await startSend(controlDeps(c), EDITION, { immediate: true, force: false, now: NOW });
    const before = await c.ledger.counts(EDITION);
    const r = await testSend({ ...c, templatesDir: c.config.templatesDir }, EDITION, {
      to: 'Editor <editor@orbit-weekly.example>',
      topics: ['lunar'],
      now: NOW,
    });
    expect(r.variant).toBe('lunar@en-GB'); // topics, then the language (issue 23)
    expect(sink.messages).toHaveLength(1);
    expect(sink.messages[0]!.parsed.subject).toMatch(/^\[Test\] /);
    expect(sink.messages[0]!.parsed.text).not.toContain('Markets story');
    expect(await c.ledger.counts(EDITION)).toEqual(before);
    await expect(
      testSend({ ...c, templatesDir: undefined }, EDITION, { to: 'nobody', topics: [], now: NOW }),
    ).rejects.toThrow(/is not an email address/);
    await expect(
      testSend({ ...c, templatesDir: undefined }, EDITION, { to: 'a@b.example', topics: ['mars'], now: NOW }),
    ).rejects.toThrow(/unknown topic/);
  });

  it('reconcile re-dispatches pending deliveries whose jobs are gone and expires stale claims', async () => {
    const { sink, c } = await setup();
    await seedArticles(c, EDITION, 1);
    const subs = await seedSubscribers(c, 25);
    await startSend(controlDeps(c), EDITION, { immediate: true, force: false, now: NOW });
    // Lose every job (as a Redis restart without the queue's keys would), and leave one stale claim.
    await c.queues.send.obliterate({ force: true });
    expect(await c.ledger.claim(EDITION, subs[0]!.id, { jobId: 'dead-job', run: 'x' }, NOW)).toBe('claimed');
    const later = new Date(Date.now() + 10 * 60_000);
    const [report] = await reconcile(reconcileDeps(c), later);
    expect(report).toMatchObject({ editionId: EDITION, expiredClaims: 1, redispatched: 24 });
    const w = await startWorkers(c, { workers: true, scheduler: false });
    cleanups.push(() => w.stop());
    const done = await waitDone(c);
    expect(done).toMatchObject({ status: 'sent', sent: 24, uncertain: 1 });
    expect(perRecipient(sink.messages).has(subs[0]!.email)).toBe(false);
    // Nothing left to repair.
    expect(await reconcile(reconcileDeps(c), later)).toEqual([]);
  });

  it('signs with DKIM over List-Unsubscribe and List-Unsubscribe-Post when a key is configured', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyFile = join(tmpdir(), `nd-dkim-${Date.now()}.pem`);
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs1', format: 'pem' }));
    const { sink, c } = await setup({
      DKIM_DOMAIN: 'orbit-weekly.example',
      DKIM_SELECTOR: 'nd',
      DKIM_PRIVATE_KEY_FILE: keyFile,
    });
    await seedArticles(c, EDITION, 1);
    await seedSubscribers(c, 2);
    const w = await startWorkers(c, { workers: true, scheduler: false });
    cleanups.push(() => w.stop());
    await startSend(controlDeps(c), EDITION, { immediate: true, force: false, now: NOW });
    await waitDone(c);
    const sig = sink.messages[0]!.parsed.headerLines.find((h) => h.key === 'dkim-signature')?.line ?? '';
    const h =
      /\bh=([^;]+)/
        .exec(sig.replace(/\r?\n\s+/g, ''))?.[1]
        ?.toLowerCase()
        .split(':') ?? [];
    expect(sig).toMatch(/d=orbit-weekly\.example/);
    expect(h).toEqual(
      expect.arrayContaining(['from', 'subject', 'message-id', 'list-unsubscribe', 'list-unsubscribe-post']),
    );
  });
  it('with --now, full batches are queued page by page while the ledger is read: the same jobs, in order', async () => {
    const { c } = await setup({ SEND_BATCH_SIZE: '300' });
    await seedArticles(c, EDITION, 1);
    await seedSubscribers(c, 2500);
    const deps = controlDeps(c);
    // Counts the queued send jobs each time the dispatch reads a page of the ledger (no worker runs).
    const queuedAtScan: number[] = [];
    const ledger = Object.create(deps.ledger) as typeof deps.ledger;
    ledger.scan = async (...args) => {
      queuedAtScan.push(await c.queues.send.count());
      return deps.ledger.scan(...args);
    };
    const r = await startSend({ ...deps, ledger }, EDITION, { immediate: true, force: true, now: NOW });

    expect(queuedAtScan.length).toBeGreaterThan(1);
    expect(queuedAtScan[0]).toBe(0);
    // Before the last page was read, the first pages' full batches were already waiting for a worker.
    expect(queuedAtScan.at(-1)).toBeGreaterThan(0);
    const jobs = await c.queues.send.getJobs(['waiting', 'delayed', 'prioritized']);
    const n = (id: string | undefined) => Number(id?.split('-').at(-1));
    jobs.sort((a, b) => n(a.id) - n(b.id));
    expect(jobs.map((j) => n(j.id))).toEqual(Array.from({ length: 9 }, (_, i) => i + 1));
    // 2,500 recipients in batches of 300: eight full ones, the rest last; each recipient once.
    expect(jobs.map((j) => j.data.subscriberIds.length)).toEqual([
      300, 300, 300, 300, 300, 300, 300, 300, 100,
    ]);
    expect(new Set(jobs.flatMap((j) => j.data.subscriberIds)).size).toBe(2500);
    expect(r.dispatched).toBe(2500);
    expect(await c.editions.lastDispatch(EDITION)).toEqual({ generation: expect.any(Number), jobs: 9 });
  });
});

/**
 * The delivery engine on a real Redis and real SMTP servers: exactly once per eligible subscriber,
 * faults sorted by SMTP code, pause on authentication failure, unsubscribes that win over the claim.
 */
import type { Job } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { type RunningWorkers, startWorkers } from '../../src/app/start-workers.ts';
import { controlDeps, reconcileDeps } from '../../src/app/step-deps.ts';
import {
  type EditionStatusReport,
  editionStatus,
  resumeEdition,
  startSend,
} from '../../src/delivery/edition-control.ts';
import { reconcile } from '../../src/delivery/reconcile.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { QUEUES } from '../../src/queues/queue-names.ts';
import { editionKeys } from '../../src/redis/key-layout.ts';
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

async function setup(
  env: Record<string, string> = {},
  sinkUrl?: (s: SmtpSink) => string,
  logs?: Array<Record<string, unknown>>,
) {
  const sink = await startSmtpSink();
  const logger = logs
    ? createLogger({ level: 'info', pretty: false }, { write: (line: string) => logs.push(JSON.parse(line)) })
    : undefined;
  const c = await createTestContainer({
    smtpUrl: sinkUrl ? sinkUrl(sink) : sink.url,
    env: { SEND_BATCH_SIZE: '50', ...env },
    ...(logger ? { logger } : {}),
  });
  cleanups.push(
    () => sink.stop(),
    () => c.close(),
  );
  return { sink, c };
}

async function workers(c: Container): Promise<RunningWorkers> {
  const w = await startWorkers(c, { workers: true, scheduler: false });
  cleanups.push(() => w.stop());
  return w;
}

/**
 * How the send worker's next job ends: its own `completed` or `failed` event (a failure that will be
 * retried fires `failed` on the worker; the queue's event stream says only `delayed` then).
 */
function nextSendOutcome(w: RunningWorkers): Promise<{ job: Job; outcome: string; reason?: string }> {
  const send = w.workers.find((x) => x.name === QUEUES.send)!;
  return new Promise((resolve) => {
    send.once('completed', (job) => resolve({ job, outcome: 'completed' }));
    send.once('failed', (job, err) => resolve({ job: job!, outcome: 'failed', reason: err.message }));
  });
}

/** Until no send job waits, runs or is delayed for a retry: every batch has finished for good. */
async function sendJobsSettled(c: Container, timeoutMs = 30_000): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const counts = await c.queues.send.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    if (Object.values(counts).every((n) => n === 0)) return;
    if (Date.now() - t0 > timeoutMs) throw new Error(`send jobs still live: ${JSON.stringify(counts)}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

async function waitDone(c: Container, id = EDITION, timeoutMs = 60_000): Promise<EditionStatusReport> {
  const t0 = Date.now();
  for (;;) {
    const r = await editionStatus(controlDeps(c), id, new Date());
    if (r.status !== 'sending') return r;
    if (Date.now() - t0 > timeoutMs) throw new Error(`edition still sending: ${JSON.stringify(r)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

describe('delivery engine', () => {
  it('1,000 subscribers over 4 topic sets and 6 timezones: each eligible one gets exactly one message', async () => {
    const { sink, c } = await setup();
    await seedArticles(c, EDITION);
    const statuses = [
      'active',
      'active',
      'active',
      'active',
      'active',
      'active',
      'pending',
      'unsubscribed',
      'bounced',
      'complained',
    ] as const;
    const subs = await seedSubscribers(c, 1000, (i) => statuses[i % statuses.length]!);
    const active = subs.filter((s) => s.status === 'active');
    await workers(c);
    // A second worker set (another "process" on the same Redis) competes for the same jobs.
    const other = await createTestContainer({ smtpUrl: sink.url, env: { REDIS_PREFIX: c.prefix } });
    cleanups.push(() => other.close());
    await workers(other);

    const first = await startSend(controlDeps(c), EDITION, { immediate: true, force: false, now: NOW });
    const again = await startSend(controlDeps(c), EDITION, { immediate: true, force: false, now: NOW });
    expect(again.alreadyStarted).toBe(true);
    expect(first.edition.recipientCount).toBe(active.length);
    const report = await waitDone(c);

    const counts = perRecipient(sink.messages);
    expect(sink.messages).toHaveLength(active.length);
    for (const s of active) expect(counts.get(s.email), s.email).toBe(1);
    for (const s of subs.filter((x) => x.status !== 'active')) expect(counts.has(s.email)).toBe(false);
    expect(report.status).toBe('sent');
    expect(report.sent + report.skipped + report.bounced + report.uncertain + report.failed).toBe(
      report.eligible,
    );
    expect(report.sent).toBe(active.length);

    // Variants: {lunar} and {lunar, launch} get different bodies; no topics means everything.
    const bodyOf = (topicsIndex: number) =>
      sink.messages.find(
        (m) => m.envelopeTo[0] === subs.find((s, i) => i % 4 === topicsIndex && s.status === 'active')!.email,
      )!.parsed.text!;
    expect(bodyOf(0)).not.toBe(bodyOf(1));
    expect(bodyOf(1)).toContain('Launch story');
    expect(bodyOf(0)).not.toContain('Launch story');
    expect(bodyOf(3)).toContain('Markets story');

    // Headers of every digest.
    const m = sink.messages[0]!.parsed;
    expect(m.messageId).toMatch(new RegExp(`^<${EDITION}\\.[^@]+@orbit-weekly\\.example>$`));
    expect(m.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line).toBe(
      'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
    );
    expect(m.headerLines.find((h) => h.key === 'list-unsubscribe')?.line).toMatch(
      /https:\/\/digest\.test\/u\/[\w-]+\.[\w-]+/,
    );
    expect(m.headerLines.find((h) => h.key === 'list-id')?.line).toMatch(
      /^List-Id: "Orbit Weekly" <orbit-weekly\.orbit-weekly\.example>$/,
    );
    expect(m.html).toBeTruthy();
    expect(m.text).toBeTruthy();

    // Triggering again after it finished dispatches nothing: no new generation of send jobs, and no
    // send job left that could still run.
    const lastDispatch = await c.editions.lastDispatch(EDITION);
    const repeat = await startSend(controlDeps(c), EDITION, { immediate: true, force: false, now: NOW });
    expect(repeat).toMatchObject({ alreadyStarted: true, dispatched: 0 });
    expect(await c.editions.lastDispatch(EDITION)).toEqual(lastDispatch);
    await sendJobsSettled(c);
    expect(sink.messages).toHaveLength(active.length);
  }, 120_000);

  it('a worker claims no more recipients at once than it has SMTP connections, across all its batches', async () => {
    // 4 batches at once with 2 connections: without a process-wide limit, 4 × 2 lanes would claim.
    const { sink, c } = await setup({
      SMTP_MAX_CONNECTIONS: '2',
      WORKER_CONCURRENCY: '4',
      SEND_BATCH_SIZE: '20',
    });
    await seedArticles(c, EDITION, 1);
    const subs = await seedSubscribers(c, 300);
    await workers(c);
    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, (await c.ledger.counts(EDITION)).sending);
        await new Promise((r) => setImmediate(r));
      }
    })();
    await startSend(controlDeps(c), EDITION, { immediate: true, force: false, now: NOW });
    const report = await waitDone(c);
    sampling = false;
    await sampler;
    expect(report.sent).toBe(300);
    expect(perRecipient(sink.messages).size).toBe(subs.length);
    // A claimed recipient is `sending` until recorded (an accepted one rides with its lane's next claim).
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(2);
  }, 120_000);

  it('451 to 10% of messages: everybody still gets exactly one copy', async () => {
    const { sink, c } = await setup();
    await seedArticles(c, EDITION, 1);
    const subs = await seedSubscribers(c, 200);
    const refused = new Set<string>();
    sink.behaviour.onRcpt = (address) => {
      const n = Number(/reader(\d+)@/.exec(address)?.[1]);
      if (n % 10 === 3 && !refused.has(address)) {
        refused.add(address);
        return 451;
      }
      return undefined;
    };
    await workers(c);
    await startSend(controlDeps(c), EDITION, { immediate: true, force: false, now: NOW });
    const report = await waitDone(c);
    expect(refused.size).toBe(20);
    const counts = perRecipient(sink.messages);
    for (const s of subs) expect(counts.get(s.email), s.email).toBe(1);
    expect(report.sent).toBe(200);
  }, 120_000);

  it('550 for some addresses: bounced and suppressed, not mailed the next week', async () => {
    const { sink, c } = await setup();
    await seedArticles(c, '2026-W46', 1);
    await seedArticles(c, EDITION, 1);
    const subs = await seedSubscribers(c, 60);
    const bad = new Set(subs.filter((_, i) => i % 6 === 0).map((s) => s.email));
    sink.behaviour.onRcpt = (address) => (bad.has(address) ? 550 : undefined);
    await workers(c);
    await startSend(controlDeps(c), '2026-W46', { immediate: true, force: true, now: NOW });
    const first = await waitDone(c, '2026-W46');
    expect(first.bounced).toBe(bad.size);
    expect(first.sent).toBe(60 - bad.size);
    for (const email of bad) {
      const s = await c.subscribers.getByEmail(email);
      expect(s?.status).toBe('bounced');
      expect(await c.subscribers.isSuppressed(email)).toBe(true);
    }
    sink.behaviour.onRcpt = undefined;
    sink.messages.length = 0;
    const next = await startSend(controlDeps(c), EDITION, { immediate: true, force: false, now: NOW });
    expect(next.edition.recipientCount).toBe(60 - bad.size);
    await waitDone(c);
    const counts = perRecipient(sink.messages);
    for (const email of bad) expect(counts.has(email)).toBe(false);
    expect(sink.messages).toHaveLength(60 - bad.size);
  }, 120_000);

  it('535 on AUTH pauses the edition without suppressing anybody; resume completes it', async () => {
    const { sink, c } = await setup({}, (s) => `smtp://digest:secret@127.0.0.1:${s.port}`);
    sink.behaviour.auth = { user: 'digest', pass: 'other-secret' };
    await seedArticles(c, EDITION, 1);
    const subs = await seedSubscribers(c, 30);
    await workers(c);
    await startSend(controlDeps(c), EDITION, { immediate: true, force: false, now: NOW });
    const paused = await waitDone(c);
    expect(paused.status).toBe('paused');
    expect(paused.pausedReason).toMatch(/EAUTH|535/);
    expect(paused.bounced).toBe(0);
    expect(sink.messages).toHaveLength(0);
    for (const s of subs) expect((await c.subscribers.get(s.id))?.status).toBe('active');

    sink.behaviour.auth = { user: 'digest', pass: 'secret' }; // the relay is fixed
    await resumeEdition(controlDeps(c), EDITION, new Date(), true);
    const done = await waitDone(c);
    expect(done.status).toBe('sent');
    expect(done.sent).toBe(30);
    expect(perRecipient(sink.messages).size).toBe(30);
  }, 120_000);

  it('a subscriber who unsubscribes before their claim gets nothing (skipped, reason recorded)', async () => {
    const { sink, c } = await setup();
    await seedArticles(c, EDITION, 1);
    const subs = await seedSubscribers(c, 40);
    // Dispatched, but no worker yet: the claims have not happened.
    await startSend(controlDeps(c), EDITION, { immediate: true, force: false, now: NOW });
    const leaving = subs.slice(0, 10);
    for (const s of leaving) await c.subscribers.unsubscribe(s.id, 'link');
    await workers(c);
    const report = await waitDone(c);
    const counts = perRecipient(sink.messages);
    for (const s of leaving) expect(counts.has(s.email)).toBe(false);
    expect(report.skipped).toBe(10);
    expect(report.sent).toBe(30);
    expect((await c.ledger.detailOf(EDITION, leaving[0]!.id))?.reason).toMatch(/unsubscribed/);
  }, 60_000);

  it('a batch whose edition cannot be loaded fails, logged and retried, instead of completing empty', async () => {
    const logs: Array<Record<string, unknown>> = [];
    const { sink, c } = await setup({}, undefined, logs);
    await seedArticles(c, EDITION, 1);
    const subs = await seedSubscribers(c, 5);
    // Dispatched with no worker yet; then the stored variant becomes unreadable (a bad write).
    await startSend(controlDeps(c), EDITION, { immediate: true, force: false, now: NOW });
    const variantsKey = editionKeys(c.prefix, EDITION).variants;
    const good = (await c.redis.hget(variantsKey, '0'))!;
    await c.redis.hset(variantsKey, '0', '{"key":"lunar","html":');
    const w = await workers(c);
    const first = await nextSendOutcome(w);
    expect(first.outcome).toBe('failed');
    expect(first.reason).toMatch(/^edition 2026-W47 could not be loaded: /);
    // Failed, not for good: attempts are left and the job waits for its retry (or runs it already).
    expect(first.job.attemptsMade).toBeLessThan(first.job.opts.attempts!);
    expect(['delayed', 'waiting', 'active']).toContain(await first.job.getState());
    expect(logs.find((l) => l.event === 'job.failed')).toMatchObject({
      queue: 'send',
      job: first.job.id,
      edition: EDITION,
      code: 'ELOAD',
      reason: first.reason,
    });
    for (const sub of subs) expect(await c.ledger.stateOf(EDITION, sub.id)).toBe('pending');
    expect(sink.messages).toHaveLength(0);

    // The store is repaired: the retry loads the edition and everybody gets their digest once.
    await c.redis.hset(variantsKey, '0', good);
    const report = await waitDone(c);
    expect(report.sent).toBe(5);
    expect(perRecipient(sink.messages).size).toBe(5);
  }, 60_000);

  it('a connection dropped after the final "." leaves the delivery uncertain and it is not resent', async () => {
    const { sink, c } = await setup();
    await seedArticles(c, EDITION, 1);
    const subs = await seedSubscribers(c, 5);
    const victim = subs[2]!.email;
    sink.behaviour.onData = (to) => (to.includes(victim) ? 'drop' : undefined);
    await workers(c);
    await startSend(controlDeps(c), EDITION, { immediate: true, force: false, now: NOW });
    const report = await waitDone(c);
    expect(report.uncertain).toBe(1);
    expect(report.sent).toBe(4);
    expect(await c.ledger.stateOf(EDITION, subs[2]!.id)).toBe('uncertain');
    // Every send job has finished (none waits for a retry), and a reconcile pass redispatches nobody:
    // nothing is left that could send the uncertain one again.
    await sendJobsSettled(c);
    expect(await reconcile(reconcileDeps(c), new Date())).toEqual([]);
    expect(await c.ledger.stateOf(EDITION, subs[2]!.id)).toBe('uncertain');
    expect(perRecipient(sink.messages).has(victim)).toBe(false);
  }, 60_000);

  it('a connection dropped before DATA is retried and the message arrives exactly once', async () => {
    const { sink, c } = await setup();
    await seedArticles(c, EDITION, 1);
    const subs = await seedSubscribers(c, 5);
    const victim = subs[1]!.email;
    let drops = 0;
    sink.behaviour.onRcpt = (address) => (address === victim && drops++ === 0 ? 'drop' : undefined);
    await workers(c);
    await startSend(controlDeps(c), EDITION, { immediate: true, force: false, now: NOW });
    const report = await waitDone(c);
    expect(drops).toBeGreaterThanOrEqual(2);
    expect(report.sent).toBe(5);
    expect(report.uncertain).toBe(0);
    expect(perRecipient(sink.messages).get(victim)).toBe(1);
  }, 60_000);
});

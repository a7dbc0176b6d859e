/** The scheduled path: a `weekly` job collects every source, then builds and dispatches last week's edition. */
import type { Job } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { type RunningWorkers, startWorkers } from '../../src/app/start-workers.ts';
import { previousEditionId } from '../../src/core/edition-window.ts';
import { createTestContainer } from '../helpers/container.ts';
import { seedArticles, seedSubscribers } from '../helpers/delivery-fixtures.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';

let sink: SmtpSink;
let c: Container;
let workers: RunningWorkers;
afterAll(async () => {
  await workers?.stop();
  await c?.close();
  await sink?.stop();
});

/**
 * A collect job's return value, once it has completed (throws if it failed or never finishes). Read
 * from the job's state, not from QueueEvents: `waitUntilFinished` missed the completion of this fast job
 * once in four runs under load (it checks, then its event reader starts at the stream's end).
 */
async function finished(job: Job, timeoutMs = 30_000): Promise<unknown> {
  const t0 = Date.now();
  for (;;) {
    const state = await job.getState();
    if (state === 'completed') return (await c.queues.collect.getJob(job.id!))?.returnvalue;
    if (state === 'failed')
      throw new Error(`job ${job.name} failed: ${(await c.queues.collect.getJob(job.id!))?.failedReason}`);
    if (Date.now() - t0 > timeoutMs) {
      const counts = await c.queues.collect.getJobCounts();
      throw new Error(`job ${job.name} (${job.id}) still ${state}: ${JSON.stringify(counts)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Until no job of the chain's queues waits, runs, is delayed or waits for its children. */
async function queuesSettled(container: Container, timeoutMs = 30_000): Promise<void> {
  const queues = [container.queues.collect, container.queues.build, container.queues.dispatch];
  const t0 = Date.now();
  for (;;) {
    const counts = await Promise.all(
      queues.map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children')),
    );
    if (counts.every((n) => Object.values(n).every((v) => v === 0))) return;
    if (Date.now() - t0 > timeoutMs) throw new Error(`jobs still live: ${JSON.stringify(counts)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('weekly chain', () => {
  it('collect → build → dispatch runs from one weekly job, and a second weekly job builds nothing new', async () => {
    sink = await startSmtpSink();
    c = await createTestContainer({ smtpUrl: sink.url });
    const now = new Date();
    const editionId = previousEditionId(now, c.publication.timezone, c.publication.weekStartsOn);
    await seedArticles(c, editionId, 1);
    await seedSubscribers(c, 12);
    workers = await startWorkers(c, { workers: true, scheduler: false });
    await c.queues.collect.add('weekly', { chain: true });
    let edition = await c.editions.get(editionId);
    for (let i = 0; i < 300 && (!edition || edition.status === 'draft'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      edition = await c.editions.get(editionId);
    }
    expect(edition?.recipientCount).toBe(12);
    expect(['sending', 'sent']).toContain(edition?.status);
    // The bundled sample feed was registered and collected as the flow's child job.
    const sources = await c.sources.list();
    expect(sources.length).toBeGreaterThan(0);
    expect((await c.articles.listRecent(100)).length).toBeGreaterThan(8);

    // The second weekly job: wait until it has run (its answer names the edition) and until nothing it
    // may have queued (collect children, the build parent, a dispatch) is still waiting or running.
    const again = await c.queues.collect.add('weekly', { chain: true });
    expect(await finished(again)).toEqual({ editionId, sources: sources.length });
    await queuesSettled(c);
    expect((await c.editions.list(10)).filter((e) => e.id === editionId)).toHaveLength(1);
    expect((await c.editions.get(editionId))?.builtAt).toBe(edition?.builtAt);
  }, 60_000);
});

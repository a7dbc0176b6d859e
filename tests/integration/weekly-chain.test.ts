/** The scheduled path: a `weekly` job collects every source, then builds and dispatches last week's edition. */
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
    for (let i = 0; i < 300 && (!edition || edition.status === 'built'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      edition = await c.editions.get(editionId);
    }
    expect(edition?.recipientCount).toBe(12);
    expect(['sending', 'sent']).toContain(edition?.status);
    // The bundled sample feed was registered and collected as the flow's child job.
    const sources = await c.sources.list();
    expect(sources.length).toBeGreaterThan(0);
    expect((await c.articles.listRecent(100)).length).toBeGreaterThan(8);

    await c.queues.collect.add('weekly', { chain: true });
    await new Promise((r) => setTimeout(r, 1500));
    expect((await c.editions.list(10)).filter((e) => e.id === editionId)).toHaveLength(1);
    expect((await c.editions.get(editionId))?.builtAt).toBe(edition?.builtAt);
  }, 60_000);
});

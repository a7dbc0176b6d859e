/**
 * First start of the demo (the bundled sample publication) on an empty data dir: register the publication's sources, collect them, import the
 * bundled demo subscribers (with the operator's consent, as `--confirmed` would) and send the newest
 * edition that has articles to them, into the outbox. Everything goes through the same steps a real
 * week takes; nothing is special-cased for the demo except choosing the edition.
 */
import { createReadStream, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { collectAll } from '../collect/collect-all.ts';
import { editionIdFor } from '../core/edition-window.ts';
import { startSend } from '../delivery/edition-control.ts';
import { SAMPLE_PUBLICATION_FILE } from '../publication/load-publication.ts';
import { importSubscribersCsv } from '../subscribers/csv-import.ts';
import type { Container } from './container.ts';
import { collectDeps, controlDeps } from './step-deps.ts';

export interface SeedReport {
  articles: number;
  subscribers: number;
  edition: string | undefined;
  queued: number;
}

/**
 * Seeds only the bundled sample (an operator's own publication file never gets demo subscribers or
 * an edition sent on its first start), and only when there are no subscribers and no sources yet.
 */
export async function seedSampleIfEmpty(c: Container, now: Date): Promise<SeedReport | undefined> {
  if (c.publicationFile !== SAMPLE_PUBLICATION_FILE) return undefined;
  const counts = await c.subscribers.counts();
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  if (total > 0 || (await c.sources.list()).length > 0) return undefined;

  // collectAll registers the publication's seed sources on its first run.
  const collected = await collectAll(collectDeps(c), now);
  const articles = collected.reduce((n, r) => n + r.new + r.updated, 0);

  const csv = join(dirname(SAMPLE_PUBLICATION_FILE), 'subscribers.csv');
  let subscribers = 0;
  if (existsSync(csv)) {
    const report = await importSubscribersCsv(
      createReadStream(csv),
      { store: c.subscribers, publication: c.publication },
      { confirmed: true, now },
    );
    subscribers = report.imported;
  }

  // The newest week with articles: for the bundled sample, the week its articles were published.
  const newest = (await c.articles.listInWindow(new Date(0), now))[0];
  if (!newest) return { articles, subscribers, edition: undefined, queued: 0 };
  const edition = editionIdFor(
    new Date(newest.publishedAt),
    c.publication.timezone,
    c.publication.weekStartsOn,
  );
  const sent = await startSend(controlDeps(c), edition, { immediate: true, force: true, now });
  return { articles, subscribers, edition, queued: sent.dispatched };
}

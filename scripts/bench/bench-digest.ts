/**
 * The digest every pipeline of the benchmark sends: the fixture week of space articles, twice over
 * (new ids and titles for the second copy), moved into the edition's window, so that the compiled
 * variants weigh about 50-110 KB (about 80 KB on average over the topic sets below). The naive
 * pipeline, the transport ceiling and ours all send this same digest.
 */
import { editionWindow } from '../../src/core/edition-window.ts';
import type { Article } from '../../src/domain/article.ts';
import type { Publication } from '../../src/domain/publication.ts';
import { FIXTURE_EDITION, friendlyArticles } from '../../tests/fixtures/articles.ts';

/** Subscriber i gets TOPIC_SETS[i % 5] ([] = every topic). */
export const TOPIC_SETS: string[][] = [
  ['lunar'],
  ['lunar', 'launch'],
  ['policy', 'markets'],
  ['launch', 'markets'],
  [],
];

/** Subscriber i gets TIMEZONES[i % 6]; with `--now` the hour does not matter, but dispatch computes it. */
export const TIMEZONES = [
  'Europe/Berlin',
  'America/New_York',
  'Asia/Tokyo',
  'UTC',
  'Australia/Sydney',
  'America/Los_Angeles',
];

const COPIES = 2;

/** The benchmark's articles, dated inside `editionId`'s window of `publication`. */
export function benchArticles(editionId: string, publication: Publication): Article[] {
  const { start } = editionWindow(editionId, publication.timezone, publication.weekStartsOn);
  const shift = start.getTime() - Date.parse(FIXTURE_EDITION.windowStart);
  const move = (iso: string, extraMs: number) => new Date(Date.parse(iso) + shift + extraMs).toISOString();
  const base = friendlyArticles();
  const out: Article[] = [];
  for (let k = 0; k < COPIES; k++) {
    for (const a of base) {
      const suffix = k === 0 ? '' : `-${k}`;
      out.push({
        ...a,
        id: `${a.id}${suffix}`,
        guid: `${a.guid}${suffix}`,
        url: `${a.url}${suffix}`,
        title: k === 0 ? a.title : `${a.title} (part ${k + 1})`,
        publishedAt: move(a.publishedAt, k * 3_600_000),
        firstSeenAt: move(a.firstSeenAt, k * 3_600_000),
        updatedAt: move(a.updatedAt, k * 3_600_000),
        contentHash: `${a.contentHash}${suffix}`,
      });
    }
  }
  return out;
}

/** A recipient of the benchmark's list (the same addresses for every pipeline). */
export const benchAddress = (i: number) => `reader${i}@bench.example`;
export const benchName = (i: number) => `Reader ${i}`;

/**
 * The collect step for one source: fetch (conditionally) → decode → parse → normalise → store.
 * Never throws: every failure becomes the source's report (with `retryable` for the worker), and
 * articles already stored are left as they are.
 */
import type { ArticleStore } from '../articles/article-store.ts';
import type { Publication } from '../domain/publication.ts';
import { decodeFeed } from '../feeds/decode-feed.ts';
import { FeedError } from '../feeds/feed-error.ts';
import type { FeedFetcher } from '../feeds/fetch-feed.ts';
import { normaliseEntry } from '../feeds/normalise-entry.ts';
import { MAX_FEED_ITEMS, parseFeedText } from '../feeds/parse-feed.ts';
import type { Logger } from '../logging/logger.ts';
import type { Source } from '../sources/source.ts';
import type { SourceStore } from '../sources/source-store.ts';
import type { SourceReport } from './collect-report.ts';

export interface CollectDeps {
  sources: SourceStore;
  articles: ArticleStore;
  fetchFeed: FeedFetcher;
  publication: Publication;
  logger?: Logger;
  /** This server's public URL: the base of a local feed file's relative image addresses. */
  publicUrl?: string;
  /** Sources collected at once by collectAll. Default 4. */
  concurrency?: number;
}

/** Item-level reasons kept in a report (a broken feed can have hundreds). */
const MAX_ITEM_ERRORS = 20;

export async function collectSource(deps: CollectDeps, source: Source, now: Date): Promise<SourceReport> {
  const started = performance.now();
  const report: SourceReport = {
    sourceId: source.id,
    url: source.url,
    status: 'ok',
    new: 0,
    updated: 0,
    unchanged: 0,
    refused: 0,
    truncated: undefined,
    errors: [],
    errorCode: undefined,
    retryable: false,
  };
  let validators: { etag: string | undefined; lastModified: string | undefined } | undefined;
  try {
    const fetched = await deps.fetchFeed(source.url, {
      etag: source.etag,
      lastModified: source.lastModified,
    });
    if (fetched.status === 'not-modified') {
      report.status = 'not-modified';
    } else {
      const { text } = decodeFeed(fetched.body, fetched.contentType);
      const feed = parseFeedText(text);
      const baseUrl = baseFor(feed.link, fetched.finalUrl);
      if (feed.itemCount === 0) report.errors.push('the feed has no items');
      if (feed.itemCount > MAX_FEED_ITEMS) {
        report.truncated = { kept: MAX_FEED_ITEMS, total: feed.itemCount };
        deps.logger?.warn(
          { event: 'collect.truncated', sourceId: source.id, url: source.url, ...report.truncated },
          `the feed has ${feed.itemCount} items; only the first ${MAX_FEED_ITEMS} are read`,
        );
      }
      const refuse = (reason: string) => {
        report.refused++;
        if (report.errors.length < MAX_ITEM_ERRORS) report.errors.push(reason);
      };
      feed.refused.forEach(refuse);
      for (const entry of feed.entries) {
        const result = normaliseEntry(entry, {
          sourceId: source.id,
          baseUrl,
          imageBaseUrl: /^https?:/i.test(fetched.finalUrl) ? undefined : deps.publicUrl,
          publication: deps.publication,
          sourceTopics: source.topics,
          now,
        });
        if (!result.ok) {
          refuse(result.reason);
          continue;
        }
        const outcome = await deps.articles.upsert(result.article, { keepPublishedAt: !result.dateFromFeed });
        report[outcome]++;
      }
      // Stored only after a successful parse: a feed that failed is fetched in full next time.
      validators = { etag: fetched.validators.etag, lastModified: fetched.validators.lastModified };
    }
  } catch (err) {
    report.status = 'error';
    if (err instanceof FeedError) {
      report.errors = [err.message];
      report.errorCode = err.code;
      report.retryable = err.temporary;
    } else {
      // Not the feed's fault (e.g. Redis went away): worth another try.
      report.errors = [`could not store articles: ${(err as Error).message}`];
      report.errorCode = 'ESTORE';
      report.retryable = true;
    }
    deps.logger?.warn(
      { event: 'collect.source_failed', sourceId: source.id, url: source.url, code: report.errorCode },
      report.errors[0],
    );
  }
  try {
    await deps.sources.recordFetch(
      source.id,
      {
        at: now.toISOString(),
        status: report.status,
        new: report.new,
        updated: report.updated,
        unchanged: report.unchanged,
        refused: report.refused,
        truncated: report.truncated,
        errors: report.errors,
        durationMs: Math.round(performance.now() - started),
      },
      validators,
    );
  } catch (err) {
    deps.logger?.warn(
      { event: 'collect.record_failed', sourceId: source.id, err },
      'could not record the fetch',
    );
  }
  return report;
}

/** Relative item links resolve against the feed's own site link, itself relative to where it came from. */
function baseFor(feedLink: string | undefined, finalUrl: string): string | undefined {
  const fetchedFrom = /^https?:/i.test(finalUrl) ? finalUrl : undefined;
  if (feedLink) {
    try {
      const url = new URL(feedLink, fetchedFrom);
      if (url.protocol === 'http:' || url.protocol === 'https:') return url.toString();
    } catch {
      // an unusable channel link: fall back to the fetch URL
    }
  }
  return fetchedFrom;
}

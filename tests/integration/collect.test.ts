/**
 * The collect step on a real Redis (unique prefix) with feeds served by a real HTTP server: dedupe,
 * updates in place, conditional GET, broken sources that do not stop the others, stored articles kept.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ArticleStore } from '../../src/articles/article-store.ts';
import { createRedisArticleStore } from '../../src/articles/redis-article-store.ts';
import { collectAll } from '../../src/collect/collect-all.ts';
import { formatReport } from '../../src/collect/collect-report.ts';
import type { CollectDeps } from '../../src/collect/collect-source.ts';
import type { Article } from '../../src/domain/article.ts';
import { createFeedFetcher } from '../../src/feeds/fetch-feed.ts';
import { loadPublication } from '../../src/publication/load-publication.ts';
import { createRedisSourceStore } from '../../src/sources/redis-source-store.ts';
import type { SourceStore } from '../../src/sources/source-store.ts';
import { cleanupPrefix, testRedis, uniquePrefix } from '../helpers/redis.ts';

const root = join(import.meta.dirname, '../..');
const samplePublication = loadPublication(join(root, 'samples/space-tech/publication.json'));
const publication = { ...samplePublication, sources: [] };
const now = new Date('2026-11-24T12:00:00Z');
const later = new Date('2026-11-24T13:00:00Z');

const item = (n: number, title = `Story ${n}`, body = `Body of story ${n}. It has words.`) =>
  `<item><title>${title}</title><link>https://news.example/s/${n}?utm_source=rss</link><guid isPermaLink="false">g${n}</guid><pubDate>Wed, 18 Nov 2026 1${n}:00:00 GMT</pubDate><category>Moon</category><description>${body}</description></item>`;
const rss = (...items: string[]) =>
  `<?xml version="1.0"?><rss version="2.0"><channel><title>News</title><link>https://news.example/</link>${items.join('')}</channel></rss>`;

const feeds: Record<string, { body: string; etag?: string }> = {};
let requests: Record<string, number> = {};
let server: Server;
let base: string;
let redis: Redis;
let prefix: string;
let articles: ArticleStore;
let sources: SourceStore;
let deps: CollectDeps;

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = new URL(req.url!, 'http://x').pathname;
    requests[path] = (requests[path] ?? 0) + 1;
    if (path === '/hang') return; // never answers
    const feed = feeds[path];
    if (!feed) return res.writeHead(404).end();
    if (feed.etag && req.headers['if-none-match'] === feed.etag) return res.writeHead(304).end();
    res.writeHead(200, { 'content-type': 'application/rss+xml', ...(feed.etag ? { etag: feed.etag } : {}) });
    res.end(feed.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  redis = testRedis();
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await redis.quit();
});
beforeEach(async () => {
  if (prefix) await cleanupPrefix(redis, prefix);
  prefix = uniquePrefix();
  articles = createRedisArticleStore(redis, prefix);
  sources = createRedisSourceStore(redis, prefix);
  requests = {};
  for (const k of Object.keys(feeds)) delete feeds[k];
  deps = {
    sources,
    articles,
    publication,
    fetchFeed: createFeedFetcher({ allowPrivateHosts: true, timeoutMs: 1000 }),
  };
});

const windowAll = () => articles.listInWindow(new Date('2026-01-01'), new Date('2027-01-01'));

describe('collectAll', () => {
  it('stores new articles once; collecting the same feed again stores nothing new', async () => {
    feeds['/a'] = { body: rss(item(1), item(2), item(3)) };
    const source = await sources.add({ url: `${base}/a` });
    const [first] = await collectAll(deps, now);
    expect(first).toMatchObject({
      sourceId: source.id,
      url: `${base}/a`,
      new: 3,
      updated: 0,
      unchanged: 0,
      errors: [],
    });
    const [second] = await collectAll(deps, later);
    expect(second).toMatchObject({ new: 0, updated: 0, unchanged: 3, errors: [] });
    const stored = await windowAll();
    expect(stored.map((a) => a.url)).toEqual([3, 2, 1].map((n) => `https://news.example/s/${n}`));
    expect(stored.every((a) => a.firstSeenAt === now.toISOString() && a.topics[0] === 'lunar')).toBe(true);
    expect((await sources.get(source.id))?.lastFetch).toMatchObject({ status: 'ok', unchanged: 3 });
  });

  it('updates a changed item in place: same id, first-seen kept, never twice', async () => {
    feeds['/a'] = { body: rss(item(1), item(2)) };
    await sources.add({ url: `${base}/a` });
    await collectAll(deps, now);
    const before = (await windowAll()).find((a) => a.url.endsWith('/s/1'))!;
    feeds['/a'] = { body: rss(item(1, 'Story 1 (corrected)', 'A corrected body. Now longer.'), item(2)) };
    const [report] = await collectAll(deps, later);
    expect(report).toMatchObject({ new: 0, updated: 1, unchanged: 1 });
    const after = await windowAll();
    expect(after).toHaveLength(2);
    const updated = after.find((a) => a.url.endsWith('/s/1'))!;
    expect(updated).toMatchObject({
      id: before.id,
      title: 'Story 1 (corrected)',
      firstSeenAt: now.toISOString(),
      updatedAt: later.toISOString(),
    });
    expect(updated.contentHash).not.toBe(before.contentHash);
  });

  it('deduplicates by canonical URL across sources, and by content hash', async () => {
    feeds['/a'] = { body: rss(item(1)) };
    feeds['/b'] = { body: rss(item(1).replace('g1', 'other-guid')) };
    await sources.add({ url: `${base}/a` });
    await sources.add({ url: `${base}/b` });
    const reports = await collectAll({ ...deps, concurrency: 1 }, now);
    expect(reports.map((r) => r.new).sort()).toEqual([0, 1]);
    expect(await windowAll()).toHaveLength(1);

    // Same title and text under another guid and URL: the content hash finds the stored copy.
    const [stored] = await windowAll();
    const mirror: Article = {
      ...stored!,
      id: 'mirror',
      guid: 'mirror-guid',
      url: 'https://mirror.example/copy',
    };
    expect(await articles.upsert(mirror)).toBe('unchanged');
    expect((await articles.get(stored!.id))?.url).toBe(stored!.url);
    expect(await windowAll()).toHaveLength(1);
  });

  it('stores an article once even when many workers upsert it at the same moment', async () => {
    feeds['/a'] = { body: rss(item(5)) };
    await sources.add({ url: `${base}/a` });
    await collectAll(deps, now);
    const [stored] = await windowAll();
    await cleanupPrefix(redis, prefix);
    const copies = Array.from({ length: 10 }, (_, i) => ({ ...stored!, id: `copy-${i}` }));
    const outcomes = await Promise.all(copies.map((a) => articles.upsert(a)));
    expect(outcomes.filter((o) => o === 'new')).toHaveLength(1);
    expect(await windowAll()).toHaveLength(1);
  });

  it('uses the stored ETag: a 304 stores nothing and keeps the articles', async () => {
    feeds['/etag'] = { body: rss(item(1)), etag: '"v1"' };
    const source = await sources.add({ url: `${base}/etag` });
    await collectAll(deps, now);
    expect((await sources.get(source.id))?.etag).toBe('"v1"');
    const [report] = await collectAll(deps, later);
    expect(report).toMatchObject({ status: 'not-modified', new: 0, updated: 0, unchanged: 0, errors: [] });
    expect(await windowAll()).toHaveLength(1);
  });

  it('reports a broken source and still collects the others; stored articles are kept', async () => {
    feeds['/good'] = { body: rss(item(1)) };
    feeds['/flaky'] = { body: rss(item(2)) };
    feeds['/html'] = { body: '<html><head><title>Document Moved</title></head><body>moved</body></html>' };
    feeds['/truncated'] = { body: rss(item(3), item(4)).slice(0, 200) };
    for (const p of ['/good', '/flaky', '/html', '/truncated', '/missing', '/hang'])
      await sources.add({ url: `${base}${p}` });
    await sources.add({ url: join(root, 'tests/fixtures/feeds/atom.xml') });

    const first = await collectAll(deps, now);
    const byPath = Object.fromEntries(first.map((r) => [r.url.replace(base, ''), r]));
    expect(byPath['/good']).toMatchObject({ status: 'ok', new: 1 });
    expect(byPath['/flaky']).toMatchObject({ status: 'ok', new: 1 });
    expect(byPath['/html']).toMatchObject({ status: 'error', errorCode: 'ENOTFEED', retryable: false });
    expect(byPath['/html']!.errors[0]).toMatch(/not a feed/);
    expect(byPath['/truncated']).toMatchObject({ status: 'error', errorCode: 'EMALFORMED' });
    expect(byPath['/missing']).toMatchObject({
      status: 'error',
      errorCode: 'EHTTP',
      errors: ['HTTP 404 Not Found'],
    });
    expect(byPath['/hang']).toMatchObject({ status: 'error', errorCode: 'ETIMEOUT', retryable: true });
    expect(first.find((r) => r.url.endsWith('atom.xml'))).toMatchObject({ status: 'ok', new: 1 });

    // The flaky feed now serves garbage: its article stays, its source reports the failure.
    feeds['/flaky'] = { body: 'garbage' };
    const second = await collectAll(deps, later);
    expect(second.find((r) => r.url.endsWith('/flaky'))).toMatchObject({
      status: 'error',
      errorCode: 'ENOTFEED',
    });
    const urls = (await windowAll()).map((a) => a.url);
    expect(urls).toContain('https://news.example/s/2');
    const flaky = (await sources.list()).find((s) => s.url.endsWith('/flaky'))!;
    expect(flaky.lastFetch).toMatchObject({
      status: 'error',
      errors: ['not a feed: the document is not RSS, RDF, Atom or JSON Feed'],
    });
  });

  it('lists skipped items and an empty feed as errors of an otherwise working source', async () => {
    feeds['/bad-items'] = {
      body: rss(
        item(1),
        '<item><title>No link</title></item>',
        '<item><title>JS</title><link>javascript:alert(1)</link></item>',
      ),
    };
    feeds['/empty'] = { body: rss() };
    await sources.add({ url: `${base}/bad-items` });
    await sources.add({ url: `${base}/empty` });
    const reports = await collectAll(deps, now);
    const bad = reports.find((r) => r.url.endsWith('/bad-items'));
    const empty = reports.find((r) => r.url.endsWith('/empty'));
    expect(bad).toMatchObject({ status: 'ok', new: 1, refused: 2 });
    expect(bad!.errors).toEqual(['"No link" skipped: no http(s) link', '"JS" skipped: no http(s) link']);
    expect(empty).toMatchObject({ status: 'ok', new: 0, errors: ['the feed has no items'] });
  });

  it('says when a feed was cut at the item cap: kept 500 of 50,000', async () => {
    const many = Array.from(
      { length: 50_000 },
      (_, n) => `<item><title>S${n}</title><link>https://news.example/m/${n}</link></item>`,
    );
    feeds['/huge'] = { body: rss(...many) };
    feeds['/small'] = { body: rss(item(1)) };
    await sources.add({ url: `${base}/huge` });
    await sources.add({ url: `${base}/small` });
    const reports = await collectAll(
      { ...deps, fetchFeed: createFeedFetcher({ allowPrivateHosts: true }) },
      now,
    );
    const huge = reports.find((r) => r.url.endsWith('/huge'))!;
    expect(huge).toMatchObject({
      status: 'ok',
      new: 500,
      refused: 0,
      truncated: { kept: 500, total: 50_000 },
    });
    expect(reports.find((r) => r.url.endsWith('/small'))).toMatchObject({ new: 1, truncated: undefined });
    const printed = formatReport(reports);
    expect(printed).toContain('truncated: kept 500 of 50000 items');
    expect(printed).toMatch(/, 1 truncated\.$/);
    expect((await sources.list()).find((s) => s.url.endsWith('/huge'))?.lastFetch).toMatchObject({
      truncated: { kept: 500, total: 50_000 },
    });
  });

  it('refuses JSON Feed items whose fields have the wrong type, with a reason; the good ones go through', async () => {
    const good = (n: number) => ({
      id: n, // a number id is coerced, as the JSON Feed spec asks of readers
      url: `https://json.example/p/${n}`,
      title: `Good ${n}`,
      content_text: 'Text.',
      date_published: '2026-11-19T08:00:00Z',
      image: null, // null is an absent field, not a wrong type
    });
    feeds['/typed.json'] = {
      body: JSON.stringify({
        version: 'https://jsonfeed.org/version/1.1',
        title: 'Typed',
        items: [
          good(1),
          { ...good(2), url: 42 },
          { ...good(3), title: {} },
          { ...good(4), date_published: 5 },
          { ...good(5), tags: ['Moon', 7] },
          'not an item',
          good(7),
        ],
      }),
    };
    await sources.add({ url: `${base}/typed.json` });
    const [report] = await collectAll(deps, now);
    expect(report).toMatchObject({ status: 'ok', new: 2, refused: 5, truncated: undefined });
    expect(report!.errors).toEqual([
      'item 2 refused: url is a number, not a string',
      'item 3 refused: title is an object, not a string',
      'item 4 refused: date_published is a number, not a string',
      'item 5 refused: tags[1] is a number, not a string',
      'item 6 refused: it is a string, not an object',
    ]);
    // Nothing was coerced: no article links to "42".
    expect((await windowAll()).map((a) => a.url).sort()).toEqual([
      'https://json.example/p/1',
      'https://json.example/p/7',
    ]);
    const printed = formatReport([report!]);
    expect(printed).toContain(
      'ok: new 2, updated 0, unchanged 0, refused 5 (item 2 refused: url is a number, not a string; item 3 refused: title is an object, not a string; item 4 refused: date_published is a number, not a string; and 2 more)',
    );
    expect(printed).toMatch(/1 source\(s\), 2 new article\(s\), 0 failed, 5 item\(s\) refused\.$/);
  });

  it('keeps publishedAt of an item without a date when it is seen again', async () => {
    feeds['/nodate'] = {
      body: rss('<item><title>Undated</title><link>https://news.example/u</link></item>'),
    };
    await sources.add({ url: `${base}/nodate` });
    await collectAll(deps, now);
    const [again] = await collectAll(deps, later);
    expect(again).toMatchObject({ unchanged: 1, updated: 0 });
    expect((await windowAll())[0]!.publishedAt).toBe(now.toISOString());
  });

  it('registers the publication seed sources once, and not again after removal', async () => {
    const seeded = { ...deps, publication: samplePublication };
    const reports = await collectAll(seeded, now);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ new: 12, status: 'ok' });
    const w47 = await articles.listInWindow(
      new Date('2026-11-15T23:00:00Z'),
      new Date('2026-11-22T23:00:00Z'),
    );
    expect(w47).toHaveLength(12);
    expect(await sources.remove(reports[0]!.sourceId)).toBe(true);
    expect(await collectAll(seeded, later)).toEqual([]);
  });
});

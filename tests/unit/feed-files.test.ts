/**
 * Feeds from files, end to end through the pure pipeline (decode → parse → normalise): the project's
 * own fixtures, the bundled sample, and every real publisher's feed in ../shared/fixtures/real-feeds
 * when that folder is present (CI has it beside the clone).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { editionIdFor } from '../../src/core/edition-window.ts';
import { decodeFeed } from '../../src/feeds/decode-feed.ts';
import { FeedError } from '../../src/feeds/feed-error.ts';
import { type NormaliseResult, normaliseEntry } from '../../src/feeds/normalise-entry.ts';
import { parseFeedText } from '../../src/feeds/parse-feed.ts';
import { loadPublication } from '../../src/publication/load-publication.ts';

const root = join(import.meta.dirname, '../..');
const ownFixtures = join(root, 'tests/fixtures/feeds');
const realFeeds = join(root, '../shared/fixtures/real-feeds');
const publication = loadPublication(join(root, 'samples/space-tech/publication.json'));
const now = new Date('2026-11-24T12:00:00Z');

function collectFile(path: string, contentType?: string, imageBaseUrl?: string) {
  const { text, charset } = decodeFeed(readFileSync(path), contentType);
  const feed = parseFeedText(text);
  const results = feed.entries.map((e) =>
    normaliseEntry(e, { sourceId: 'file', baseUrl: feed.link, imageBaseUrl, publication, now }),
  );
  const articles = results.flatMap((r) => (r.ok ? [r.article] : []));
  const skipped = results.flatMap((r) => (r.ok ? [] : [r.reason]));
  return { feed, charset, articles, skipped, results };
}

describe('decodeFeed', () => {
  const latin1 = Buffer.from(
    '<?xml version="1.0" encoding="ISO-8859-1"?><rss><t>Últimas Notícias</t></rss>',
    'latin1',
  );
  it('follows the XML declaration', () => {
    expect(decodeFeed(latin1).text).toContain('Últimas Notícias');
  });
  it('lets the HTTP header win over the declaration', () => {
    const utf8 = Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><t>Ünïcode</t>', 'utf8');
    expect(decodeFeed(utf8, 'application/xml; charset=UTF-8').text).toContain('Ünïcode');
  });
  it('detects ISO-8859-1 without any declaration and keeps valid UTF-8 as UTF-8', () => {
    expect(decodeFeed(readFileSync(join(ownFixtures, 'latin1.rss'))).text).toContain('Últimas Notícias');
    expect(decodeFeed(Buffer.from('<t>naïve ☃</t>', 'utf8')).text).toBe('<t>naïve ☃</t>');
  });
  it('ignores a charset label it does not know', () => {
    expect(decodeFeed(Buffer.from('<t>ok</t>'), 'text/xml; charset=x-nonsense').text).toBe('<t>ok</t>');
  });
});

describe('parseFeedText', () => {
  it('rejects a document that is not a feed, and a truncated one, with stable codes', () => {
    const code = (text: string) => {
      try {
        parseFeedText(text);
        return 'parsed';
      } catch (err) {
        return err instanceof FeedError ? err.code : String(err);
      }
    };
    expect(code('<html><body>Document moved</body></html>')).toBe('ENOTFEED');
    expect(code('just text')).toBe('ENOTFEED');
    expect(code('{"not":"a feed"}')).toBe('ENOTFEED');
    const sample = readFileSync(join(root, 'samples/space-tech/feed.xml'), 'utf8');
    // Cut inside an element (an image's description).
    expect(code(sample.slice(0, sample.indexOf('An Electron rocket') + 10))).toBe('EMALFORMED');
  });

  it.each([
    ['atom.xml', 'atom'],
    ['feed.json', 'json'],
    ['rdf.xml', 'rdf'],
    ['latin1.rss', 'rss'],
  ])('reads %s (%s)', (file, format) => {
    const { feed, articles } = collectFile(join(ownFixtures, file));
    expect(feed.format).toBe(format);
    expect(articles).toHaveLength(1);
  });

  it('normalises Atom: relative links, TL;DR brief, html title entities, category topics', () => {
    const [a] = collectFile(join(ownFixtures, 'atom.xml')).articles;
    expect(a).toMatchObject({
      url: 'https://atom.example/blog/moon-and-mars',
      title: 'Moon & Mars',
      brief: ['First point.', 'Second point.'],
      summary: 'Body text here. More text.',
      topics: ['lunar'],
      author: 'Ada',
      imageUrl: 'https://atom.example/img/a.png',
      imageAlt: 'A picture',
      publishedAt: '2026-11-18T11:00:00.000Z',
    });
  });

  it('normalises JSON Feed and RDF', () => {
    const [j] = collectFile(join(ownFixtures, 'feed.json')).articles;
    expect(j).toMatchObject({
      url: 'https://json.example/posts/1',
      title: 'Launch & landing',
      brief: ['One.', 'Two.'],
      topics: ['launch'],
      imageUrl: 'https://json.example/img/1.jpg',
    });
    const [r] = collectFile(join(ownFixtures, 'rdf.xml')).articles;
    expect(r).toMatchObject({ url: 'https://rdf.example/a', topics: ['policy'], author: 'Cy' });
  });

  it('cleans or skips bad items with a reason each, never crashing', () => {
    const { articles, skipped } = collectFile(join(ownFixtures, 'bad-items.rss'));
    expect(skipped).toEqual(['"Script link" skipped: no http(s) link', 'an item skipped: no http(s) link']);
    const byUrl = new Map(articles.map((a) => [a.url, a]));
    const primer = byUrl.get('https://bad.example/primer?id=7')!;
    expect(primer.title).toBe('Rockets & "engines" – a primer');
    expect(primer.summary).toBe('Engines burn fuel. They push rockets up.');
    expect(JSON.stringify(articles)).not.toMatch(/<script|javascript:|pwned|onclick/i);
    expect(byUrl.get('https://bad.example/untitled')!.title).toBe('An item without a title.');
    expect(byUrl.get('https://bad.example/future')!.publishedAt).toBe(now.toISOString());
    expect(byUrl.get('https://bad.example/bad-date')!.publishedAt).toBe(now.toISOString());
  });
});

describe('the bundled sample feed', () => {
  const path = join(root, 'samples/space-tech/feed.xml');
  // As collect-source.ts reads a local file: its images resolve against this server's PUBLIC_URL.
  const { articles, skipped } = collectFile(path, undefined, 'https://digest.example.com');
  const raw = readFileSync(path, 'utf8');

  it('has 12 articles, all in edition 2026-W47 (Europe/Berlin), with image, author and topics', () => {
    expect(skipped).toEqual([]);
    expect(articles).toHaveLength(12);
    for (const a of articles) {
      expect(editionIdFor(new Date(a.publishedAt), 'Europe/Berlin', 1)).toBe('2026-W47');
      expect(a.url).toMatch(/^https:\/\/orbit-weekly\.example\/2026\/11\/[^?]*(\?ref=home)?$/);
      // Served by our own HTTP server under its PUBLIC_URL (tests/http/publication-images.test.ts).
      expect(a.imageUrl).toMatch(/^https:\/\/digest\.example\.com\/static\/sample\/.+\.jpg$/);
      expect(a.author).toBeTruthy();
      expect(a.topics.length).toBeGreaterThan(0);
      expect(a.summary).toMatch(/[.!?]$/);
    }
    expect(new Set(articles.flatMap((a) => a.topics))).toEqual(
      new Set(['lunar', 'launch', 'policy', 'markets']),
    );
  });

  it("yields briefs that are the article's own key-point bullets, in order", () => {
    // The bullets as written in the feed, read independently of the brief extractor.
    const items = [...raw.matchAll(/<item>[\s\S]*?<\/item>/g)].map((m) => m[0]);
    expect(items).toHaveLength(12);
    for (const item of items) {
      const link = /<link>([^<]+)<\/link>/.exec(item)![1]!.replace(/\?.*$/, '');
      const list = /<ul>([\s\S]*?)<\/ul>/.exec(item)![1]!;
      const bullets = [...list.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((m) =>
        m[1]!.replace(/\s+/g, ' ').trim(),
      );
      const article = articles.find((a) => a.url.replace(/\?.*$/, '') === link)!;
      expect(bullets.length).toBeGreaterThanOrEqual(2);
      expect(article.brief).toEqual(bullets);
    }
  });

  it('decodes entities in titles (ampersand and quotes)', () => {
    const titles = articles.map((a) => a.title);
    expect(titles).toContain('Q&A: the Artemis Accords, their signatories & "safety zones"');
    expect(titles).toContain('Japan\'s SLIM and its "Moon sniper" landing');
    expect(titles.join(' ')).not.toMatch(/&amp;|&quot;/);
  });

  it('places the Sunday 23:30 Berlin article in its own week, not the next', () => {
    const last = articles.find((a) => a.title.startsWith('IM-1'))!;
    expect(last.publishedAt).toBe('2026-11-22T22:30:00.000Z');
    expect(editionIdFor(new Date(last.publishedAt), 'Europe/Berlin', 1)).toBe('2026-W47');
  });
});

describe.runIf(existsSync(realFeeds))("real publishers' feeds (../shared/fixtures/real-feeds)", () => {
  const files = existsSync(realFeeds)
    ? readdirSync(realFeeds).filter((f) => /\.(rss|atom|xml|json)$/.test(f))
    : [];

  it.each(files)('%s yields clean articles or a clear per-source error', (file) => {
    let outcome: ReturnType<typeof collectFile>;
    try {
      outcome = collectFile(join(realFeeds, file));
    } catch (err) {
      expect(err).toBeInstanceOf(FeedError);
      expect((err as FeedError).message).toMatch(/not a feed|cannot be parsed/);
      return;
    }
    const { articles, results } = outcome;
    for (const a of articles) {
      expect(a.title.trim()).not.toBe('');
      expect(a.title).not.toMatch(/<[a-z/][^>]*>|&(amp|lt|gt|quot|#\d+);/i);
      expect(a.url).toMatch(/^https?:\/\/[^\s]+$/);
      expect(Number.isNaN(Date.parse(a.publishedAt))).toBe(false);
    }
    // Nothing usable must come with a reason (an empty feed, or items without links).
    if (articles.length === 0) {
      expect(results.every((r: NormaliseResult) => !r.ok)).toBe(true);
    }
  });

  it('rejects unrecognized.rss as not a feed', () => {
    expect(() => collectFile(join(realFeeds, 'unrecognized.rss'))).toThrowError(/not a feed/);
  });

  it('reads the ISO-8859-1 feeds right: Últimas and Notícias from uolNoticias.rss', () => {
    const { feed, articles, charset } = collectFile(join(realFeeds, 'uolNoticias.rss'));
    expect(charset).toMatch(/windows-1252|iso-8859/);
    const text = JSON.stringify(articles) + JSON.stringify(feed.title);
    const description = readFileSync(join(realFeeds, 'uolNoticias.rss')).toString('latin1');
    expect(description).toContain('Últimas Notícias');
    expect(decodeFeed(readFileSync(join(realFeeds, 'uolNoticias.rss'))).text).toContain('Últimas Notícias');
    expect(text).not.toContain('\uFFFD');
    expect(articles.length).toBe(15);
    expect(articles[0]!.publishedAt).toBe('2018-09-24T22:42:40.000Z');
    const jn = collectFile(join(realFeeds, 'encoding.rss'));
    expect(jn.feed.title).toBe('Jornal de Notícias - Últimas Notícias');
  });

  it('gives every feed without usable items a reason (missing-fields.atom, incomplete-fields.atom)', () => {
    const missing = collectFile(join(realFeeds, 'missing-fields.atom'));
    expect(missing.articles).toEqual([]);
    expect(missing.skipped[0]).toMatch(/no http\(s\) link/);
    expect(collectFile(join(realFeeds, 'incomplete-fields.atom')).feed.entries).toEqual([]);
  });
});

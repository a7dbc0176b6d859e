/**
 * Summaries keep their paragraphs (issue 21: "summaries run paragraphs together"). With a real
 * publisher's feed (../shared/fixtures/real-feeds/guardian.rss): its descriptions open with a standfirst
 * that has no full stop, and the old summary ran it into the next paragraph's first sentence ("...showed
 * thinly disguised contempt Donald Trump has promised..."). Now the digest shows two paragraphs, in the
 * HTML and in the text part.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeFeed } from '../../src/feeds/decode-feed.ts';
import { normaliseEntry } from '../../src/feeds/normalise-entry.ts';
import { parseFeedText } from '../../src/feeds/parse-feed.ts';
import { loadPublication, SAMPLE_PUBLICATION_FILE } from '../../src/publication/load-publication.ts';
import { buildVariant } from '../../src/render/build-variant.ts';
import { renderWebVersion } from '../../src/render/web-version.ts';

const guardian = join(import.meta.dirname, '../../../shared/fixtures/real-feeds/guardian.rss');
const publication = loadPublication(SAMPLE_PUBLICATION_FILE);
const edition = {
  id: '2018-W05',
  windowStart: '2018-01-28T23:00:00.000Z',
  windowEnd: '2018-02-04T23:00:00.000Z',
};

describe.runIf(existsSync(guardian))('summaries with a real feed (guardian.rss)', () => {
  const feed = parseFeedText(decodeFeed(readFileSync(guardian)).text);
  const results = feed.entries.map((e) =>
    normaliseEntry(e, {
      sourceId: 'guardian',
      baseUrl: feed.link,
      publication,
      now: new Date('2018-02-01T12:00:00Z'),
    }),
  );
  const articles = results.flatMap((r) => (r.ok ? [r.article] : []));
  const speech = articles.find((a) => a.title.includes('State of the Union'))!;
  const standfirst =
    'The president’s ‘new American moment’ speech stirred Republican applause while Democrats showed thinly disguised contempt';

  it('keeps the standfirst and the next paragraph apart in the summary', () => {
    expect(speech.summary.split('\n\n')[0]).toBe(standfirst);
    expect(speech.summary.split('\n\n')[1]).toMatch(/^Donald Trump has promised a “new American moment”/);
    expect(speech.summary).not.toContain('contempt Donald');
  });

  it('shows them as two paragraphs in the digest, HTML and text', async () => {
    const one = [{ ...speech, publishedAt: '2018-01-31T10:00:00.000Z', brief: [] }];
    const web = (await renderWebVersion({
      publication,
      edition,
      articles: one,
      locale: 'en-GB',
      webUrl: 'https://digest.test/editions/2018-W05',
    }))!;
    const html = web.html.replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n))).replace(/\n/g, ' ');
    expect(html).toMatch(
      new RegExp(`<p dir="auto"[^>]*>${standfirst}</p>\\s*<p dir="auto"[^>]*>Donald Trump has promised`),
    );
    const variant = (await buildVariant({
      publication,
      edition,
      articles: one,
      topics: [],
      locale: 'en-GB',
      webUrl: 'https://digest.test/editions/2018-W05',
    }))!;
    // In the text part: the standfirst's last line, a blank line, the next paragraph.
    expect(variant.text).toMatch(/contempt\n\n {2}Donald Trump has promised/);
  });
});

import { describe, expect, it } from 'vitest';
import { canonicalUrl } from '../../src/feeds/canonical-url.ts';
import { classifyTopics } from '../../src/feeds/classify-topics.ts';
import { takeBrief } from '../../src/feeds/extract-brief.ts';
import type { FeedEntry } from '../../src/feeds/feed-entry.ts';
import { parseHtml, textOf } from '../../src/feeds/html-dom.ts';
import { leadSentences } from '../../src/feeds/lead-sentences.ts';
import { normaliseEntry } from '../../src/feeds/normalise-entry.ts';
import { parseFeedDate } from '../../src/feeds/parse-date.ts';

const publication = {
  topics: [
    { id: 'lunar', name: 'Lunar' },
    { id: 'launch', name: 'Launch' },
    { id: 'policy', name: 'Policy' },
  ],
  categoryMap: { moon: 'lunar', rockets: 'launch' },
  keywordRules: [{ topic: 'policy', keywords: ['treaty', 'Artemis Accords'] }],
};
const now = new Date('2026-11-24T12:00:00Z');
const entry = (over: Partial<FeedEntry>): FeedEntry => ({
  guid: undefined,
  link: 'https://news.example/a',
  title: 'A title',
  contentHtml: undefined,
  summaryHtml: '<p>Some text. More text.</p>',
  contentText: undefined,
  author: undefined,
  published: 'Tue, 17 Nov 2026 10:00:00 GMT',
  updated: undefined,
  categories: [],
  images: [],
  ...over,
});
const ctx = { sourceId: 'src1', baseUrl: 'https://news.example/', publication, now };

describe('canonicalUrl', () => {
  it('removes utm_* and other tracking parameters and the fragment, keeps the rest', () => {
    expect(canonicalUrl('https://Example.COM:443/a/b?utm_source=x&id=3&utm_medium=y&fbclid=z#top')).toBe(
      'https://example.com/a/b?id=3',
    );
    expect(canonicalUrl('https://example.com/a?utm_campaign=1')).toBe('https://example.com/a');
  });
  it('resolves relative links against the base and refuses anything but http(s)', () => {
    expect(canonicalUrl('/post/1', 'https://site.example/blog/')).toBe('https://site.example/post/1');
    expect(canonicalUrl('javascript:alert(1)')).toBeUndefined();
    expect(canonicalUrl('JaVaScRiPt:alert(1)', 'https://site.example/')).toBeUndefined();
    expect(canonicalUrl('data:text/html,hi')).toBeUndefined();
    expect(canonicalUrl('mailto:a@b.example')).toBeUndefined();
    expect(canonicalUrl('not a url')).toBeUndefined();
    expect(canonicalUrl('')).toBeUndefined();
  });
});

describe('parseFeedDate', () => {
  it.each([
    ['Wed, 04 May 2016 06:53:45 GMT', '2016-05-04T06:53:45.000Z'],
    ['Thu, 21 Jan 2021 18:58:00 +1100', '2021-01-21T07:58:00.000Z'],
    ['2016-06-03T07:38:00.000-07:00', '2016-06-03T14:38:00.000Z'],
    ['2018-01-03 13:47', '2018-01-03T13:47:00.000Z'],
    ['Wed, 04 May 2016 06:53:45', '2016-05-04T06:53:45.000Z'],
    ['Mon, 16 Nov 2026 09:00:00 CEST', '2026-11-16T07:00:00.000Z'],
    ['Seg, 24 Set 2018 19:42:40 -0300', '2018-09-24T22:42:40.000Z'],
    ['mar., 05 déc. 2017 10:00:00 +0100', '2017-12-05T09:00:00.000Z'],
    ['01 Apr 2018 GMT', '2018-04-01T00:00:00.000Z'],
  ])('%s', (raw, iso) => {
    expect(parseFeedDate(raw)?.toISOString()).toBe(iso);
  });
  it('rejects what only looks like a date to a lenient parser', () => {
    expect(parseFeedDate('foo 12')).toBeUndefined();
    expect(parseFeedDate('1')).toBeUndefined();
    expect(parseFeedDate('sometime soon')).toBeUndefined();
    expect(parseFeedDate(undefined)).toBeUndefined();
  });
});

describe('leadSentences', () => {
  it('takes one or two sentences, cut at a sentence boundary', () => {
    expect(leadSentences('First one. Second one. Third one.')).toBe('First one. Second one.');
    expect(leadSentences('Dr. Smith arrived. Then left.')).toMatch(/^Dr\. Smith arrived\./);
    const long = `${'word '.repeat(50)}end. More ${'more '.repeat(60)}stop.`;
    expect(leadSentences(long)).toBe(`${'word '.repeat(50)}end.`);
  });
  it('treats paragraph ends as boundaries and skips headings', () => {
    expect(
      leadSentences(['A heading', 'The standfirst of this story has no full stop at its end', 'Body. More.']),
    ).toBe('The standfirst of this story has no full stop at its end\n\nBody.');
  });
});

describe('takeBrief', () => {
  const brief = (html: string) => takeBrief(parseHtml(html));
  it('uses a labelled key-points list near the top', () => {
    expect(
      brief(
        '<p><strong>Insider Brief</strong></p><ul><li>One &amp; only.</li><li>Two.</li></ul><p>Body.</p>',
      ),
    ).toEqual(['One & only.', 'Two.']);
    expect(brief('<h3>Key points:</h3><ol><li>A</li><li>B</li><li>C</li></ol>')).toEqual(['A', 'B', 'C']);
    expect(brief('<p>TL;DR</p><ul><li>Short.</li><li>Sweet.</li></ul>')).toEqual(['Short.', 'Sweet.']);
  });
  it('uses a list that opens the article', () => {
    expect(brief('<ul><li>First.</li><li>Second.</li></ul><p>Then prose.</p>')).toEqual([
      'First.',
      'Second.',
    ]);
  });
  it('ignores lists inside the body, single-item lists and long item lists', () => {
    const prose = '<p>' + 'This is the article. '.repeat(10) + '</p>';
    expect(brief(`${prose}<ul><li>Not a brief.</li><li>Just a list.</li></ul>`)).toEqual([]);
    expect(brief('<ul><li>Only one.</li></ul>')).toEqual([]);
    expect(brief(`<ul>${'<li>x</li>'.repeat(9)}</ul>`)).toEqual([]);
    expect(brief('<p>No list at all.</p>')).toEqual([]);
  });
  it('removes the brief and its label from the document', () => {
    const doc = parseHtml('<p><b>Key points</b></p><ul><li>One.</li><li>Two.</li></ul><p>The body.</p>');
    takeBrief(doc);
    expect(textOf(doc)).toBe('The body.');
  });
});

describe('classifyTopics', () => {
  it('maps categories through categoryMap, by topic id or name, keyword rules and source topics', () => {
    expect(classifyTopics(publication, { categories: ['Moon'], text: '' })).toEqual(['lunar']);
    expect(classifyTopics(publication, { categories: ['LAUNCH'], text: '' })).toEqual(['launch']);
    expect(
      classifyTopics(publication, { categories: ['Gardening'], text: 'the outer space treaty' }),
    ).toEqual(['policy']);
    expect(classifyTopics(publication, { categories: [], text: 'retreaty' })).toEqual([]);
    expect(classifyTopics(publication, { categories: [], text: '', sourceTopics: ['launch'] })).toEqual([
      'launch',
    ]);
  });
});

describe('normaliseEntry', () => {
  it('strips markup and scripts from title and text, decodes entities, keeps only http(s) links', () => {
    const r = normaliseEntry(
      entry({
        title: `Rockets <script>alert('x')</script>&amp; "engines" &#8211; a <b>primer</b>`,
        link: 'https://news.example/p?utm_source=rss&id=7#c',
        summaryHtml: `<p onclick="x()">Engines burn.<script>document.write('pwned')</script> They push. Third.</p><a href="javascript:alert(1)">click</a>`,
        author: '<i>Ann</i> &amp; Bob',
      }),
      ctx,
    );
    if (!r.ok) throw new Error(r.reason);
    expect(r.article.title).toBe('Rockets & "engines" – a primer');
    expect(r.article.url).toBe('https://news.example/p?id=7');
    expect(r.article.summary).toBe('Engines burn. They push.');
    expect(JSON.stringify(r.article)).not.toMatch(/script|javascript|pwned|onclick/);
    expect(r.article.author).toBe('Ann & Bob');
  });
  it('skips an item without an http(s) link, with a reason', () => {
    const r = normaliseEntry(entry({ link: 'javascript:alert(1)', title: 'Bad' }), ctx);
    expect(r).toEqual({ ok: false, reason: '"Bad" skipped: no http(s) link' });
    expect(normaliseEntry(entry({ link: undefined }), ctx).ok).toBe(false);
  });
  it('uses a permalink-looking guid when the link is missing', () => {
    const r = normaliseEntry(entry({ link: undefined, guid: 'https://news.example/g?utm_medium=x' }), ctx);
    expect(r.ok && r.article.url).toBe('https://news.example/g');
  });
  it('derives a title from the text when the item has none, and skips one with neither', () => {
    const r = normaliseEntry(
      entry({ title: undefined, summaryHtml: '<p>The first sentence. Second.</p>' }),
      ctx,
    );
    expect(r.ok && r.article.title).toBe('The first sentence.');
    expect(normaliseEntry(entry({ title: undefined, summaryHtml: undefined }), ctx)).toEqual({
      ok: false,
      reason: 'an item skipped: no title and no text',
    });
  });
  it('takes the time first seen for missing, unreadable and future dates', () => {
    for (const published of [undefined, 'sometime soon', 'Fri, 01 Jan 2100 00:00:00 GMT']) {
      const r = normaliseEntry(entry({ published }), ctx);
      expect(r.ok && r.article.publishedAt).toBe(now.toISOString());
      expect(r.ok && r.dateFromFeed).toBe(false);
    }
    const ok = normaliseEntry(entry({}), ctx);
    expect(ok.ok && ok.dateFromFeed).toBe(true);
    expect(ok.ok && ok.article.publishedAt).toBe('2026-11-17T10:00:00.000Z');
  });
  it('picks the image from the feed, else the first real <img>, never a tracking pixel', () => {
    const fromFeed = normaliseEntry(entry({ images: [{ url: '/i/a.jpg', alt: 'A' }] }), ctx);
    expect(fromFeed.ok && fromFeed.article.imageUrl).toBe('https://news.example/i/a.jpg');
    const inline = normaliseEntry(
      entry({
        summaryHtml: '<img src="https://t.example/p.gif" width="1" height="1"><img src="/b.png" alt="B">',
      }),
      ctx,
    );
    expect(inline.ok && [inline.article.imageUrl, inline.article.imageAlt]).toEqual([
      'https://news.example/b.png',
      'B',
    ]);
  });
  it('uses the body brief, with the summary from the description, and a stable id from the guid', () => {
    const a = normaliseEntry(
      entry({
        guid: 'g-1',
        contentHtml: '<p>Key points</p><ul><li>One.</li><li>Two.</li></ul><p>Body one. Body two.</p>',
        summaryHtml: 'The teaser. Second. Third.',
        categories: ['Moon'],
      }),
      ctx,
    );
    if (!a.ok) throw new Error(a.reason);
    expect(a.article.brief).toEqual(['One.', 'Two.']);
    expect(a.article.summary).toBe('The teaser. Second.');
    expect(a.article.topics).toEqual(['lunar']);
    const again = normaliseEntry(entry({ guid: 'g-1', link: 'https://news.example/moved' }), ctx);
    expect(again.ok && again.article.id).toBe(a.article.id);
  });
  it('counts reading time from the words', () => {
    const r = normaliseEntry(entry({ summaryHtml: `<p>${'word '.repeat(1150)}</p>` }), ctx);
    expect(r.ok && r.article.readingMinutes).toBe(5);
  });
});

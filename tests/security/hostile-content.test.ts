/**
 * Hostile content on the way into an email: CR/LF + Bcc in the subject (publication name, article
 * titles), in subscriber and sender names; HTML/script and event handlers in every article field;
 * `javascript:`/`data:`/`vbscript:` URLs; over-long fields. Each goes through the real path (render
 * once per variant → personalise → compose MIME) and the message is parsed back with mailparser.
 */
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { prepareVariant } from '../../src/delivery/prepared-edition.ts';
import type { Article } from '../../src/domain/article.ts';
import { loadPublication, SAMPLE_PUBLICATION_FILE } from '../../src/publication/load-publication.ts';
import { buildVariant } from '../../src/render/build-variant.ts';
import { FIXTURE_EDITION, makeArticle } from '../fixtures/articles.ts';

const INJECT = '\r\nBcc: victim@evil.example\r\nX-Injected: yes';
const SCRIPT = '<script>alert(1)</script><img src=x onerror=alert(2)><a href="javascript:alert(3)">x</a>';
const BAD_URLS = [
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  ' javascript:alert(1)',
  'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
  'vbscript:msgbox(1)',
  'java\tscript:alert(1)',
];

function hostileArticles(): Article[] {
  const at = '2026-11-18T10:00:00.000Z';
  return [
    makeArticle({
      id: 'inject',
      title: `Launch window opens${INJECT}`,
      author: `Eve${INJECT}`,
      summary: `Summary ${SCRIPT}`,
      brief: [SCRIPT, `Second point${INJECT}`],
      imageAlt: `" onerror="alert(1)`,
      imageUrl: 'https://img.example/a.jpg" onerror="alert(1)',
      topics: ['launch'],
      publishedAt: at,
    }),
    ...BAD_URLS.map((url, i) =>
      makeArticle({
        id: `badurl${i}`,
        title: `Bad link ${i} ${SCRIPT}`,
        url,
        imageUrl: url,
        summary: 'A summary.',
        topics: ['lunar'],
        publishedAt: at,
      }),
    ),
    makeArticle({
      id: 'long',
      title: `A very long title ${'word '.repeat(20_000)}`,
      summary: 'x'.repeat(200_000),
      brief: Array.from({ length: 500 }, (_, i) => `point ${i} ${'y'.repeat(2000)}`),
      author: 'z'.repeat(50_000),
      url: `https://news.example.org/${'p'.repeat(5000)}`,
      topics: ['policy'],
      publishedAt: at,
    }),
  ];
}

async function renderAndParse() {
  const publication = loadPublication(SAMPLE_PUBLICATION_FILE, {});
  publication.name = `Orbit Weekly${INJECT}`;
  publication.from = { name: `Orbit${INJECT}`, address: publication.from.address };
  const variant = await buildVariant({
    publication,
    edition: FIXTURE_EDITION,
    articles: hostileArticles(),
    topics: [],
    locale: 'en-GB',
    webUrl: `https://digest.test/editions/${FIXTURE_EDITION.id}`,
  });
  if (!variant) throw new Error('no variant');
  const prepared = prepareVariant(FIXTURE_EDITION.id, publication, variant);
  const recipient = {
    name: `Mallory${INJECT}<script>alert(4)</script>`,
    email: 'mallory@readers.example',
    unsubscribeUrl: 'https://digest.test/u/abc.def',
    preferencesUrl: 'https://digest.test/p/abc.def',
  };
  // The send step's own path: the byte template, unstuffed (what a mailbox stores).
  const composed = prepared.compose(
    { ...recipient, subscriberId: 'sub1', format: 'html' },
    { dotStuffed: false, date: new Date('2026-11-23T07:00:00Z') },
  );
  const message = { ...composed, raw: composed.raw.toString('latin1') };
  return { message, parsed: await simpleParser(message.raw), variant };
}

describe('hostile content in a digest', () => {
  it('CR/LF + Bcc in subject, publication, sender, article and subscriber names adds no header', async () => {
    const { message, parsed } = await renderAndParse();
    const head = message.raw.slice(0, message.raw.indexOf('\r\n\r\n'));
    expect(head).not.toMatch(/^bcc:/im);
    expect(head).not.toMatch(/^x-injected:/im);
    for (const name of ['from', 'to', 'subject', 'message-id', 'list-id'])
      expect(head.match(new RegExp(`^${name}:`, 'gim')), name).toHaveLength(1);
    expect(parsed.bcc).toBeUndefined();
    expect(message.envelope.to).toBe('mallory@readers.example');
    expect(parsed.subject ?? '').not.toMatch(/[\r\n]/);
    expect(parsed.headers.get('x-injected')).toBeUndefined();
  }, 60_000);

  it('script, event handlers and javascript:/data:/vbscript: URLs never reach the HTML as markup', async () => {
    const { parsed } = await renderAndParse();
    const html = String(parsed.html);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img[^>]*\bsrc=["']?x\b/i);
    expect(html).not.toMatch(/\son\w+\s*=/i);
    expect(html).not.toMatch(/(href|src)\s*=\s*["']?\s*(javascript|data|vbscript|java\s+script):/i);
    // The text is still there, as text.
    expect(html).toContain('Launch window opens');
    expect(html).toMatch(/&lt;script&gt;|&#60;script|alert\(1\)/);
    // In the text part a hostile title stays literal text; what must never appear is a bad URL given
    // as an article's link (on its own line, in <...> or (...)).
    const text = String(parsed.text);
    expect(text).not.toMatch(/(^|[<(\s])\s*(javascript|data|vbscript):/im);
  }, 60_000);

  it('over-long fields: the message is still valid SMTP (no line over 998 octets) and bounded', async () => {
    const { message, variant } = await renderAndParse();
    const longest = Math.max(...message.raw.split('\r\n').map((l) => Buffer.byteLength(l)));
    expect(longest).toBeLessThanOrEqual(998);
    // 200 KB summaries and 50 KB authors are cut down, not mailed whole to every subscriber.
    expect(Buffer.byteLength(message.raw)).toBeLessThan(1024 * 1024);
    expect(variant.subject.length).toBeLessThan(400);
  }, 60_000);
});

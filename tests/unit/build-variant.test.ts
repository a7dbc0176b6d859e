import { describe, expect, it } from 'vitest';
import type { Publication } from '../../src/domain/publication.ts';
import { loadPublication, SAMPLE_PUBLICATION_FILE } from '../../src/publication/load-publication.ts';
import { buildVariant, type VariantInput } from '../../src/render/build-variant.ts';
import { compilePersonaliser } from '../../src/render/personalise.ts';
import { renderWebVersion } from '../../src/render/web-version.ts';
import {
  FIXTURE_EDITION,
  fixtureArticles,
  friendlyArticles,
  HOSTILE_TITLE,
  makeArticle,
} from '../fixtures/articles.ts';

const publication: Publication = loadPublication(SAMPLE_PUBLICATION_FILE);
const webUrl = 'https://digest.test/editions/2026-W47';
const input = (over: Partial<VariantInput> = {}): VariantInput => ({
  publication,
  edition: FIXTURE_EDITION,
  articles: fixtureArticles(),
  topics: [],
  locale: 'en-GB',
  webUrl,
  ...over,
});
const reader = {
  name: 'Ada',
  email: 'ada@example.com',
  unsubscribeUrl: 'https://digest.test/u/tok-u',
  preferencesUrl: 'https://digest.test/p/tok-p',
};
const placeholders = (source: string) => [...source.matchAll(/\{\{[^}]*\}\}/g)].map((m) => m[0]);
const ALLOWED = new Set([
  '{{recipient.name}}',
  '{{recipient.email}}',
  '{{links.unsubscribe}}',
  '{{links.preferences}}',
]);

describe('buildVariant', () => {
  it('compiles to Handlebars sources whose only placeholders are per-recipient', async () => {
    const v = (await buildVariant(input()))!;
    expect(v.key).toBe('all@en-GB');
    expect(placeholders(v.html).length).toBeGreaterThanOrEqual(3);
    // Besides the recipient's four, the dates: `{{dates.[N]}}` for each of the variant's date slots,
    // written in the reader's zone at send time.
    for (const p of [...placeholders(v.html), ...placeholders(v.text)]) {
      const date = /^\{\{dates\.\[(\d+)\]\}\}$/.exec(p);
      if (date) expect(v.dates![Number(date[1])], p).toBeDefined();
      else expect(ALLOWED).toContain(p);
    }
    expect(placeholders(v.html)).toContain('{{dates.[0]}}');
    expect(v).toMatchObject({ locale: 'en-GB', timeZone: 'Europe/Berlin' });
    expect(placeholders(v.text)).toEqual(
      expect.arrayContaining(['{{recipient.email}}', '{{links.unsubscribe}}', '{{links.preferences}}']),
    );
    // Plain JSON: what the delivery engine stores in Redis comes back equal.
    expect(JSON.parse(JSON.stringify(v))).toEqual(v);
  });

  it('HTML is pure ASCII with lines of at most 500 characters (7bit without per-recipient encoding)', async () => {
    const v = (await buildVariant(input()))!;
    expect(v.html).toMatch(/&#8364;22 billion/); // € of the ESA story
    expect(/[^\x00-\x7f]/.test(v.html)).toBe(false);
    expect(Math.max(...v.html.split('\n').map((l) => l.length))).toBeLessThanOrEqual(500);
    expect(v.text).toContain('€22 billion'); // the text part stays UTF-8
  });

  it('an article titled <script>alert(1)</script> with javascript: links renders as inert text', async () => {
    const v = (await buildVariant(input({ topics: ['lunar'] })))!;
    const { html, text } = compilePersonaliser(v)(reader);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/javascript:alert\((1|4|document)/i);
    expect(html).not.toMatch(/onerror=/i);
    expect(html).not.toMatch(/href="(?!https?:\/\/)/);
    expect(html).not.toMatch(/src="(?!https?:\/\/)/);
    // Its {{...}} and a forged slot stay text: the recipient's values appear only where the template put them.
    expect(html.split('tok-u').length - 1).toBe(1);
    expect(text.split('tok-u').length - 1).toBe(1);
    expect(text).toContain(HOSTILE_TITLE); // plain text is inert by nature
    expect(text).not.toMatch(/Read more: javascript/);
  });

  it('{Lunar} and {Lunar, Launch} get different bodies; no topics gets everything', async () => {
    const lunar = (await buildVariant(input({ topics: ['lunar'] })))!;
    const both = (await buildVariant(input({ topics: ['lunar', 'launch'] })))!;
    const all = (await buildVariant(input({ topics: [] })))!;
    expect(lunar.key).toBe('lunar@en-GB');
    expect(both.key).toBe('launch+lunar@en-GB');
    expect(lunar.html).not.toBe(both.html);
    expect(lunar.text).not.toContain('Starship flight 12');
    expect(both.text).toContain('Starship flight 12');
    expect(lunar.text).not.toContain('Space start-ups raise');
    expect(all.articleCount).toBe(fixtureArticles().length);
    for (const a of fixtureArticles()) {
      if (a.id === 'hostile') continue;
      // Every article appears: shown, or counted in its section's "and N more".
      const shown = all.text.includes(a.title);
      expect(shown || /and \d+ more stor(y|ies) in/.test(all.text)).toBe(true);
    }
    expect(all.text).toContain('Amateur astronomers catch'); // untagged, still in "everything"
    expect(all.html).toContain('every topic');
    expect(lunar.html).toContain('chose Lunar.');
  });

  it('caps sections with "N more stories in X" linking to the web version', async () => {
    const v = (await buildVariant(
      input({ publication: { ...publication, topStories: 0, maxPerSection: 2 } }),
    ))!;
    expect(v.html).toContain(`href="${webUrl}#topic-launch"`);
    expect(v.text).toMatch(
      /\n4 more stories in Launch: https:\/\/digest\.test\/editions\/2026-W47#topic-launch/,
    );
  });

  it('a variant with no articles gives no email', async () => {
    expect(
      await buildVariant(input({ topics: ['markets'], articles: fixtureArticles().slice(0, 1) })),
    ).toBeNull();
    expect(await buildVariant(input({ articles: [] }))).toBeNull();
  });

  it('subject and preheader are one plain line, even from hostile titles', async () => {
    const nasty = makeArticle({
      id: 'crlf',
      title: 'Breaking\r\nBcc: victim@example.com\u2028news',
      publishedAt: '2026-11-22T21:00:00.000Z',
      topics: ['lunar'],
    });
    const v = (await buildVariant(input({ articles: [nasty, ...fixtureArticles()] })))!;
    expect(v.subject).toBe('Orbit Weekly · Week 47: Breaking Bcc: victim@example.com news');
    expect(v.subject).not.toMatch(/[\r\n\u2028]/);
    expect(v.preheader).not.toMatch(/[\r\n]/);
    // The preheader counts the stories this email shows (its cards), not the week's articles.
    const shown = (v.html.match(/<h3\b/g) ?? []).length;
    expect(shown).toBeLessThan(v.articleCount);
    expect(v.preheader).toContain(`${shown} stories on every topic, 16–22 November 2026`);
  });

  it('an image beside its headline has alt="" unless it has its own description; every image is sized', async () => {
    const copy = makeArticle({
      id: 'alt-copy',
      title: 'Blue Ghost lands in Mare Crisium',
      publishedAt: '2026-11-20T10:00:00.000Z',
      imageUrl: 'https://img.example/blue-ghost.jpg',
      imageAlt: 'Blue Ghost lands in Mare Crisium',
      topics: ['lunar'],
    });
    const v = (await buildVariant(input({ topics: ['lunar'], articles: [copy, ...fixtureArticles()] })))!;
    const img = (src: string) =>
      new RegExp(`<img\\s+src="${src.replace(/[.]/g, '\\.')}"\\s+([^>]*)>`).exec(v.html)?.[1];
    expect(img('https://img.example/blue-ghost.jpg')).toMatch(/^alt\s+width="\d+"\s+height="\d+"/);
    expect(img('https://images.lunar-dispatch.example/shackleton.png')).toMatch(/^alt\s/); // no alt in the feed
    expect(img('https://images.lunar-dispatch.example/artemis-iii-crew.jpg')).toMatch(
      /^alt="Four astronauts in orange suits beside a lander mock-up"/,
    );
    // The image link is a second way to the article, out of the screen reader's and the keyboard's way.
    expect(v.html).toMatch(/<a href="https:\/\/img\.example|tabindex="-1"\s+aria-hidden="true"/);
  });

  it('sets lang, headings in order, alt text on every image, dark-mode styles', async () => {
    const v = (await buildVariant(input({ locale: 'de-DE' })))!;
    expect(v.html).toMatch(/<html lang="de-DE"/);
    expect(v.html).toContain('Woche 47');
    const headings = [...v.html.matchAll(/<h([1-6])\b/g)].map((m) => Number(m[1]));
    expect(headings[0]).toBe(1);
    expect(headings.filter((h) => h === 1)).toHaveLength(1);
    for (let i = 1; i < headings.length; i++) expect(headings[i]! - headings[i - 1]!).toBeLessThanOrEqual(1);
    const imgs = [...v.html.matchAll(/<img\b[^>]*>/g)].map((m) => m[0]);
    expect(imgs.length).toBeGreaterThan(0);
    for (const img of imgs) {
      expect(img).toMatch(/\salt(="[^"]*")?[\s>]/);
      expect(img).toMatch(/\swidth="\d+"/);
      expect(img).toMatch(/\sheight="\d+"/);
    }
    expect(v.html).toContain('prefers-color-scheme: dark');
    expect(v.html).toContain('name="color-scheme"');
    expect(v.html).not.toContain('fonts.googleapis.com');
  });

  it('the web version is the public variant: every article, no personal data or per-recipient links', async () => {
    const web = (await renderWebVersion({
      publication: { ...publication, maxPerSection: 1 },
      edition: FIXTURE_EDITION,
      articles: friendlyArticles(),
      locale: 'en-GB',
      webUrl,
    }))!;
    expect(web.html).not.toMatch(/\{\{|recipient|unsubscribe|preferences|@example\.com/i);
    expect(web.html).not.toMatch(/more stor(y|ies) in/);
    const page = web.html.replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)));
    for (const a of friendlyArticles()) expect(page).toContain(a.title);
    expect(web.articleCount).toBe(friendlyArticles().length);
  });

  it('the web version links to the sign-up form, in its language, and names the publication once in the footer', async () => {
    for (const [locale, subscribe, getIt] of [
      ['en-GB', 'Subscribe', 'Get the next issue by email'],
      ['de', 'Abonnieren', 'Die nächste Ausgabe per E-Mail erhalten'],
    ] as const) {
      const web = (await renderWebVersion({
        publication: { ...publication, locale },
        edition: FIXTURE_EDITION,
        articles: friendlyArticles(),
        locale,
        webUrl,
        subscribeUrl: 'https://digest.test/subscribe',
      }))!;
      const page = web.html.replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)));
      const links = [...page.matchAll(/<a href="https:\/\/digest\.test\/subscribe"[^>]*>([^<]+)<\/a>/g)].map(
        (m) => m[1],
      );
      expect(links, locale).toEqual([subscribe, getIt]);
      const footer = page.slice(page.indexOf('class="nd-footer"'));
      expect(footer.split(publication.name).length - 1, locale).toBe(1);
    }
  });
});

describe('compilePersonaliser', () => {
  it('fills name, email and links, escaped, and keeps the HTML ASCII for any name', async () => {
    const v = (await buildVariant(input({ topics: ['lunar'] })))!;
    const render = compilePersonaliser(v);
    const { html, text } = render({
      ...reader,
      name: 'Zoë <b>&',
      email: 'o\'hara+"x"@example.com',
      unsubscribeUrl: 'https://digest.test/u/a?b=1&c=2',
    });
    expect(/[^\x00-\x7f]/.test(html)).toBe(false);
    expect(html).toContain('o&#39;hara+&quot;x&quot;@example.com');
    expect(html).toContain('href="https://digest.test/u/a?b=1&amp;c=2"');
    expect(html).toContain('href="https://digest.test/p/tok-p"');
    expect(text).toContain('o\'hara+"x"@example.com');
    expect(text).toContain('Unsubscribe: https://digest.test/u/a?b=1&c=2');
    expect(html).not.toMatch(/\{\{|\}\}/);
  });

  it('two recipients of one variant share everything but their own values', async () => {
    const v = (await buildVariant(input({ topics: ['lunar', 'launch'] })))!;
    const render = compilePersonaliser(v);
    const a = render(reader);
    const b = render({ ...reader, email: 'bo@example.com', unsubscribeUrl: 'https://digest.test/u/tok-b' });
    expect(a.html).not.toBe(b.html);
    expect(a.html.replace(/ada@example\.com/g, 'X').replace(/tok-u/g, 'T')).toBe(
      b.html.replace(/bo@example\.com/g, 'X').replace(/tok-b/g, 'T'),
    );
  });

  it('refuses a non-http(s) link (a bug in the caller, never a link in an email)', async () => {
    const v = (await buildVariant(input({ topics: ['lunar'] })))!;
    expect(() => compilePersonaliser(v)({ ...reader, unsubscribeUrl: 'javascript:alert(1)' })).toThrow(
      TypeError,
    );
  });
});

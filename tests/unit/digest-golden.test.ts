/**
 * The golden digest: one compiled variant holding every block type, compared byte for byte with
 * tests/golden/. After an intended template change: UPDATE_GOLDEN=1 npx vitest run tests/unit/digest-golden.test.ts
 * and review the diff.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPublication, SAMPLE_PUBLICATION_FILE } from '../../src/publication/load-publication.ts';
import { buildVariant, type CompiledVariant } from '../../src/render/build-variant.ts';
import { dateFiller } from '../../src/render/date-slots.ts';
import { escapeHtmlAscii } from '../../src/render/personalise.ts';
import { FIXTURE_EDITION, friendlyArticles } from '../fixtures/articles.ts';

const goldenDir = join(import.meta.dirname, '../golden');

/**
 * The variant with its date slots written in the publication's zone (what a reader there reads; the
 * recipient's slots stay), so a golden file shows the dates. Its JSON keeps the slots themselves.
 */
async function goldenVariant(locale = 'en-GB'): Promise<CompiledVariant> {
  const v = await compiledVariant(locale);
  const dates = dateFiller(v)(undefined);
  const fill = (source: string, esc: (s: string) => string) =>
    source.replace(/\{\{dates\.\[(\d+)\]\}\}/g, (_m, i: string) => esc(dates[Number(i)]!));
  return { ...v, html: fill(v.html, escapeHtmlAscii), text: fill(v.text, (s) => s) };
}

async function compiledVariant(locale: string): Promise<CompiledVariant> {
  const publication = loadPublication(SAMPLE_PUBLICATION_FILE);
  return (await buildVariant({
    publication: { ...publication, topStories: 2, maxPerSection: 2 },
    edition: FIXTURE_EDITION,
    articles: friendlyArticles(),
    topics: [],
    locale,
    webUrl: 'https://digest.test/editions/2026-W47',
  }))!;
}

function compareGolden(name: string, actual: string): void {
  const file = join(goldenDir, name);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  expect(existsSync(file), `${file} missing: run with UPDATE_GOLDEN=1`).toBe(true);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

describe('golden digest', () => {
  it('contains every block type', async () => {
    const v = await goldenVariant();
    const blocks: Record<string, RegExp> = {
      'view in browser (top)': /View in browser<\/a>[\s\S]*<h1/,
      'masthead heading': /<h1[^>]*>Orbit Weekly<\/h1>[\s\S]*Week 47 &#183; 16&#8211;22 November 2026/,
      'top stories': /<h2[^>]*>Top stories<\/h2>/,
      sections: /<h2 id="topic-lunar"[\s\S]*<h2 id="topic-launch"[\s\S]*<h2 id="topic-other"/,
      'top story with image':
        /<img[^>]*alt="World map with a dot for every orbital launch site used this year"/,
      'card with image':
        /<img[^>]*alt="Booster descending into the launch tower arms at dusk" width="144" height="81"/,
      'hidden preheader without a colour trick':
        /<div class="nd-preheader" style="display:none;[^"]*">[^<]*\d+ stories on every topic/,
      'card without image': /Rocket Lab sets Neutron&#8217;s first launch date/,
      'brief bullets': /<li[^>]*>Third consecutive booster catch at Starbase\.<\/li>/,
      'summary fallback': /<p[^>]*>The medium-lift rocket is scheduled to fly from Wallops in January\.<\/p>/,
      'read more': /aria-label="Read more: [^"]+"[^>]*>Read more &rarr;<\/a>/,
      'N more stories':
        /href="https:\/\/digest\.test\/editions\/2026-W47#topic-launch"[^>]*>\d more stories in Launch/,
      'why you get this': /You get this email because \{\{recipient\.email\}\} subscribed to this newsletter/,
      'manage preferences': /href="\{\{links\.preferences\}\}"[^>]*>Manage preferences/,
      unsubscribe: /href="\{\{links\.unsubscribe\}\}"[^>]*>Unsubscribe/,
      'view in browser (footer)':
        /Unsubscribe<\/a> &middot; <a href="https:\/\/digest\.test\/editions\/2026-W47"/,
      'postal address': /Orbit Weekly, 12 Launch Lane, Bremen 28195, Germany/,
    };
    const flat = v.html.replace(/<wbr\n>|\n>|\n/g, (m) => (m === '\n' ? ' ' : m === '\n>' ? '>' : ''));
    for (const [block, pattern] of Object.entries(blocks)) expect(flat, block).toMatch(pattern);
    // The footer names the publication once, in its postal line (issue 21: it used to say it twice).
    const footer = flat.slice(flat.indexOf('class="nd-footer"'));
    expect(footer.match(/Orbit Weekly/g)).toHaveLength(1);
    expect(v.text.slice(v.text.lastIndexOf('\n--\n')).match(/Orbit Weekly/g)).toHaveLength(1);
  });

  it('matches tests/golden/digest.html, digest.txt and digest.json byte for byte', async () => {
    const v = await goldenVariant();
    compareGolden('digest.html', v.html);
    compareGolden('digest.txt', v.text);
    const { html: _h, text: _t, ...meta } = v;
    compareGolden('digest.json', `${JSON.stringify(meta, null, 2)}\n`);
  });

  // One golden digest per catalogue language: the same edition and topics, the reader's words,
  // dates, plurals and direction. tests/golden/digest.<locale>.{html,txt,json}.
  it.each(['de', 'fr', 'es', 'pt-BR', 'ar'])('the %s digest matches its golden files', async (locale) => {
    const v = await goldenVariant(locale);
    compareGolden(`digest.${locale}.html`, v.html);
    compareGolden(`digest.${locale}.txt`, v.text);
    const { html: _h, text: _t, ...meta } = v;
    compareGolden(`digest.${locale}.json`, `${JSON.stringify(meta, null, 2)}\n`);
  });

  it('each language has its own words, dates and direction', async () => {
    const words: Record<string, RegExp[]> = {
      de: [
        /<html lang="de" dir="ltr"/,
        /Die wichtigsten Meldungen/,
        /Weiterlesen/,
        /Abbestellen/,
        /So\., 22\. Nov\./,
      ],
      fr: [/<html lang="fr" dir="ltr"/, /&#192; la une/, /Lire la suite/, /Se d&#233;sinscrire/],
      es: [/<html lang="es" dir="ltr"/, /Lo m&#225;s destacado/, /Seguir leyendo/, /Darse de baja/],
      'pt-BR': [
        /<html lang="pt-BR" dir="ltr"/,
        /Destaques da semana/,
        /Leia mais/,
        /Cancelar inscri&#231;&#227;o/,
      ],
      ar: [/<html lang="ar" dir="rtl"/, /direction:rtl/, /text-align:right/, /&larr;<\/a>/],
    };
    for (const [locale, patterns] of Object.entries(words)) {
      const v = await goldenVariant(locale);
      expect(v.key).toBe(`all@${locale}`);
      for (const p of patterns) expect(v.html, `${locale} ${p}`).toMatch(p);
      expect(v.html, locale).not.toMatch(/Read more|Top stories|Unsubscribe/);
    }
    const de = await goldenVariant('de');
    expect(de.subject).toMatch(/^Orbit Weekly · Woche 47: /);
    expect(de.preheader).toMatch(/\d+ Artikel zu allen Themen, 16\.–22\. November 2026\.$/);
    expect(de.text).toContain('Weiterlesen: https://');
  });
});

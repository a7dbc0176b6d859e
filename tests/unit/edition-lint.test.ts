/**
 * The pre-send lint on plain data: a real variant filled for a reader is clean; a 120 KB variant, an
 * image without alt or size, an alt that repeats its headline, a missing text part, a footer without
 * unsubscribe link or postal address, and a link answering 404 are each flagged.
 */
import { describe, expect, it } from 'vitest';
import { type LintVariant, lintEdition } from '../../src/lint/edition-lint.ts';
import { loadPublication, SAMPLE_PUBLICATION_FILE } from '../../src/publication/load-publication.ts';
import { buildVariant } from '../../src/render/build-variant.ts';
import { compilePersonaliser } from '../../src/render/personalise.ts';
import { FIXTURE_EDITION, friendlyArticles } from '../fixtures/articles.ts';

const publication = loadPublication(SAMPLE_PUBLICATION_FILE);
const unsubscribeUrl = 'https://digest.test/u/tok-u';

async function realVariant(topics: string[] = []): Promise<LintVariant> {
  const v = (await buildVariant({
    publication,
    edition: FIXTURE_EDITION,
    articles: friendlyArticles(),
    topics,
    locale: 'en-GB',
    webUrl: 'https://digest.test/editions/2026-W47',
  }))!;
  const filled = compilePersonaliser(v)({
    name: 'Ada',
    email: 'ada@example.com',
    unsubscribeUrl,
    preferencesUrl: 'https://digest.test/p/tok-p',
  });
  return { key: v.key, html: filled.html, text: filled.text, unsubscribeUrl };
}

const lint = (variants: LintVariant[], links?: Parameters<typeof lintEdition>[0]['links']) =>
  lintEdition({ editionId: '2026-W47', postalAddress: publication.postalAddress, variants, links });
const codes = (r: ReturnType<typeof lint>) => r.findings.map((f) => `${f.level}:${f.code}`);
/** Puts `extra` into the body just before the footer, as an operator's template would. */
const inject = (v: LintVariant, extra: string): LintVariant => ({
  ...v,
  html: v.html.replace(/<div\s+class="nd-footer"/, `${extra}<div class="nd-footer"`),
});

describe('edition lint', () => {
  it('a real variant as a reader gets it is clean', async () => {
    const r = lint([await realVariant(), await realVariant(['lunar'])]);
    expect(r.findings).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.variants.map((v) => v.key)).toEqual(['all@en-GB', 'lunar@en-GB']);
    expect(r.variants[0]!.htmlBytes).toBeGreaterThan(10_000);
    expect(r.variants[0]!.images).toBeGreaterThan(0);
  });

  it('flags a 120 KB variant (Gmail clips over 102 KB) as an error, 95 KB as a warning', async () => {
    const v = await realVariant();
    const pad = (kb: number) =>
      `<p>${'Lorem ipsum dolor sit amet. '.repeat(Math.ceil((kb * 1024 - v.html.length) / 28))}</p>`;
    const big = lint([inject(v, pad(120))]);
    expect(big.variants[0]!.htmlBytes).toBeGreaterThan(120 * 1024);
    expect(codes(big)).toEqual(['error:html-size']);
    expect(big.findings[0]!.message).toMatch(/Gmail clips over 102\.0 KB/);
    expect(codes(lint([inject(v, pad(95))]))).toEqual(['warning:html-size']);
  });

  it('flags an image without alt, one without width and height, and an alt that repeats its headline', async () => {
    const v = await realVariant();
    const r = lint([
      inject(
        v,
        '<img src="https://img.test/a.jpg" width="144" height="81">' +
          '<img src="https://img.test/b.jpg" alt="">' +
          '<img src="https://img.test/c.jpg" alt="Lander touches down on the far side" width="144" height="81"><h3>Lander touches down on the far side</h3>',
      ),
    ]);
    expect(codes(r)).toEqual(['error:image-alt', 'error:image-size', 'warning:image-alt']);
    expect(r.findings[0]!.message).toContain('https://img.test/a.jpg');
    expect(r.findings[1]!.message).toContain('https://img.test/b.jpg');
    expect(r.findings[2]!.message).toMatch(/repeats the text beside it/);
  });

  it('flags a missing text part, and a footer without unsubscribe link or postal address', async () => {
    const v = await realVariant();
    expect(codes(lint([{ ...v, text: undefined }]))).toEqual(['error:text-part']);
    const stripped = {
      ...v,
      html: v.html
        .replaceAll(unsubscribeUrl, 'https://digest.test/elsewhere')
        .replace(/Orbit Weekly, 12 Launch Lane/, 'Somewhere'),
    };
    expect(codes(lint([stripped]))).toEqual(['error:unsubscribe', 'error:postal-address']);
  });

  it('flags links that answered 4xx/5xx or not at all, naming the variant that holds them', async () => {
    const all = await realVariant();
    const lunar = await realVariant(['lunar']);
    const onlyLunar = inject(lunar, '<a href="https://gone.test/story">x</a>');
    const r = lint(
      [all, onlyLunar],
      [
        { url: 'https://gone.test/story', status: 404 },
        { url: 'https://launch-log.example/cadence-300', status: 200 },
        { url: 'https://launch-log.example/img/launch-map.png', error: 'did not answer within 8 s' },
      ],
    );
    expect(codes(r)).toEqual(['error:broken-link', 'error:broken-link']);
    expect(r.findings[0]).toMatchObject({
      variant: 'lunar@en-GB',
      message: 'https://gone.test/story answers HTTP 404',
    });
    expect(r.findings[1]!.message).toBe(
      'https://launch-log.example/img/launch-map.png did not answer within 8 s',
    );
    expect(r.linksChecked).toBe(3);
  });
});

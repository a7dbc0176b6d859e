/**
 * The size budget: Gmail clips an HTML part over 102 KB, hiding the footer and its unsubscribe link.
 * A busy week (64 articles over four topics, every card at its heaviest) stays under the budget in
 * every variant, with the footer in, and the counts the email states match the stories it holds.
 */
import { describe, expect, it } from 'vitest';
import { loadPublication, SAMPLE_PUBLICATION_FILE } from '../../src/publication/load-publication.ts';
import { buildVariant, type CompiledVariant } from '../../src/render/build-variant.ts';
import { CLIP_LIMIT_BYTES, HTML_BUDGET_BYTES } from '../../src/render/size-budget.ts';
import { FIXTURE_EDITION } from '../fixtures/articles.ts';
import { BUSY_TOPICS, busyWeek } from '../fixtures/busy-week.ts';

const publication = loadPublication(SAMPLE_PUBLICATION_FILE);
const webUrl = 'https://digest.test/editions/2026-W47';

/** Every set of the four topics, and [] (everything). */
const topicSets = (): string[][] =>
  Array.from({ length: 16 }, (_, mask) => BUSY_TOPICS.filter((_, i) => mask & (1 << i)));

const build = (articles = busyWeek(64), topics: string[] = [], pub = publication) =>
  buildVariant({ publication: pub, edition: FIXTURE_EDITION, articles, topics, locale: 'en-GB', webUrl });

function statedCounts(v: CompiledVariant) {
  const cards = (v.html.match(/<h3\b/g) ?? []).length;
  // The mail-safe wrap may break a line at any space of the label.
  const more = [...v.html.matchAll(/>\s*(\d+)\s+more\s+(?:story|stories)\s+in\s/g)].reduce(
    (n, m) => n + Number(m[1]),
    0,
  );
  const preheader = Number(/(\d+) stor(?:y|ies) on /.exec(v.preheader)?.[1]);
  return { cards, more, preheader };
}

function expectFooter(v: CompiledVariant) {
  const tail = v.html.slice(v.html.lastIndexOf('nd-footer'));
  expect(tail).toContain('{{links.unsubscribe}}');
  expect(tail).toContain('{{links.preferences}}');
  expect(tail.replace(/\n/g, ' ')).toContain('Orbit Weekly, 12 Launch Lane, Bremen 28195, Germany');
}

describe('size budget', () => {
  it('a 64-article week over four topics: every variant under 102 KB, footer in, counts true', async () => {
    const articles = busyWeek(64);
    for (const topics of topicSets()) {
      const v = (await build(articles, topics))!;
      const bytes = Buffer.byteLength(v.html);
      expect(bytes, v.key).toBeLessThan(CLIP_LIMIT_BYTES);
      expect(bytes, v.key).toBeLessThanOrEqual(HTML_BUDGET_BYTES);
      expectFooter(v);
      const { cards, more, preheader } = statedCounts(v);
      expect(preheader, `${v.key}: ${v.preheader}`).toBe(cards);
      expect(cards + more, v.key).toBe(v.articleCount);
      // No indentation and no comments but Outlook's conditional ones.
      expect(v.html, v.key).not.toMatch(/\n[ \t]{2,}</);
      expect(v.html.replace(/<!--\[if [^\]]*\]>|<!\[endif\]-->|<!-->|<!--<!\[endif\]-->/g, '')).not.toContain(
        '<!--',
      );
    }
  });

  it('holds by construction: a publication asking for 50 stories a section is cut down to the budget', async () => {
    const greedy = { ...publication, topStories: 10, maxPerSection: 50 };
    const v = (await build(busyWeek(120), [], greedy))!;
    expect(Buffer.byteLength(v.html)).toBeLessThanOrEqual(HTML_BUDGET_BYTES);
    expectFooter(v);
    const { cards, more, preheader } = statedCounts(v);
    expect(preheader).toBe(cards);
    expect(cards + more).toBe(120);
    expect(more).toBeGreaterThan(0);
    expect(v.text).toMatch(
      /\d+ more stories in Lunar: https:\/\/digest\.test\/editions\/2026-W47#topic-lunar/,
    );
  });
});

/** `digest articles list`: one default edition (last week), --since, --source, --limit, errors in our words. */
import { describe, expect, it } from 'vitest';
import { articleListQuery, selectArticles } from '../../src/articles/article-list-query.ts';
import type { Article } from '../../src/domain/article.ts';

const pub = { timezone: 'Europe/Berlin', weekStartsOn: 1 as const };
const now = new Date('2026-11-25T10:00:00Z'); // Wednesday of 2026-W48

describe('articleListQuery', () => {
  it('defaults to last week, like send, status and preview', () => {
    expect(articleListQuery({}, pub, now)).toMatchObject({ ok: true, label: '2026-W47' });
  });

  it('--since lists up to now; --limit and --source pass through', () => {
    const q = articleListQuery({ since: '2026-10-01', limit: '5', source: 'src-1' }, pub, now);
    expect(q).toEqual({
      ok: true,
      label: 'since 2026-10-01',
      start: new Date('2026-10-01'),
      end: now,
      source: 'src-1',
      limit: 5,
    });
  });

  it('refuses bad input with one line of ours', () => {
    expect(articleListQuery({ since: 'last tuesday' }, pub, now)).toEqual({
      ok: false,
      reason: '--since "last tuesday" is not a past date such as 2026-11-01',
    });
    expect(articleListQuery({ limit: '0' }, pub, now)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^--limit "0"/),
    });
    expect(articleListQuery({ edition: '2026-W47', since: '2026-10-01' }, pub, now)).toMatchObject({
      ok: false,
    });
  });
});

describe('selectArticles', () => {
  const article = (id: string, sourceId: string, publishedAt: string) =>
    ({ id, sourceId, publishedAt }) as Article;
  const all = [
    article('a', 's1', '2026-11-01T00:00:00Z'),
    article('b', 's2', '2026-11-03T00:00:00Z'),
    article('c', 's1', '2026-11-02T00:00:00Z'),
  ];
  const sources = [
    { id: 's1', url: 'https://example.com/feed.xml' },
    { id: 's2', url: 'https://example.org/atom' },
  ];

  it('filters by source id or URL, newest first, at most limit', () => {
    expect(selectArticles(all, {}, sources).map((a) => a.id)).toEqual(['b', 'c', 'a']);
    expect(selectArticles(all, { source: 'https://example.com/feed.xml' }, sources).map((a) => a.id)).toEqual(
      ['c', 'a'],
    );
    expect(selectArticles(all, { source: 's1', limit: 1 }, sources).map((a) => a.id)).toEqual(['c']);
  });
});

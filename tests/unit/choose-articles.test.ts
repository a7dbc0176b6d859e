import { describe, expect, it } from 'vitest';
import { chooseArticles, OTHER_SECTION } from '../../src/render/choose-articles.ts';
import { makeArticle } from '../fixtures/articles.ts';

const topicOrder = ['lunar', 'launch', 'policy', 'markets'];
const at = (day: number) => `2026-11-${String(day).padStart(2, '0')}T12:00:00.000Z`;
const a = (id: string, topics: string[], day: number) =>
  makeArticle({ id, title: id, topics, publishedAt: at(day) });

const week = [
  a('moon1', ['lunar'], 16),
  a('moon2', ['lunar'], 17),
  a('moon3', ['lunar'], 18),
  a('rocket1', ['launch'], 19),
  a('rocket2', ['launch'], 20),
  a('both', ['launch', 'lunar'], 15),
  a('law', ['policy'], 21),
  a('untagged', [], 22),
];
const ids = (list: { id: string }[]) => list.map((x) => x.id);

describe('chooseArticles', () => {
  it('the all variant: newest top stories, then sections in topic order, untagged last', () => {
    const c = chooseArticles(week, { topicOrder, topics: [], topStories: 2, maxPerSection: 10 });
    expect(ids(c.topStories)).toEqual(['untagged', 'law']);
    expect(c.sections.map((s) => s.topicId)).toEqual(['lunar', 'launch']);
    // "both" sits in the first of its topics in publication order (lunar), never twice.
    expect(ids(c.sections[0]!.articles)).toEqual(['moon3', 'moon2', 'moon1', 'both']);
    expect(ids(c.sections[1]!.articles)).toEqual(['rocket2', 'rocket1']);
    expect(c.total).toBe(week.length);
  });

  it('puts untagged articles in a closing section when they are not top stories', () => {
    const c = chooseArticles(week, { topicOrder, topics: [], topStories: 0, maxPerSection: 10 });
    expect(c.sections.map((s) => s.topicId)).toEqual(['lunar', 'launch', 'policy', OTHER_SECTION]);
  });

  it('a topic variant keeps only its topics and ranks articles matching more of them first', () => {
    const c = chooseArticles(week, {
      topicOrder,
      topics: ['launch', 'lunar'],
      topStories: 1,
      maxPerSection: 10,
    });
    expect(ids(c.topStories)).toEqual(['both']);
    expect(c.sections.map((s) => s.topicId)).toEqual(['lunar', 'launch']);
    expect(c.total).toBe(6);
    const all = [...c.topStories, ...c.sections.flatMap((s) => s.articles)];
    expect(new Set(ids(all)).size).toBe(all.length);
    expect(ids(all)).not.toContain('law');
    expect(ids(all)).not.toContain('untagged');
  });

  it('{Lunar} and {Lunar, Launch} get different articles', () => {
    const rules = { topicOrder, topStories: 1, maxPerSection: 10 };
    const lunar = chooseArticles(week, { ...rules, topics: ['lunar'] });
    const both = chooseArticles(week, { ...rules, topics: ['lunar', 'launch'] });
    expect(lunar.total).toBe(4);
    expect(both.total).toBe(6);
    expect(lunar.sections.map((s) => s.topicId)).toEqual(['lunar']);
  });

  it('caps each section and counts the rest', () => {
    const c = chooseArticles(week, { topicOrder, topics: ['lunar'], topStories: 0, maxPerSection: 2 });
    expect(c.sections).toEqual([expect.objectContaining({ topicId: 'lunar', more: 2 })]);
    expect(ids(c.sections[0]!.articles)).toEqual(['moon3', 'moon2']);
  });

  it('no matching articles: nothing chosen', () => {
    const c = chooseArticles(week, { topicOrder, topics: ['markets'], topStories: 3, maxPerSection: 4 });
    expect(c).toEqual({ topStories: [], sections: [], total: 0 });
  });

  it('is deterministic: same input in another order, same choice; duplicates count once', () => {
    const rules = { topicOrder, topics: [], topStories: 3, maxPerSection: 2 };
    const one = chooseArticles(week, rules);
    const two = chooseArticles([...week].reverse().concat(week[0]!), rules);
    expect(two).toEqual(one);
  });
});

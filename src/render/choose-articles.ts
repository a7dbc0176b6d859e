/**
 * Which articles a variant shows, in which order (pure).
 *
 * The pool is every article carrying one of the variant's topics (all articles for the `all`
 * variant). Top stories come first: the `topStories` highest-ranked articles of the pool. Then one
 * section per topic in the publication's topic order; an article sits in the first of its topics
 * that the variant has, so it appears once per email. A section shows at most `maxPerSection`
 * articles and counts the rest ("N more stories in Lunar", linked to the web version). In the `all` variant,
 * articles without any topic get a closing "other" section so "everything" really is everything.
 *
 * Rank: in a topic variant, articles matching more of the reader's topics first (most relevant to
 * them); then newest; then id, so the same input always gives the same email. In the `all` variant
 * no topic is preferred, so it is newest first.
 */
import type { Article } from '../domain/article.ts';

export interface SectionChoice {
  /** A topic id, or `other` for untagged articles in the `all` variant. */
  topicId: string;
  articles: Article[];
  /** Articles of this section left out by the cap. */
  more: number;
}

export interface ArticleChoice {
  topStories: Article[];
  sections: SectionChoice[];
  /** Articles of the variant, shown or counted in "more". */
  total: number;
}

export interface ChoiceRules {
  /** The publication's topic ids, in its order. */
  topicOrder: string[];
  /** The variant's topics; [] = everything. */
  topics: string[];
  topStories: number;
  /** Cap per section; Infinity for the web version. */
  maxPerSection: number;
  /** An article the editor pinned: first of the top stories when this variant has it. */
  pinned?: string | undefined;
}

export const OTHER_SECTION = 'other';

export function chooseArticles(articles: Article[], rules: ChoiceRules): ArticleChoice {
  const wanted = rules.topics.length ? new Set(rules.topics) : undefined;
  const order = rules.topicOrder.filter((t) => !wanted || wanted.has(t));
  const relevance = (a: Article) => (wanted ? a.topics.filter((t) => wanted.has(t)).length : 0);

  const pool = uniqueById(articles).filter((a) => !wanted || a.topics.some((t) => wanted.has(t)));
  const ranked = pool
    .map((article) => ({ article, score: relevance(article), time: Date.parse(article.publishedAt) || 0 }))
    .sort(
      (x, y) =>
        pinnedFirst(x.article, y.article, rules.pinned) ||
        y.score - x.score ||
        y.time - x.time ||
        compare(x.article.id, y.article.id),
    )
    .map((r) => r.article);

  const topStories = ranked.slice(0, Math.max(0, rules.topStories));
  const byTopic = new Map<string, Article[]>(order.map((t) => [t, []]));
  const other: Article[] = [];
  for (const article of ranked.slice(topStories.length)) {
    const home = order.find((t) => article.topics.includes(t));
    if (home) byTopic.get(home)!.push(article);
    else if (!wanted) other.push(article);
  }
  if (other.length) byTopic.set(OTHER_SECTION, other);

  const sections: SectionChoice[] = [];
  for (const [topicId, list] of byTopic) {
    if (list.length === 0) continue;
    const shown = list.slice(0, Math.max(1, rules.maxPerSection));
    sections.push({ topicId, articles: shown, more: list.length - shown.length });
  }
  return { topStories, sections, total: ranked.length };
}

function uniqueById(articles: Article[]): Article[] {
  const seen = new Set<string>();
  return articles.filter((a) => {
    if (seen.has(a.id)) return false;
    seen.add(a.id);
    return true;
  });
}

const pinnedFirst = (a: Article, b: Article, pinned: string | undefined) =>
  pinned === undefined ? 0 : Number(b.id === pinned) - Number(a.id === pinned);

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The one lookup of an edition's articles, for the preview and the web version: a built edition's
 * frozen list (in its frozen order) when the edition is stored, else the articles collected so far in
 * the edition's window [start, end).
 */
import type { Container } from '../app/container.ts';
import { editionWindow } from '../core/edition-window.ts';
import type { Article } from '../domain/article.ts';
import { UserError } from '../errors/user-error.ts';

export interface EditionArticles {
  edition: { id: string; windowStart: string; windowEnd: string };
  articles: Article[];
  /** True when the list is a built edition's frozen one. */
  frozen: boolean;
}

export async function loadEditionArticles(
  container: Pick<Container, 'publication' | 'articles' | 'editions'>,
  editionId: string,
): Promise<EditionArticles> {
  const stored = await container.editions.get(editionId);
  if (stored) {
    return {
      edition: { id: stored.id, windowStart: stored.windowStart, windowEnd: stored.windowEnd },
      articles: await container.articles.getMany(stored.articleIds),
      frozen: true,
    };
  }
  const { timezone, weekStartsOn } = container.publication;
  let window: { start: Date; end: Date };
  try {
    window = editionWindow(editionId, timezone, weekStartsOn);
  } catch (err) {
    throw new UserError((err as Error).message);
  }
  return {
    edition: { id: editionId, windowStart: window.start.toISOString(), windowEnd: window.end.toISOString() },
    articles: await container.articles.listInWindow(window.start, window.end),
    frozen: false,
  };
}

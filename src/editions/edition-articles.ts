/**
 * The one lookup of an edition's articles, for the preview, test sends and the web version: a built
 * edition's current generation (the articles as they were frozen, not as they are now, and the
 * editor's pin, note and subject it was built with), else the articles collected so far in the
 * edition's window [start, end).
 */
import type { Container } from '../app/container.ts';
import { editionWindow } from '../core/edition-window.ts';
import type { Article } from '../domain/article.ts';
import { UserError } from '../errors/user-error.ts';
import type { Editorial } from '../render/digest-model.ts';
import { editorialOfEdition } from './build-edition.ts';

export interface EditionArticles {
  edition: { id: string; windowStart: string; windowEnd: string };
  articles: Article[];
  /** True when the list is a built edition's frozen one. */
  frozen: boolean;
  /** The editor's changes the generation was built with ({} before a build). */
  editorial: Editorial;
}

export async function loadEditionArticles(
  container: Pick<Container, 'publication' | 'articles' | 'editions'>,
  editionId: string,
): Promise<EditionArticles> {
  const stored = await container.editions.get(editionId);
  if (stored) {
    // Editions built before generations kept their articles have only the ids: today's versions.
    const articles =
      (await container.editions.articles(editionId)) ?? (await container.articles.getMany(stored.articleIds));
    return {
      edition: { id: stored.id, windowStart: stored.windowStart, windowEnd: stored.windowEnd },
      articles,
      frozen: true,
      editorial: editorialOfEdition(stored, articles),
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
    editorial: {},
  };
}

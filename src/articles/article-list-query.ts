/**
 * What `digest articles list` shows, from its options (pure; `now` comes in): the articles of an
 * edition's week (default: `fallbackEdition`, the same default edition as send, status and preview,
 * src/editions/default-edition.ts), or of
 * everything published since a date, optionally of one source, at most `limit`, newest first.
 */
import { editionWindow, previousEditionId, type WeekStart } from '../core/edition-window.ts';
import type { Article } from '../domain/article.ts';

export interface ArticleListOptions {
  edition?: string;
  since?: string;
  source?: string;
  limit?: string;
}

export type ArticleListQuery =
  | { ok: true; label: string; start: Date; end: Date; source?: string; limit?: number }
  | { ok: false; reason: string };

export function articleListQuery(
  o: ArticleListOptions,
  publication: { timezone: string; weekStartsOn: WeekStart },
  now: Date,
  /** The default edition (src/editions/default-edition.ts); without it, last week. */
  fallbackEdition?: string,
): ArticleListQuery {
  if (o.edition !== undefined && o.since !== undefined)
    return { ok: false, reason: '--edition and --since choose the period two ways: give one of them' };
  let limit: number | undefined;
  if (o.limit !== undefined) {
    if (!/^\d{1,6}$/.test(o.limit.trim()) || Number(o.limit) < 1)
      return { ok: false, reason: `--limit "${o.limit}" is not a whole number from 1 to 999999` };
    limit = Number(o.limit);
  }
  const source = o.source?.trim() || undefined;
  if (o.since !== undefined) {
    const text = o.since.trim();
    const start = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/.test(text)
      ? new Date(text)
      : undefined;
    if (!start || Number.isNaN(start.getTime()) || start.getTime() > now.getTime())
      return { ok: false, reason: `--since "${text}" is not a past date such as 2026-11-01` };
    return { ok: true, label: `since ${text}`, start, end: now, source, limit };
  }
  const edition =
    o.edition?.trim() ??
    fallbackEdition ??
    previousEditionId(now, publication.timezone, publication.weekStartsOn);
  try {
    const window = editionWindow(edition, publication.timezone, publication.weekStartsOn);
    return { ok: true, label: edition, start: window.start, end: window.end, source, limit };
  } catch (err) {
    return { ok: false, reason: `--edition: ${(err as Error).message}` };
  }
}

/** The listed articles: of the source if one was given (its id or URL), newest first, at most limit. */
export function selectArticles(
  articles: Article[],
  q: { source?: string; limit?: number },
  sources: Array<{ id: string; url: string }>,
): Article[] {
  const sourceId = q.source
    ? (sources.find((s) => s.id === q.source || s.url === q.source)?.id ?? q.source)
    : undefined;
  const chosen = sourceId ? articles.filter((a) => a.sourceId === sourceId) : articles;
  const newestFirst = [...chosen].sort((a, b) => b.publishedAt.localeCompare(a.publishedAt));
  return q.limit ? newestFirst.slice(0, q.limit) : newestFirst;
}

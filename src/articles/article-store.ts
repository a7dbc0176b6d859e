import type { Article } from '../domain/article.ts';

export type UpsertOutcome = 'new' | 'updated' | 'unchanged';

export interface UpsertOptions {
  /**
   * Keep the stored publishedAt on update: the feed gave no usable date this time (or one in the
   * future), so the incoming publishedAt is only "now" and must not move the article to a new week.
   */
  keepPublishedAt?: boolean;
}

/** Where collected articles live (the Redis adapter is redis-article-store.ts). */
export interface ArticleStore {
  /** Stores an article, deduplicating by guid, then canonical URL, then content hash. */
  upsert(article: Article, options?: UpsertOptions): Promise<UpsertOutcome>;
  get(id: string): Promise<Article | undefined>;
  /** In the order of `ids`; missing ones are left out. */
  getMany(ids: string[]): Promise<Article[]>;
  /** Articles with publishedAt in [start, end), newest first. */
  listInWindow(start: Date, end: Date): Promise<Article[]>;
  /** The newest `limit` articles by publishedAt. */
  listRecent(limit: number): Promise<Article[]>;
}

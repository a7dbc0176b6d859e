import type { Article } from '../domain/article.ts';

export type UpsertOutcome = 'new' | 'updated' | 'unchanged';

/** Where collected articles live (the Redis adapter is redis-article-store.ts). */
export interface ArticleStore {
  /** Stores an article, deduplicating by guid, then canonical URL, then content hash. */
  upsert(article: Article): Promise<UpsertOutcome>;
  get(id: string): Promise<Article | undefined>;
  /** In the order of `ids`; missing ones are left out. */
  getMany(ids: string[]): Promise<Article[]>;
  /** Articles with publishedAt in [start, end), newest first. */
  listInWindow(start: Date, end: Date): Promise<Article[]>;
}

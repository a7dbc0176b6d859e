/**
 * Articles pushed by the admin API (`POST /api/articles`) or `digest articles add --file`: validated
 * with a schema, then normalised exactly like feed items (markup stripped, canonical URL, brief,
 * topics) and stored under the source id `api`. All or nothing: one bad article rejects the batch
 * with a message naming it, so a caller never has to guess which half was stored.
 */
import { z } from 'zod';
import type { Publication } from '../domain/publication.ts';
import type { FeedEntry } from '../feeds/feed-entry.ts';
import { normaliseEntry } from '../feeds/normalise-entry.ts';
import type { ArticleStore, UpsertOutcome } from './article-store.ts';

export const API_SOURCE_ID = 'api';
export const MAX_ARTICLES_PER_PUSH = 500;

const text = (max: number) => z.string().trim().max(max);

const articleSchema = z.object({
  title: text(300).min(1),
  url: z
    .string()
    .trim()
    .max(2000)
    .regex(/^https?:\/\/[^\s]+$/i, 'an http(s) URL'),
  guid: text(500).min(1).optional(),
  publishedAt: z
    .string()
    .trim()
    .refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO 8601 date-time')
    .optional(),
  author: text(120).optional(),
  /** The body as HTML (markup is stripped; the brief is found in it). */
  html: z.string().max(1_000_000).optional(),
  /** Or the body as plain text. */
  text: z.string().max(1_000_000).optional(),
  /** Key points given explicitly (take precedence over a list in the body). */
  brief: z.array(text(600).min(1)).max(6).optional(),
  imageUrl: z
    .string()
    .trim()
    .regex(/^https?:\/\/[^\s]+$/i, 'an http(s) URL')
    .optional(),
  imageAlt: text(300).optional(),
  topics: z.array(z.string()).max(20).optional(),
  categories: z.array(text(100)).max(50).optional(),
});

export type ArticleInput = z.infer<typeof articleSchema>;

const batchSchema = z.union([
  articleSchema.transform((a) => [a]),
  z.array(articleSchema).min(1).max(MAX_ARTICLES_PER_PUSH),
  z
    .object({ articles: z.array(articleSchema).min(1).max(MAX_ARTICLES_PER_PUSH) })
    .transform((o) => o.articles),
]);

export class ArticleInputError extends Error {
  readonly code = 'EINPUT';
  constructor(message: string) {
    super(message);
    this.name = 'ArticleInputError';
  }
}

export interface PushResult {
  new: number;
  updated: number;
  unchanged: number;
  articles: Array<{ id: string; url: string; outcome: UpsertOutcome }>;
}

/** Validates `input` (one article, an array, or `{articles: [...]}`) and stores the articles. */
export async function pushArticles(
  store: ArticleStore,
  publication: Publication,
  input: unknown,
  now: Date,
): Promise<PushResult> {
  const parsed = batchSchema.safeParse(input);
  if (!parsed.success) throw new ArticleInputError(describeIssue(input, parsed.error));
  const known = new Set(publication.topics.map((t) => t.id));
  const prepared = parsed.data.map((a, i) => {
    const unknown = (a.topics ?? []).find((t) => !known.has(t));
    if (unknown !== undefined) {
      throw new ArticleInputError(
        `article ${i + 1}: unknown topic "${unknown}" (known: ${[...known].join(', ')})`,
      );
    }
    const result = normaliseEntry(toEntry(a), {
      sourceId: API_SOURCE_ID,
      baseUrl: undefined,
      publication,
      sourceTopics: a.topics,
      now,
    });
    if (!result.ok) throw new ArticleInputError(`article ${i + 1}: ${result.reason}`);
    const article = { ...result.article };
    if (a.brief) article.brief = a.brief;
    if (a.imageAlt && article.imageUrl) article.imageAlt = a.imageAlt;
    return { article, keepPublishedAt: !result.dateFromFeed };
  });
  const out: PushResult = { new: 0, updated: 0, unchanged: 0, articles: [] };
  for (const { article, keepPublishedAt } of prepared) {
    const outcome = await store.upsert(article, { keepPublishedAt });
    out[outcome]++;
    out.articles.push({ id: article.id, url: article.url, outcome });
  }
  return out;
}

function toEntry(a: ArticleInput): FeedEntry {
  return {
    guid: a.guid,
    link: a.url,
    title: a.title,
    contentHtml: a.html,
    summaryHtml: undefined,
    contentText: a.html ? undefined : a.text,
    author: a.author,
    published: a.publishedAt,
    updated: undefined,
    categories: a.categories ?? [],
    images: a.imageUrl ? [{ url: a.imageUrl, alt: a.imageAlt }] : [],
  };
}

/** One line naming the article and the field, e.g. `article 2: url must be an http(s) URL`. */
function describeIssue(input: unknown, error: z.ZodError): string {
  // A union reports the branch that got furthest; prefer the array/object branch's own issues.
  const issues = error.issues.flatMap((i) =>
    i.code === 'invalid_union' ? (i.errors as z.core.$ZodIssue[][]).flat() : [i],
  );
  const many = Array.isArray(input) || (typeof input === 'object' && input !== null && 'articles' in input);
  const relevant = issues.filter((i) =>
    many ? typeof i.path[0] === 'number' || i.path[0] === 'articles' : true,
  );
  const issue = relevant.find((i) => i.path.length > 0) ?? relevant[0] ?? issues[0];
  if (!issue) return 'the body must be an article or a list of articles';
  const path = [...issue.path];
  if (path[0] === 'articles') path.shift();
  const index = typeof path[0] === 'number' ? Number(path.shift()) : undefined;
  const where = index === undefined ? (many ? '' : 'article 1') : `article ${index + 1}`;
  if (path.length === 0 && !where)
    return `the body must be an article or a list of 1-${MAX_ARTICLES_PER_PUSH} articles`;
  const subject = [where, path.join('.')].filter(Boolean).join(': ');
  return `${subject}: ${issue.message}`;
}

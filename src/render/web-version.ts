/**
 * The public web version of an edition (`GET /editions/:id`, "view in browser"): every topic, no
 * section cap, nothing personal (no recipient, no unsubscribe or preference links), and a sign-up link.
 */
import type { Article } from '../domain/article.ts';
import type { Publication } from '../domain/publication.ts';
import type { Editorial } from './digest-model.ts';
import { renderDigest } from './render-digest.ts';

export interface WebVersionInput {
  publication: Publication;
  edition: { id: string; windowStart: string; windowEnd: string };
  articles: Article[];
  locale: string;
  /** The page's own URL (its section anchors link here). */
  webUrl: string;
  templatesDir?: string | undefined;
  /** The editor's pin, note and subject for this edition. */
  editorial?: Editorial | undefined;
  /** The sign-up form's URL, linked from the masthead and the footer. */
  subscribeUrl?: string | undefined;
}

export interface WebVersion {
  title: string;
  html: string;
  articleCount: number;
}

export async function renderWebVersion(input: WebVersionInput): Promise<WebVersion | null> {
  const rendered = await renderDigest({ ...input, topics: [] }, 'web');
  if (!rendered) return null;
  return { title: rendered.subject, html: rendered.html, articleCount: rendered.model.articleCount };
}

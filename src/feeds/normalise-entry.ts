/**
 * FeedEntry → Article (pure: `now` comes in). Text is stripped of markup with entities decoded;
 * only http(s) links survive; dates in the future or missing become the time first seen; the brief is
 * the article's own key-point list, the summary its lead sentences.
 */
import { createHash } from 'node:crypto';
import type { Article } from '../domain/article.ts';
import { canonicalUrl, httpUrl } from './canonical-url.ts';
import { classifyTopics, type TopicConfig } from './classify-topics.ts';
import { takeBrief } from './extract-brief.ts';
import type { FeedEntry } from './feed-entry.ts';
import { firstImage, parseHtml, serialize, textOf } from './html-dom.ts';
import { htmlToParagraphs, htmlToPlain } from './html-text.ts';
import { leadSentences } from './lead-sentences.ts';
import { parseFeedDate } from './parse-date.ts';

export interface NormaliseContext {
  sourceId: string;
  /** Base for relative links: the feed's own site link, else the URL it was fetched from. */
  baseUrl: string | undefined;
  /**
   * Base for relative image addresses when it differs from `baseUrl`: a local feed file (the bundled
   * sample's) names its pictures under this server's `/static/sample/`, so they resolve against
   * PUBLIC_URL, whatever port or host the server has, instead of an address fixed in the file.
   */
  imageBaseUrl?: string | undefined;
  publication: TopicConfig & { locale?: string };
  sourceTopics?: string[];
  now: Date;
}

export type NormaliseResult =
  | {
      ok: true;
      article: Article;
      /** False when publishedAt is the time first seen (no usable date, or one in the future). */
      dateFromFeed: boolean;
    }
  | { ok: false; reason: string };

/** Clock skew we tolerate before a date counts as "in the future". */
const FUTURE_TOLERANCE_MS = 10 * 60 * 1000;
const WORDS_PER_MINUTE = 230;
const MAX_TITLE = 300;
const MAX_AUTHOR = 120;

export function normaliseEntry(entry: FeedEntry, ctx: NormaliseContext): NormaliseResult {
  const url = canonicalUrl(entry.link, ctx.baseUrl) ?? canonicalUrl(entry.guid);
  const label = entry.title ? `"${clip(htmlToPlain(entry.title), 60)}"` : (entry.guid ?? 'an item');
  if (!url) return { ok: false, reason: `${label} skipped: no http(s) link` };

  const bodyHtml = entry.contentHtml ?? entry.summaryHtml ?? textAsHtml(entry.contentText);
  const body = bodyHtml ? parseHtml(bodyHtml) : undefined;
  const bodyText = body ? textOf(body) : '';
  // takeBrief removes the list from `body`, so what remains is the prose for the lead sentences.
  let brief = body ? takeBrief(body) : [];
  if (brief.length === 0 && entry.contentHtml && entry.summaryHtml) {
    brief = takeBrief(parseHtml(entry.summaryHtml));
  }
  const leadSource = leadHtml(entry, body);
  const summary = leadSentences(htmlToParagraphs(leadSource), ctx.publication.locale);

  const title =
    clip(htmlToPlain(entry.title ?? ''), MAX_TITLE) || clip(leadSentences(bodyText, 'en', 1), 120);
  if (!title) return { ok: false, reason: `${label} skipped: no title and no text` };

  const now = ctx.now.getTime();
  const parsed = parseFeedDate(entry.published) ?? parseFeedDate(entry.updated);
  const dateFromFeed = parsed !== undefined && parsed.getTime() <= now + FUTURE_TOLERANCE_MS;
  const publishedAt = dateFromFeed ? parsed : ctx.now;

  const image = pickImage(entry, bodyHtml, ctx.imageBaseUrl ?? ctx.baseUrl ?? url);
  const wordCount = bodyText ? bodyText.split(/\s+/).length : 0;
  const contentHash = sha256(`${title}\n${bodyText}`);
  const nowIso = ctx.now.toISOString();
  const article: Article = {
    id: articleId(ctx.sourceId, entry.guid, url),
    sourceId: ctx.sourceId,
    guid: entry.guid,
    url,
    title,
    author: entry.author ? clip(htmlToPlain(entry.author), MAX_AUTHOR) || undefined : undefined,
    publishedAt: publishedAt.toISOString(),
    firstSeenAt: nowIso,
    updatedAt: nowIso,
    summary,
    brief,
    imageUrl: image?.url,
    imageAlt: image?.alt,
    topics: classifyTopics(ctx.publication, {
      categories: entry.categories.map((c) => htmlToPlain(c)),
      text: `${title}\n${bodyText}`,
      sourceTopics: ctx.sourceTopics,
    }),
    readingMinutes: Math.max(1, Math.round(wordCount / WORDS_PER_MINUTE)),
    contentHash,
  };
  return { ok: true, article, dateFromFeed };
}

/** The HTML to take lead sentences from: the description, else the body without its brief. */
function leadHtml(entry: FeedEntry, bodyWithoutBrief: ReturnType<typeof parseHtml> | undefined): string {
  if (entry.contentHtml && entry.summaryHtml) {
    const summary = parseHtml(entry.summaryHtml);
    takeBrief(summary);
    if (textOf(summary)) return serialize(summary);
  }
  return bodyWithoutBrief ? serialize(bodyWithoutBrief) : '';
}

/** Stable id from the dedupe key: the guid within its source, else the canonical URL. */
export function articleId(sourceId: string, guid: string | undefined, url: string): string {
  return sha256(guid ? `guid\n${sourceId}\n${guid}` : `url\n${url}`).slice(0, 20);
}

function pickImage(
  entry: FeedEntry,
  bodyHtml: string | undefined,
  base: string,
): { url: string; alt: string | undefined } | undefined {
  for (const candidate of entry.images) {
    const url = httpUrl(candidate.url, base);
    if (url) return { url, alt: candidate.alt ? htmlToPlain(candidate.alt) || undefined : undefined };
  }
  const inline = bodyHtml ? firstImage(parseHtml(bodyHtml)) : undefined;
  const url = httpUrl(inline?.src, base);
  return url ? { url, alt: inline?.alt } : undefined;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

function textAsHtml(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return escaped
    .split(/\n\s*\n/)
    .map((p) => `<p>${p}</p>`)
    .join('');
}

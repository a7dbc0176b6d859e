/**
 * Feed text → ParsedFeed with feedsmith (RSS 2.0/0.9x, RSS 1.0/RDF, Atom, JSON Feed). Only the
 * mapping of each format's fields onto FeedEntry lives here; parsing is feedsmith's job. Two things
 * feedsmith does not tell: how many items a feed had before the cap (feed-item-count.ts counts them),
 * and which JSON Feed items had fields of the wrong type (json-feed-item.ts checks the items
 * themselves, so such an item is refused with a reason instead of coerced).
 */
import {
  type AnyFeed,
  type AtomFeed,
  DetectError,
  type JsonFeed,
  type MediaNs,
  parseFeed,
  type RdfFeed,
  type RssFeed,
} from 'feedsmith';
import type { FeedEntry, ParsedFeed } from './feed-entry.ts';
import { FeedError } from './feed-error.ts';
import { countXmlItems } from './feed-item-count.ts';
import { checkJsonFeedItem, type JsonFeedItem } from './json-feed-item.ts';

/** At most this many items per feed are looked at (a feed with thousands is an archive, not news). */
export const MAX_FEED_ITEMS = 500;

export function parseFeedText(text: string): ParsedFeed {
  let parsed: AnyFeed<string>;
  try {
    parsed = parseFeed<string>(text, { maxItems: MAX_FEED_ITEMS });
  } catch (err) {
    if (err instanceof DetectError) {
      throw new FeedError('ENOTFEED', 'not a feed: the document is not RSS, RDF, Atom or JSON Feed', {
        cause: err,
      });
    }
    throw new FeedError('EMALFORMED', `the feed cannot be parsed (truncated or broken XML/JSON)`, {
      cause: err,
    });
  }
  if (parsed.format === 'json') return fromJson(parsed.feed, text);
  const feed =
    parsed.format === 'rss'
      ? fromRss(parsed.feed)
      : parsed.format === 'atom'
        ? fromAtom(parsed.feed)
        : fromRdf(parsed.feed);
  return { ...feed, itemCount: countXmlItems(text, parsed.format), refused: [] };
}

type Mapped = Omit<ParsedFeed, 'itemCount' | 'refused'>;

const first = <T>(list: T[] | undefined): T | undefined => list?.[0];
const nonEmpty = (s: string | undefined): string | undefined => (s?.trim() ? s.trim() : undefined);

function mediaImages(media: MediaNs.ItemOrFeed | undefined): FeedEntry['images'] {
  if (!media) return [];
  const contents = [...(media.contents ?? []), ...(media.groups ?? []).flatMap((g) => g.contents ?? [])];
  const images: FeedEntry['images'] = [];
  for (const c of contents) {
    const isImage = c.medium === 'image' || c.type?.startsWith('image/') || (!c.medium && !c.type);
    if (c.url && isImage) images.push({ url: c.url, alt: c.description?.value ?? c.title?.value });
  }
  for (const t of [...(media.thumbnails ?? []), ...contents.flatMap((c) => c.thumbnails ?? [])]) {
    if (t.url) images.push({ url: t.url, alt: undefined });
  }
  return images;
}

function fromRss(feed: RssFeed.Feed<string>): Mapped {
  const entries = (feed.items ?? []).map((item): FeedEntry => {
    const guid = nonEmpty(item.guid?.value);
    // A permalink guid is the article's address when <link> is missing (RSS 2.0 spec).
    const guidLink =
      guid && item.guid?.isPermaLink !== false && /^https?:\/\//i.test(guid) ? guid : undefined;
    const enclosureImages = (item.enclosures ?? [])
      .filter(
        (e) => e.url && (e.type?.startsWith('image/') || /\.(jpe?g|png|gif|webp|avif)(\?|$)/i.test(e.url)),
      )
      .map((e) => ({ url: e.url!, alt: undefined }));
    return {
      guid,
      link: nonEmpty(item.link) ?? guidLink,
      title: nonEmpty(item.title) ?? nonEmpty(first(item.dc?.titles)),
      contentHtml: nonEmpty(item.content?.encoded),
      summaryHtml: nonEmpty(item.description) ?? nonEmpty(item.itunes?.summary),
      contentText: undefined,
      author:
        nonEmpty(first(item.authors)?.name) ??
        nonEmpty(first(item.dc?.creators)) ??
        nonEmpty(item.itunes?.author) ??
        nonEmpty(first(item.authors)?.email),
      published: item.pubDate ?? first(item.dc?.dates) ?? item.atom?.published,
      updated: item.atom?.updated,
      categories: [
        ...(item.categories ?? []).map((c) => c.name ?? ''),
        ...(item.dc?.subjects ?? []),
        ...(item.media?.categories ?? []).map((c) => c.name ?? ''),
      ].filter((c) => c.trim()),
      images: [
        ...enclosureImages,
        ...mediaImages(item.media),
        ...(item.itunes?.image ? [{ url: item.itunes.image, alt: undefined }] : []),
      ],
    };
  });
  return { format: 'rss', title: nonEmpty(feed.title), link: nonEmpty(feed.link), entries };
}

function atomLink(links: AtomFeed.Link<string>[] | undefined): string | undefined {
  const list = links ?? [];
  const alternate =
    list.find((l) => (!l.rel || l.rel === 'alternate') && (!l.type || l.type.includes('html'))) ??
    list.find((l) => !l.rel || l.rel === 'alternate');
  return nonEmpty(alternate?.href);
}

function fromAtom(feed: AtomFeed.Feed<string>): Mapped {
  const entries = (feed.entries ?? []).map(
    (entry): FeedEntry => ({
      guid: nonEmpty(entry.id),
      link: atomLink(entry.links),
      title: nonEmpty(entry.title?.value),
      contentHtml: nonEmpty(entry.content?.value),
      summaryHtml: nonEmpty(entry.summary?.value),
      contentText: undefined,
      author: nonEmpty(first(entry.authors)?.name) ?? nonEmpty(first(entry.dc?.creators)),
      published: entry.published ?? first(entry.dc?.dates) ?? entry.updated,
      updated: entry.updated,
      categories: (entry.categories ?? []).map((c) => c.label ?? c.term ?? '').filter((c) => c.trim()),
      images: [
        ...(entry.links ?? [])
          .filter((l) => l.rel === 'enclosure' && l.type?.startsWith('image/') && l.href)
          .map((l) => ({ url: l.href!, alt: l.title })),
        ...mediaImages(entry.media),
      ],
    }),
  );
  return { format: 'atom', title: nonEmpty(feed.title?.value), link: atomLink(feed.links), entries };
}

function fromRdf(feed: RdfFeed.Feed<string>): Mapped {
  const entries = (feed.items ?? []).map(
    (item): FeedEntry => ({
      guid: nonEmpty(item.rdf?.about) ?? nonEmpty(item.link),
      link: nonEmpty(item.link) ?? nonEmpty(item.rdf?.about),
      title: nonEmpty(item.title) ?? nonEmpty(first(item.dc?.titles)),
      contentHtml: nonEmpty(item.content?.encoded),
      summaryHtml: nonEmpty(item.description) ?? nonEmpty(first(item.dc?.descriptions)),
      contentText: undefined,
      author: nonEmpty(first(item.dc?.creators)),
      published: first(item.dc?.dates) ?? first(item.dcterms?.issued as string[] | undefined),
      updated: undefined,
      categories: (item.dc?.subjects ?? []).filter((c) => c.trim()),
      images: mediaImages(item.media),
    }),
  );
  return { format: 'rdf', title: nonEmpty(feed.title), link: nonEmpty(feed.link), entries };
}

/** Items come from the document itself, checked one by one; feedsmith gives the feed's own fields. */
function fromJson(feed: JsonFeed.Feed<string>, text: string): ParsedFeed {
  const raw = (JSON.parse(text) as { items?: unknown }).items;
  const items = Array.isArray(raw) ? raw : [];
  const entries: FeedEntry[] = [];
  const refused: string[] = [];
  items.slice(0, MAX_FEED_ITEMS).forEach((value, i) => {
    const checked = checkJsonFeedItem(value, i + 1);
    if (checked.ok) entries.push(jsonEntry(checked.item, feed));
    else refused.push(checked.reason);
  });
  return {
    format: 'json',
    title: nonEmpty(feed.title),
    link: nonEmpty(feed.home_page_url),
    entries,
    itemCount: items.length,
    refused,
  };
}

function jsonEntry(item: JsonFeedItem, feed: JsonFeed.Feed<string>): FeedEntry {
  const text = (value: string | null | undefined) => nonEmpty(value ?? undefined);
  const authors = item.authors ?? (item.author ? [item.author] : []);
  return {
    guid: nonEmpty(item.id === undefined || item.id === null ? undefined : String(item.id)),
    link: text(item.url) ?? text(item.external_url),
    title: text(item.title),
    contentHtml: text(item.content_html),
    summaryHtml: text(item.summary),
    contentText: text(item.content_text),
    author: text(first(authors)?.name) ?? nonEmpty(first(feed.authors)?.name),
    published: text(item.date_published) ?? text(item.date_modified),
    updated: text(item.date_modified),
    categories: (item.tags ?? []).filter((t) => t.trim()),
    images: [
      ...(item.image ? [{ url: item.image, alt: undefined }] : []),
      ...(item.banner_image ? [{ url: item.banner_image, alt: undefined }] : []),
      ...(item.attachments ?? [])
        .filter((a) => a.url && a.mime_type?.startsWith('image/'))
        .map((a) => ({ url: a.url!, alt: text(a.title) })),
    ],
  };
}

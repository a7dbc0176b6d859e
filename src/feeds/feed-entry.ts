/**
 * One item of a feed in a shape common to RSS 2.0, RSS 1.0/RDF, Atom and JSON Feed, still raw:
 * text fields may hold HTML and entities, links may be relative, dates are unparsed strings.
 * normalise-entry.ts turns it into an Article.
 */
export interface FeedEntry {
  guid: string | undefined;
  link: string | undefined;
  title: string | undefined;
  /** The full body (content:encoded, Atom content, content_html). */
  contentHtml: string | undefined;
  /** The description/summary (often HTML too). */
  summaryHtml: string | undefined;
  /** Plain-text body (JSON Feed content_text). */
  contentText: string | undefined;
  author: string | undefined;
  published: string | undefined;
  updated: string | undefined;
  categories: string[];
  /** Image candidates in the feed's own order of preference (enclosure, media:content, thumbnail). */
  images: Array<{ url: string; alt: string | undefined }>;
}

export interface ParsedFeed {
  format: 'rss' | 'atom' | 'rdf' | 'json';
  title: string | undefined;
  /** The site's address as the feed states it (base for relative item links). */
  link: string | undefined;
  /** At most MAX_FEED_ITEMS entries: the first ones of the feed that could be read. */
  entries: FeedEntry[];
  /** Items in the document, before the cap: more than the entries when the feed was cut. */
  itemCount: number;
  /** Items refused before mapping (a JSON Feed field of the wrong type), each with its reason. */
  refused: string[];
}

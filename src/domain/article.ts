/** An article as stored after collect: clean text, canonical URL, topics, brief. */
export interface Article {
  /** Stable id derived from the dedupe key (guid, else canonical URL). */
  id: string;
  /** The source it came from (`api` for articles pushed through the admin API/CLI). */
  sourceId: string;
  guid: string | undefined;
  /** Canonical http(s) URL, tracking parameters removed. */
  url: string;
  /** Plain text, markup stripped, entities decoded. */
  title: string;
  author: string | undefined;
  /** ISO 8601 UTC. Missing in the feed: the time it was first seen. */
  publishedAt: string;
  firstSeenAt: string;
  updatedAt: string;
  /**
   * The lead sentences (plain text), used when there is no bullet brief. Sentences of different
   * paragraphs are separated by a blank line (`\n\n`), which the digest keeps as paragraphs.
   */
  summary: string;
  /** The article's own key-point bullets (plain text), empty when it has none. */
  brief: string[];
  imageUrl: string | undefined;
  imageAlt: string | undefined;
  /** Topic ids of the publication. */
  topics: string[];
  readingMinutes: number;
  /** Hash of title + text, the last dedupe key and the "changed?" test. */
  contentHash: string;
}

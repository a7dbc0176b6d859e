/**
 * The Atom feed of the web archive (`/editions/feed.xml`), pure: public editions in, XML out.
 * feedsmith (already the feed parser) generates it, so every value is escaped by the library.
 */
import { generateAtomFeed } from 'feedsmith';
import type { Publication } from '../domain/publication.ts';

export interface ArchiveEntry {
  id: string;
  heading: string;
  /** Article count of the edition. */
  articles: number;
  /** When it was published (its first delivery's due time, or its send's start). */
  published: Date;
  updated: Date;
}

export function archiveFeed(publication: Publication, baseUrl: string, entries: ArchiveEntry[]): string {
  const archiveUrl = `${baseUrl}/editions`;
  const updated = new Date(Math.max(0, ...entries.map((e) => e.updated.getTime())));
  return generateAtomFeed({
    id: archiveUrl,
    title: { value: publication.name },
    subtitle: publication.description ? { value: publication.description } : undefined,
    updated: entries.length ? updated : new Date(0),
    links: [
      { href: `${archiveUrl}/feed.xml`, rel: 'self', type: 'application/atom+xml' },
      { href: archiveUrl, rel: 'alternate', type: 'text/html' },
    ],
    authors: [{ name: publication.name }],
    entries: entries.map((e) => ({
      id: `${archiveUrl}/${e.id}`,
      title: { value: `${publication.name}: ${e.heading}` },
      links: [{ href: `${archiveUrl}/${e.id}`, rel: 'alternate', type: 'text/html' }],
      published: e.published,
      updated: e.updated,
      summary: { value: `${e.articles} ${e.articles === 1 ? 'story' : 'stories'}` },
    })),
  }) as string;
}

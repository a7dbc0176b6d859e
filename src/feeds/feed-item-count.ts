/**
 * How many items an XML feed holds, whatever parse-feed.ts keeps of them: the collect report says
 * "kept 500 of 50,000" when a feed is cut at the cap, so the operator knows it was an archive. One
 * streaming pass of htmlparser2 (no tree is built) counts the items where each format puts them.
 */
import { Parser } from 'htmlparser2';

/** Where each format's items sit: the local name of the item element → the names of its parent. */
const ITEM_PARENTS: Record<'rss' | 'rdf' | 'atom', Record<string, ReadonlySet<string>>> = {
  // RSS 2.0 puts items in <channel>; RSS 0.9x also directly in <rss>.
  rss: { item: new Set(['channel', 'rss']) },
  // RSS 1.0: <item> is a child of <rdf:RDF> (some feeds nest them in <channel> too).
  rdf: { item: new Set(['rdf', 'channel']) },
  atom: { entry: new Set(['feed']) },
};

export function countXmlItems(text: string, format: 'rss' | 'rdf' | 'atom'): number {
  const parents = ITEM_PARENTS[format];
  const open: string[] = [];
  let count = 0;
  const parser = new Parser(
    {
      onopentag(name) {
        const local = localName(name);
        const parent = open.at(-1);
        if (parent !== undefined && parents[local]?.has(parent)) count++;
        open.push(local);
      },
      onclosetag() {
        open.pop();
      },
    },
    { xmlMode: true },
  );
  parser.end(text);
  return count;
}

const localName = (name: string): string => name.slice(name.indexOf(':') + 1).toLowerCase();

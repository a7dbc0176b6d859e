/**
 * The few DOM questions normalising asks of an article's HTML (htmlparser2, the parser html-to-text
 * itself uses): element text without scripts, block order, removing nodes, the first real image.
 */
import { DomUtils, parseDocument } from 'htmlparser2';
import { collapse } from './html-text.ts';

// domhandler's types, taken through htmlparser2 so that only htmlparser2 is a dependency.
export type Document = ReturnType<typeof parseDocument>;
export type Element = ReturnType<typeof DomUtils.findAll>[number];
export type AnyNode = Document['children'][number];

export const parseHtml = (html: string): Document => parseDocument(html, { decodeEntities: true });

const SKIPPED = new Set(['script', 'style', 'noscript', 'template', 'iframe']);

/** Visible text of a node (scripts and styles left out), collapsed to one line. */
export function textOf(node: AnyNode): string {
  const parts: string[] = [];
  const walk = (n: AnyNode) => {
    if (n.type === 'text') parts.push((n as unknown as { data: string }).data);
    else if (DomUtils.isTag(n)) {
      if (SKIPPED.has(n.name)) return;
      // Block boundaries become spaces so "<li>a</li><li>b</li>" does not read "ab".
      parts.push(' ');
      for (const c of n.children) walk(c);
      parts.push(' ');
    } else if ('children' in n) for (const c of (n as Document).children) walk(c);
  };
  walk(node);
  return collapse(parts.join(''));
}

export const serialize = (doc: Document): string => DomUtils.getOuterHTML(doc);

export const removeNode = (node: AnyNode): void => DomUtils.removeElement(node);

/** Every element in document order. */
export const elementsOf = (doc: Document): Element[] => DomUtils.findAll(() => true, doc.children);

/** The first <img> that is not a tracking pixel, with its alt text. */
export function firstImage(doc: Document): { src: string; alt: string | undefined } | undefined {
  for (const el of elementsOf(doc)) {
    if (el.name !== 'img') continue;
    const { src, width, height, alt } = el.attribs;
    if (!src || width === '1' || height === '1') continue;
    return { src, alt: alt?.trim() || undefined };
  }
  return undefined;
}

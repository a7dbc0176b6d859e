/**
 * The brief: an article's own short list of key points near its top ("Insider Brief", "Key points",
 * "TL;DR", or a list that simply opens the article). The list is found, not guessed: it must be the
 * first list of the body, stand after a key-points label or before any real prose, and hold 2-6
 * short items. Otherwise there is no brief and the digest uses the lead sentences.
 */
import { type AnyNode, type Document, type Element, elementsOf, removeNode, textOf } from './html-dom.ts';

const LABEL =
  /(key (points|takeaways|facts)|insider brief|tl;? ?dr|highlights|at a glance|in brief|in short|the big picture|what to know|what you need to know|quick read|summary|takeaways)\s*[:.-]?\s*$/i;
/** A list after more words of prose than this (without a label) is part of the article, not a brief. */
const MAX_WORDS_BEFORE = 12;
/** With a label, the list may follow a short standfirst. */
const MAX_WORDS_BEFORE_LABELLED = 150;
const MIN_ITEMS = 2;
const MAX_ITEMS = 6;
const MAX_ITEM_WORDS = 80;

const words = (text: string) => (text ? text.split(/\s+/).filter(Boolean).length : 0);

/**
 * Finds the brief in `doc` and removes it (and its label) from the document, so what remains is the
 * body to take lead sentences from. Returns the bullets (plain text), empty when there is none.
 */
export function takeBrief(doc: Document): string[] {
  const list = elementsOf(doc).find((el) => el.name === 'ul' || el.name === 'ol');
  if (!list) return [];
  const before = textBefore(doc, list);
  const labelled = LABEL.test(before);
  if (words(before) > (labelled ? MAX_WORDS_BEFORE_LABELLED : MAX_WORDS_BEFORE)) return [];
  const items = list.children.filter((c): c is Element => c.type === 'tag' && c.name === 'li').map(textOf);
  if (items.length < MIN_ITEMS || items.length > MAX_ITEMS) return [];
  if (items.some((t) => words(t) === 0 || words(t) > MAX_ITEM_WORDS)) return [];
  if (labelled) removeLabel(doc, list);
  removeNode(list);
  return items;
}

/** Text of everything that comes before `target` in document order. */
function textBefore(doc: Document, target: Element): string {
  const parts: string[] = [];
  let found = false;
  const walk = (nodes: AnyNode[]) => {
    for (const n of nodes) {
      if (found) return;
      if (n === target) {
        found = true;
        return;
      }
      if (n.type === 'text') parts.push((n as unknown as { data: string }).data);
      else if (n.type === 'tag' && !['script', 'style'].includes((n as Element).name)) {
        parts.push(' ');
        walk((n as Element).children);
        parts.push(' ');
      }
    }
  };
  walk(doc.children);
  return parts.join('').replace(/\s+/g, ' ').trim();
}

/** Removes the element right before the list when it is only the label ("<p><b>Key points</b></p>"). */
function removeLabel(doc: Document, list: Element): void {
  let prev = list.prev;
  while (prev && prev.type === 'text' && !(prev as unknown as { data: string }).data.trim()) prev = prev.prev;
  if (prev && prev.type === 'tag' && LABEL.test(textOf(prev)) && words(textOf(prev)) <= 6) removeNode(prev);
  void doc;
}

/**
 * The editor's note: a short intro in Markdown, rendered once per build into the HTML and the text
 * part (pure). markdown-it with raw HTML off (a `<script>` in the note is shown as text, never
 * markup), no images (they would need sizes, and the note is words), no headings, tables or code
 * blocks (an intro is a few paragraphs, a list, links). Links must be absolute http(s) URLs
 * (`safeHttpUrl`): others stay text. Control characters are removed first, so a note cannot forge a
 * per-recipient slot; the result then goes through the same mail-safe pass as every digest.
 */
import { compile } from 'html-to-text';
import MarkdownIt from 'markdown-it';
import { safeHttpUrl } from '../render/safe-url.ts';

export const MAX_NOTE_LENGTH = 2000;

export interface EditorNote {
  html: string;
  text: string;
}

const md = new MarkdownIt('commonmark', { html: false, linkify: false, typographer: false });
md.disable(['image', 'heading', 'lheading', 'code', 'fence', 'html_block', 'html_inline', 'reference']);
md.validateLink = (url) => safeHttpUrl(url) !== undefined;
// Links open the article's site in a new tab in the web version; mail clients ignore target.
const defaultLinkOpen =
  md.renderer.rules.link_open ?? ((tokens, i, options, _env, self) => self.renderToken(tokens, i, options));
md.renderer.rules.link_open = (tokens, i, options, env, self) => {
  tokens[i]!.attrSet('href', safeHttpUrl(tokens[i]!.attrGet('href')) ?? '');
  return defaultLinkOpen(tokens, i, options, env, self);
};

const toText = compile({
  wordwrap: 72,
  selectors: [
    { selector: 'a', options: { hideLinkHrefIfSameAsText: true, linkBrackets: ['(', ')'] } },
    { selector: 'ul', options: { itemPrefix: ' - ' } },
  ],
});

/** Undefined when the note is empty. */
export function renderEditorNote(markdown: string | undefined): EditorNote | undefined {
  const source = cleanNote(markdown);
  if (!source) return undefined;
  const html = md.render(source).trim();
  const text = toText(html).trim();
  return html && text ? { html, text } : undefined;
}

/** The note as stored: control characters out (newlines kept), trimmed. */
export function cleanNote(markdown: string | undefined): string {
  return (markdown ?? '')
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u2028\u2029]+/g, ' ')
    .trim();
}

/**
 * HTML → plain text with html-to-text: markup stripped, entities decoded, links and images dropped
 * (their URLs are not text), scripts and styles removed entirely. Whitespace collapses to single
 * spaces so titles and summaries are one line; `htmlToParagraphs` keeps paragraph breaks.
 */
import { compile } from 'html-to-text';

const skip = { format: 'skip' } as const;

const toText = compile({
  wordwrap: false,
  selectors: [
    { selector: 'a', options: { ignoreHref: true } },
    { selector: 'img', ...skip },
    { selector: 'script', ...skip },
    { selector: 'style', ...skip },
    { selector: 'iframe', ...skip },
    { selector: 'noscript', ...skip },
    { selector: 'figcaption', ...skip },
    { selector: 'h1', options: { uppercase: false } },
    { selector: 'h2', options: { uppercase: false } },
    { selector: 'h3', options: { uppercase: false } },
    { selector: 'h4', options: { uppercase: false } },
    { selector: 'h5', options: { uppercase: false } },
    { selector: 'h6', options: { uppercase: false } },
    { selector: 'table', format: 'block' },
    { selector: 'tr', format: 'block' },
    { selector: 'td', format: 'inline' },
    { selector: 'th', format: 'inline' },
  ],
});

/** Paragraphs of plain text (blank-line separated blocks), each on one line. */
export function htmlToParagraphs(html: string): string[] {
  return toText(html)
    .split(/\n\s*\n/)
    .map(collapse)
    .filter(Boolean);
}

/** One line of plain text. */
export function htmlToPlain(html: string): string {
  return collapse(toText(html));
}

/** Collapses whitespace (also non-breaking spaces and control characters) to single spaces. */
export function collapse(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f\u00a0\u2028\u2029\s]+/g, ' ').trim();
}

/**
 * Turns MJML's output into the HTML source of a compiled variant (pure):
 *
 * 1. Pure ASCII: every non-ASCII character becomes a numeric character reference (`&#8211;`), so the
 *    delivery engine can send the body as 7bit without encoding it per recipient.
 * 2. Handlebars-inert: the compiled variant is Handlebars source, so `{`, `}` and `\` in baked content
 *    (an article titled "{{#each}}") become references too; they can never open an expression.
 *    Inside <style> (our own CSS) braces are CSS; a `{{` there is a template bug and throws.
 * 3. No line of our CSS starts with a dot (see asciiCss), so the static HTML needs no SMTP dot-stuffing.
 * 4. Short lines (RFC 5322 allows 998; we keep to `maxLine` so a recipient's links fit too), with no
 *    byte that renders or is a comment: see wrapLines.
 *
 * Slot sentinels (recipient-slots.ts) pass through unchanged and are never split.
 */
export const MAX_LINE = 500;

const STYLE = /(<style\b[^>]*>[\s\S]*?<\/style\s*>)/gi;

export function mailSafeHtml(html: string, maxLine = MAX_LINE): string {
  // Indentation left by MJML in its head and Outlook's conditional comments: bytes and nothing else
  // (the newline before it stays, and HTML collapses whitespace; the digest has no <pre>).
  const ascii = html
    .replace(/\n[ \t]+/g, '\n')
    .split(STYLE)
    .map((part, i) => (i % 2 === 1 ? asciiCss(part) : asciiHtml(part)))
    .join('');
  return wrapLines(ascii, maxLine);
}

function asciiHtml(part: string): string {
  return part.replace(/[^\x00-\x7f]|[{}\\]/gu, (ch) => `&#${ch.codePointAt(0)};`);
}

function asciiCss(part: string): string {
  if (part.includes('{{')) throw new Error('CSS in the digest template contains "{{"');
  return (
    part
      .replace(/[^\x00-\x7f]/gu, (ch) => `\\${ch.codePointAt(0)!.toString(16)} `)
      // A class selector at a line start (MJML writes `.mj-column-per-50 {`) would be dot-stuffed on the
      // wire, and every receiving server splits the message there to undo it: indent it (CSS ignores it).
      .replace(/\n\./g, '\n .')
  );
}

// Comments and blocks that are emitted whole: Outlook's conditional comments (their `[if mso | IE]`
// must stay on one line; the markup between them is ordinary tags), other comments, <style>, <title>.
const TOKEN =
  /<!--\[if[^\]]*\]>(?:<!-->)?|(?:<!--)?<!\[endif\]-->|<!--[\s\S]*?-->|<(style|title)\b[^>]*>[\s\S]*?<\/\1\s*>|<[^>]*>|[^<]+|</gi;
// A tag's parts: its name, each attribute with the whitespace before it, and its end (`>` or `/>`).
const TAG_PART = /^<\/?[^\s>/]*|\s+[^\s=>/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]*))?|\s*\/?>$|\s*\/|[\s\S]/g;
// Atoms of a long word: a slot sentinel, a character reference, or a few plain characters.
const ATOM = /\u001F[^\u001F]*\u001F|&#?[A-Za-z0-9]+;|[^&\u001F]{1,16}|[&\u001F]/g;
const LONG_WORD = 40;

type Kind = 'tag-end' | 'space' | 'text' | 'other';

/**
 * Breaks the (minified, one-line) HTML into lines of at most `maxLine` characters without adding
 * anything that renders: a line ends at a space of text, at the whitespace between a tag's attributes,
 * or before the `>` that ends a tag (`<td\n>` is the same tag). Only a word too long for a line (a
 * long URL in a headline, CJK text) gets `<wbr\n>` between its characters, which renders as nothing
 * but a chance to wrap. No line starts with a dot (no SMTP dot-stuffing needed).
 */
function wrapLines(html: string, maxLine: number): string {
  const max = maxLine - 8; // room for the `<wbr` a break may leave at the end of a line
  const out: string[] = [];
  let col = 0;
  let last: Kind = 'other';
  let lastIndex = -1;
  const push = (piece: string, kind: Kind) => {
    out.push(piece);
    const nl = piece.lastIndexOf('\n');
    col = nl === -1 ? col + piece.length : piece.length - nl - 1;
    last = kind;
    lastIndex = out.length - 1;
  };
  const lineBreak = (inText: boolean) => {
    if (last === 'space') {
      out[lastIndex] = '\n';
      col = 0;
    } else if (last === 'tag-end') {
      out[lastIndex] = out[lastIndex]!.replace(/\s*(\/?>)$/, '\n$1');
      col = out[lastIndex]!.length - out[lastIndex]!.lastIndexOf('\n') - 1;
    } else push(inText ? '<wbr\n>' : '\n', 'other');
    // CSS's `.class` and a sentence's "..." must not start a line: SMTP would dot-stuff it.
  };
  const emit = (piece: string, kind: Kind, inText: boolean) => {
    if (col > 0 && col + firstLine(piece) > max) lineBreak(inText);
    if (col === 0 && piece.startsWith('.')) push(' ', 'other');
    push(piece, kind);
  };
  const emitLong = (piece: string, kind: Kind, inText: boolean) => {
    if (piece.length <= max - LONG_WORD) return emit(piece, kind, inText);
    // Inside a tag only before a character reference (never inside an attribute name, a URL's text
    // or a CSS token); a newline there is whitespace in an attribute value and stripped from a URL.
    for (const atom of piece.match(ATOM) ?? []) {
      if (inText || atom.startsWith('&')) emit(atom, 'text', inText);
      else push(atom, 'text');
    }
    last = kind;
  };

  for (const match of html.matchAll(TOKEN)) {
    const token = match[0];
    if (token.startsWith('<!') || /^<(style|title)\b/i.test(token)) {
      if (col + firstLine(token) <= max || token.startsWith('<!')) emit(token, 'other', false);
      else for (const part of token.split(/( +|\n)/)) if (part) emitBlockPart(part);
    } else if (token.startsWith('<') && token.length > 1) {
      const parts = token.match(TAG_PART) ?? [token];
      parts.forEach((part, i) => {
        if (i === parts.length - 1 && /^\s*\/?>$/.test(part)) emit(part.trim(), 'tag-end', false);
        else if (i > 0 && /^\s/.test(part)) {
          push(' ', 'space');
          emitLong(part.trimStart(), 'other', false);
        } else emitLong(part, 'other', false);
      });
    } else {
      for (const part of token.split(/( +)/)) {
        if (!part) continue;
        // A space never starts a line (the reserve in `max` leaves room for it at the end of one).
        if (part.startsWith(' ')) push(part, 'space');
        else emitLong(part, 'text', true);
      }
    }
  }
  return out.join('');

  function emitBlockPart(part: string) {
    if (part === '\n') push('\n', 'other');
    else if (part.startsWith(' ')) push(part, 'space');
    else emitLong(part, 'other', false);
  }
}

function firstLine(word: string): number {
  const nl = word.indexOf('\n');
  return nl === -1 ? word.length : nl;
}

/**
 * Turns MJML's output into the HTML source of a compiled variant (pure):
 *
 * 1. Pure ASCII: every non-ASCII character becomes a numeric character reference (`&#8211;`), so the
 *    delivery engine can send the body as 7bit without encoding it per recipient.
 * 2. Handlebars-inert: the compiled variant is Handlebars source, so `{`, `}` and `\` in baked content
 *    (an article titled "{{#each}}") become references too; they can never open an expression.
 *    Inside <style> (our own CSS) braces are CSS; a `{{` there is a template bug and throws.
 * 3. No line of our CSS starts with a dot (see asciiCss), so the static HTML needs no SMTP dot-stuffing.
 * 4. Short lines (RFC 5322 allows 998; we keep to `maxLine` so a recipient's links fit too): long
 *    lines break at a space, else between tags or characters of a long word with an empty comment
 *    `<!--\n-->` (which renders as nothing), inside a tag or <title> with a newline at an entity.
 *
 * Slot sentinels (recipient-slots.ts) pass through unchanged and are never split.
 */
export const MAX_LINE = 500;

const STYLE = /(<style\b[^>]*>[\s\S]*?<\/style\s*>)/gi;

export function mailSafeHtml(html: string, maxLine = MAX_LINE): string {
  const ascii = html
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

const TOKEN = /<!--[\s\S]*?-->|<(style|title)\b[^>]*>[\s\S]*?<\/\1\s*>|<[^>]*>|[^<]+|</gi;
// Atoms of a long word: a slot sentinel, a character reference, or a few plain characters.
const ATOM = /\u001F[^\u001F]*\u001F|&#?[A-Za-z0-9]+;|[^&\u001F]{1,16}|[&\u001F]/g;
const LONG_WORD = 40;

function wrapLines(html: string, maxLine: number): string {
  // Room for the "<!--" that a break leaves at the end of the line.
  const max = maxLine - 4;
  const out: string[] = [];
  let col = 0;
  const emit = (piece: string) => {
    out.push(piece);
    const nl = piece.lastIndexOf('\n');
    col = nl === -1 ? col + piece.length : piece.length - nl - 1;
  };
  for (const match of html.matchAll(TOKEN)) {
    const token = match[0];
    // Between two tokens (never inside a tag) an empty comment is a line break that renders as nothing.
    if (col > 0 && col + firstLine(token) > max && !/^\s/.test(token)) emit('<!--\n-->');
    // Conditional comments are Outlook's markup; their `[if mso | IE]` must stay on one line.
    if (token.startsWith('<!--') || col + token.length <= max) {
      emit(token);
      continue;
    }
    const isText = !token.startsWith('<');
    token.split(' ').forEach((word, i) => {
      if (i > 0) emit(col > 0 && col + 1 + firstLine(word) > max ? '\n' : ' ');
      if (word.length <= LONG_WORD) {
        emit(word);
        return;
      }
      const breakWith = isText ? '<!--\n-->' : '\n';
      for (const atom of word.match(ATOM) ?? []) {
        if (col > 0 && col + atom.length > max && canBreakBefore(atom, isText)) emit(breakWith);
        emit(atom);
      }
    });
  }
  return out.join('');
}

// Inside a tag, only before a character reference (never inside an attribute name or a URL's text).
const canBreakBefore = (atom: string, isText: boolean) => isText || atom.startsWith('&#');

function firstLine(word: string): number {
  const nl = word.indexOf('\n');
  return nl === -1 ? word.length : nl;
}

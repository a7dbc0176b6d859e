/**
 * Turns the rendered text part into the text source of a compiled variant (pure): tidy lines, and
 * Handlebars-inert content. Plain text has no character references, so a `{`, `}` or `\` from an
 * article that could join with its neighbour or a slot into `{{`, `\{{`, `{{{` or `}}}` gets a zero-width space
 * between them: invisible to the reader, and no article can open an expression.
 */
const SLOT_END = /(\u001Fslot:[a-z.]+\u001F)(?=\})/g;

export function mailSafeText(text: string): string {
  const tidy = text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return `${tidy.replace(/([{\\])(?=[{\u001F])/g, '$1\u200B').replace(SLOT_END, '$1\u200B')}\n`;
}

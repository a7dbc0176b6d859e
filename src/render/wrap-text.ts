/**
 * Word wrap for the plain-text part (pure): lines of at most `width` characters where words allow,
 * with a first-line prefix ("* ", "- ") and a hanging indent for the lines after it.
 */
export function wrapText(text: string, width = 72, first = '', rest = first.replace(/./g, ' ')): string {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of words) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = rest + word;
    } else {
      line += (empty ? '' : ' ') + word;
    }
    empty = false;
  }
  if (!empty) lines.push(line);
  return lines.join('\n');
}

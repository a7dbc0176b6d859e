/**
 * The first one or two sentences of a text, cut at a sentence boundary (Intl.Segmenter knows
 * sentence boundaries per locale; no hand-written regex over abbreviations). Paragraph ends are
 * boundaries too: a standfirst without a full stop must not run into the next paragraph, and
 * sentences of two paragraphs come back as two paragraphs (separated by a blank line).
 */
const MAX_CHARS = 320;
/** Between sentences of two paragraphs: the summary keeps the break (Article.summary). */
export const PARAGRAPH_BREAK = '\n\n';
/** A short paragraph with no closing punctuation is a heading or label, not a lead sentence. */
const HEADING_WORDS = 8;

export function leadSentences(
  text: string | string[],
  locale = 'en',
  maxSentences = 2,
  maxChars = MAX_CHARS,
): string {
  const paragraphs = (Array.isArray(text) ? text : [text]).map((p) => p.replace(/\s+/g, ' ').trim());
  const prose = paragraphs.filter((p) => p && !isHeading(p));
  const source = prose.length > 0 ? prose : paragraphs.filter(Boolean);
  const segmenter = new Intl.Segmenter(locale, { granularity: 'sentence' });
  // Each sentence with the paragraph it came from: sentences of two paragraphs stay two paragraphs
  // (a blank line between them), so a standfirst without a full stop does not run into the next one.
  const sentences: Array<{ text: string; paragraph: number }> = [];
  source.forEach((paragraph, index) => {
    if (sentences.length >= maxSentences) return;
    for (const { segment } of segmenter.segment(paragraph)) {
      if (segment.trim()) sentences.push({ text: segment.trim(), paragraph: index });
      if (sentences.length >= maxSentences) break;
    }
  });
  let out = sentences[0]?.text ?? '';
  for (let i = 1; i < sentences.length; i++) {
    const joined = `${out}${sentences[i]!.paragraph === sentences[i - 1]!.paragraph ? ' ' : PARAGRAPH_BREAK}${sentences[i]!.text}`;
    if (joined.length > maxChars) break;
    out = joined;
  }
  if (out.length <= maxChars) return out;
  // One sentence longer than the limit: cut at the last word that fits.
  const cut = out.slice(0, maxChars - 1);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), 1)).replace(/[\s,;:]+$/, '')}…`;
}

function isHeading(paragraph: string): boolean {
  return !/[.!?…:;"'”’)\]]$/.test(paragraph) && paragraph.split(' ').length <= HEADING_WORDS;
}

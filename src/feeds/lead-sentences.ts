/**
 * The first one or two sentences of a text, cut at a sentence boundary (Intl.Segmenter knows
 * sentence boundaries per locale; no hand-written regex over abbreviations). Paragraph ends are
 * boundaries too: a standfirst without a full stop must not run into the next paragraph.
 */
const MAX_CHARS = 320;
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
  const sentences: string[] = [];
  for (const paragraph of source) {
    for (const { segment } of segmenter.segment(paragraph)) {
      if (segment.trim()) sentences.push(segment.trim());
      if (sentences.length >= maxSentences) break;
    }
    if (sentences.length >= maxSentences) break;
  }
  let out = sentences[0] ?? '';
  for (const s of sentences.slice(1)) {
    if (`${out} ${s}`.length > maxChars) break;
    out = `${out} ${s}`;
  }
  if (out.length <= maxChars) return out;
  // One sentence longer than the limit: cut at the last word that fits.
  const cut = out.slice(0, maxChars - 1);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), 1)).replace(/[\s,;:]+$/, '')}…`;
}

function isHeading(paragraph: string): boolean {
  return !/[.!?…:;"'”’)\]]$/.test(paragraph) && paragraph.split(' ').length <= HEADING_WORDS;
}

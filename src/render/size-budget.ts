/**
 * How big a digest's HTML part may be. Gmail clips an HTML part over 102 KB ("[Message clipped]")
 * and hides the rest, footer and unsubscribe link included; the renderer aims lower, so that the
 * recipient's name, address and links (filled in per message) and an operator's longer footer still
 * fit. Bytes of the compiled variant's source, which is ASCII (mail-safe-html.ts): one byte a character.
 */
export const CLIP_LIMIT_BYTES = 102 * 1024;
export const HTML_BUDGET_BYTES = 90 * 1024;

export const htmlBytes = (html: string): number => Buffer.byteLength(html, 'utf8');

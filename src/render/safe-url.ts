/**
 * The only way a URL reaches an href or src (pure): absolute http(s) URLs pass, normalised by the
 * WHATWG parser (spaces and quotes percent-encoded); anything else (`javascript:`, `data:`, relative,
 * malformed) is no link at all. Very long URLs are refused too: they would break the 7bit line limit
 * of the compiled HTML, and no honest article URL needs 800 characters.
 */
export const MAX_URL_LENGTH = 800;

export function safeHttpUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  if (!/^https?:\/\//i.test(trimmed)) return undefined;
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) return undefined;
  const href = url.href;
  return href.length <= MAX_URL_LENGTH ? href : undefined;
}

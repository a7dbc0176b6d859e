/**
 * The canonical form of an article link: absolute http(s) only (javascript:, data:, mailto: and
 * friends never survive), host lower-cased, default port, fragment and tracking parameters removed,
 * the remaining query kept in its order. Used as the dedupe key after the guid.
 */
const TRACKING_PARAMS = new Set([
  'fbclid',
  'gclid',
  'dclid',
  'gbraid',
  'wbraid',
  'msclkid',
  'mc_cid',
  'mc_eid',
  'igshid',
  'yclid',
  '_hsenc',
  '_hsmi',
  'mkt_tok',
  'ref_src',
  'cmpid',
  'wt_mc',
  'ns_mchannel',
  'ns_source',
  'ns_campaign',
  'ns_linkname',
  'ns_fee',
]);

const isTracking = (name: string) => {
  const n = name.toLowerCase();
  return n.startsWith('utm_') || n.startsWith('__s') || TRACKING_PARAMS.has(n);
};

/** The canonical http(s) URL, or undefined when `raw` is not (or does not resolve to) one. */
export function canonicalUrl(raw: string | undefined, base?: string): string | undefined {
  const value = raw?.trim();
  if (!value) return undefined;
  let url: URL;
  try {
    url = base ? new URL(value, base) : new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (!url.hostname || url.username || url.password) return undefined;
  url.hash = '';
  for (const name of [...url.searchParams.keys()]) {
    if (isTracking(name)) url.searchParams.delete(name);
  }
  // URL serialises an emptied query as "?"; drop it.
  const text = url.toString();
  return url.search ? text : text.replace(/\?$/, '');
}

/** Any http(s) URL (for images): same rules minus the tracking clean-up. */
export function httpUrl(raw: string | undefined, base?: string): string | undefined {
  const value = raw?.trim();
  if (!value) return undefined;
  try {
    const url = base ? new URL(value, base) : new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}

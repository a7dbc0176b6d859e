/**
 * Where `POST /subscribe` may send the browser back to: the `redirect` field of an embedded sign-up form,
 * accepted only on the publication's own origins (its `websiteUrl` and this server's `PUBLIC_URL`), so
 * the form is never an open redirect that lends our domain to a phishing link. Pure.
 */

/** The origins a redirect may point to, from the publication's website and the public URL. */
export function signUpOrigins(websiteUrl: string, publicUrl: string): Set<string> {
  const origins = new Set<string>();
  for (const url of [websiteUrl, publicUrl]) {
    const origin = originOf(url);
    if (origin) origins.add(origin);
  }
  return origins;
}

/** The URL to redirect to, or undefined (absent, malformed, another origin, credentials, too long). */
export function safeRedirect(raw: unknown, origins: ReadonlySet<string>): string | undefined {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2000) return undefined;
  // Absolute URLs only: a relative one (`//evil.example`, `/\evil.example`) is read differently by
  // browsers and by URL parsers, which is how open-redirect checks are usually slipped past.
  if (!/^https?:\/\//i.test(raw)) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.username || url.password) return undefined;
  if (!origins.has(url.origin)) return undefined;
  return url.href;
}

function originOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

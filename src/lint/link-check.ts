/**
 * The lint's opt-in network check (adapter): does every link and image of an edition answer? Bounded
 * on every side: at most `maxLinks` URLs, `concurrency` at a time (p-limit), one timeout per URL for
 * all its redirects, HEAD first (GET only when a server refuses HEAD), no body read. It goes out
 * through the feed fetcher's SSRF guard (src/feeds/host-guard.ts): every hop's host is checked before
 * the request and every connection's address when it is opened, so an article linking to
 * http://169.254.169.254/ or a name that resolves to 127.0.0.1 is reported, never fetched.
 */
import pLimit from 'p-limit';
import { fetch } from 'undici';
import { DEFAULT_USER_AGENT } from '../feeds/fetch-feed.ts';
import { assertPublicHost, publicOnlyAgent } from '../feeds/host-guard.ts';
import type { LinkAnswer } from './edition-lint.ts';

export interface LinkCheckOptions {
  /** ALLOW_PRIVATE_FEED_HOSTS: the guard's one switch (tests on 127.0.0.1, private deployments). */
  allowPrivateHosts: boolean;
  /** Per URL, redirects included. Default 8 s. */
  timeoutMs?: number;
  /** URLs in flight at once. Default 8. */
  concurrency?: number;
  /** URLs checked per edition; the rest are left out (and counted). Default 300. */
  maxLinks?: number;
  /** Default 5. */
  maxRedirects?: number;
}

export type LinkChecker = (urls: string[]) => Promise<{ answers: LinkAnswer[]; skipped: number }>;

export function createLinkChecker(options: LinkCheckOptions): LinkChecker {
  const opts = {
    timeoutMs: options.timeoutMs ?? 8_000,
    concurrency: options.concurrency ?? 8,
    maxLinks: options.maxLinks ?? 300,
    maxRedirects: options.maxRedirects ?? 5,
    allowPrivateHosts: options.allowPrivateHosts,
  };
  return async (urls) => {
    const unique = [...new Set(urls)];
    const limit = pLimit(opts.concurrency);
    const answers = await Promise.all(
      unique.slice(0, opts.maxLinks).map((url) => limit(() => check(url, opts))),
    );
    return { answers, skipped: Math.max(0, unique.length - opts.maxLinks) };
  };
}

async function check(url: string, opts: Required<LinkCheckOptions>): Promise<LinkAnswer> {
  const signal = AbortSignal.timeout(opts.timeoutMs);
  try {
    let current = new URL(url);
    for (let hop = 0; ; hop++) {
      if (current.protocol !== 'http:' && current.protocol !== 'https:') {
        return { url, error: `redirects to ${current.protocol} (not a web link)` };
      }
      if (!opts.allowPrivateHosts) await assertPublicHost(current.hostname);
      let res = await request(current, 'HEAD', signal, opts.allowPrivateHosts);
      // Some servers answer HEAD with 405/501 (or 403/404 from a framework that only routes GET).
      if ([403, 404, 405, 501].includes(res.status)) {
        await res.body?.cancel();
        res = await request(current, 'GET', signal, opts.allowPrivateHosts);
      }
      await res.body?.cancel();
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        if (hop >= opts.maxRedirects) return { url, error: `redirects more than ${opts.maxRedirects} times` };
        current = new URL(location, current);
        continue;
      }
      return { url, status: res.status };
    }
  } catch (err) {
    return { url, error: describe(err, opts.timeoutMs) };
  }
}

function request(url: URL, method: 'HEAD' | 'GET', signal: AbortSignal, allowPrivate: boolean) {
  return fetch(url, {
    method,
    redirect: 'manual',
    signal,
    headers: { 'user-agent': DEFAULT_USER_AGENT, accept: '*/*' },
    ...(allowPrivate ? {} : { dispatcher: publicOnlyAgent() }),
  });
}

function describe(err: unknown, timeoutMs: number): string {
  const e = err as {
    name?: string;
    code?: string;
    message?: string;
    cause?: { code?: string; message?: string };
  };
  if (e.name === 'TimeoutError' || e.name === 'AbortError')
    return `did not answer within ${timeoutMs / 1000} s`;
  if (e.code === 'EPRIVATEHOST') return `is refused: ${e.message}`;
  const cause = e.cause?.code ?? e.code;
  if (cause === 'EPRIVATEHOST') return `is refused: ${e.cause?.message}`;
  return `could not be reached${cause ? ` (${cause})` : ''}`;
}

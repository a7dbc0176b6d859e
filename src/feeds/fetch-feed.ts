/**
 * Fetches a feed document: an http(s) URL (undici's fetch, the implementation of Node's own, with a
 * dispatcher that checks the address of every connection) or a local file. Polite and bounded: a
 * User-Agent that names us, conditional GET (ETag / Last-Modified), gzip, one timeout for the whole
 * exchange, redirects followed by hand (`redirect: 'manual'`) so each hop is counted and passes the
 * SSRF guard, and a size cap enforced while streaming (a gzip bomb stops at the cap too).
 */
import { open } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fetch, type Response } from 'undici';
import { FeedError } from './feed-error.ts';
import { assertPublicHost, publicOnlyAgent } from './host-guard.ts';

export interface FeedFetcherOptions {
  /** Whole exchange, all redirects and the body included. Default 15 s. */
  timeoutMs?: number;
  /** Largest body accepted (after decompression). Default 10 MB. */
  maxBytes?: number;
  /** Redirects followed before giving up. Default 5. */
  maxRedirects?: number;
  /** Default `newsletter-digest/0.1 (+https://github.com/newsletter-digest)`. */
  userAgent?: string;
  /** Allow loopback/private addresses (ALLOW_PRIVATE_FEED_HOSTS). Default false. */
  allowPrivateHosts?: boolean;
}

/** The cache validators stored per source. */
export interface Validators {
  etag?: string | undefined;
  lastModified?: string | undefined;
}

export type FetchOutcome =
  | { status: 'not-modified' }
  | {
      status: 'ok';
      body: Uint8Array;
      contentType: string | undefined;
      /** The URL after redirects (resolves relative links in the feed); a file:// URL for files. */
      finalUrl: string;
      validators: Validators;
    };

export type FeedFetcher = (location: string, validators?: Validators) => Promise<FetchOutcome>;

export const DEFAULT_USER_AGENT =
  'newsletter-digest/0.1 (+https://github.com/newsletter-digest; feed fetcher)';
const ACCEPT =
  'application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5';

export function isHttpUrl(location: string): boolean {
  return /^https?:\/\//i.test(location);
}

export function createFeedFetcher(options: FeedFetcherOptions = {}): FeedFetcher {
  const opts = {
    timeoutMs: options.timeoutMs ?? 15_000,
    maxBytes: options.maxBytes ?? 10 * 1024 * 1024,
    maxRedirects: options.maxRedirects ?? 5,
    userAgent: options.userAgent ?? DEFAULT_USER_AGENT,
    allowPrivateHosts: options.allowPrivateHosts ?? false,
  };
  return (location, validators = {}) =>
    isHttpUrl(location) ? fetchHttp(location, validators, opts) : readLocal(location, opts.maxBytes);
}

async function fetchHttp(
  url: string,
  validators: Validators,
  opts: Required<FeedFetcherOptions>,
): Promise<FetchOutcome> {
  const signal = AbortSignal.timeout(opts.timeoutMs);
  try {
    let current = url;
    for (let hop = 0; ; hop++) {
      const target = parseHttpUrl(current);
      if (!opts.allowPrivateHosts) await assertPublicHost(target.hostname);
      const headers: Record<string, string> = { 'user-agent': opts.userAgent, accept: ACCEPT };
      if (validators.etag) headers['if-none-match'] = validators.etag;
      if (validators.lastModified) headers['if-modified-since'] = validators.lastModified;
      const res = await fetch(target, {
        headers,
        redirect: 'manual',
        signal,
        ...(opts.allowPrivateHosts ? {} : { dispatcher: publicOnlyAgent() }),
      });
      if (res.status >= 300 && res.status < 400 && res.status !== 304) {
        await res.body?.cancel();
        const next = res.headers.get('location');
        if (!next) throw new FeedError('EHTTP', `HTTP ${res.status} without a Location header`);
        if (hop >= opts.maxRedirects) {
          throw new FeedError('EREDIRECTS', `more than ${opts.maxRedirects} redirects (last: ${current})`);
        }
        current = new URL(next, target).toString();
        continue;
      }
      if (res.status === 304) {
        await res.body?.cancel();
        return { status: 'not-modified' };
      }
      if (res.status !== 200) {
        await res.body?.cancel();
        // 429 and 5xx are the server's passing trouble; other statuses will not heal by retrying.
        const temporary = res.status === 429 || res.status >= 500;
        throw new FeedError('EHTTP', `HTTP ${res.status} ${res.statusText}`.trim(), { temporary });
      }
      const body = await readCapped(res, opts.maxBytes);
      return {
        status: 'ok',
        body,
        contentType: res.headers.get('content-type') ?? undefined,
        finalUrl: current,
        validators: {
          etag: res.headers.get('etag') ?? undefined,
          lastModified: res.headers.get('last-modified') ?? undefined,
        },
      };
    }
  } catch (err) {
    throw asFeedError(err, opts.timeoutMs);
  }
}

function parseHttpUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new FeedError('EURL', `"${value}" is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FeedError('EURL', `only http(s) feed URLs are fetched (got ${url.protocol})`);
  }
  return url;
}

async function readCapped(res: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  // Content-Length counts compressed bytes; it only lets us refuse early, the stream check decides.
  if (Number.isFinite(declared) && declared > maxBytes && !res.headers.get('content-encoding')) {
    await res.body?.cancel();
    throw tooLarge(maxBytes);
  }
  if (!res.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

const tooLarge = (maxBytes: number) =>
  new FeedError('ETOOLARGE', `the feed is larger than ${Math.round(maxBytes / 1024 / 1024)} MB`);

function asFeedError(err: unknown, timeoutMs: number): FeedError {
  if (err instanceof FeedError) return err;
  const e = err as Error & { cause?: { code?: string; message?: string } };
  // The connection's own guard (publicOnlyLookup) fails the fetch with its FeedError as the cause.
  if (e?.cause instanceof FeedError) return e.cause;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') {
    return new FeedError('ETIMEOUT', `no complete answer within ${timeoutMs / 1000} s`, { cause: err });
  }
  // undici reports network trouble as TypeError("fetch failed" / "terminated") with the cause inside.
  const detail = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
  return new FeedError('ENETWORK', `network error: ${detail}`, { cause: err });
}

/** A local file (path or file:// URL): for the bundled sample and for operators' own exports. */
async function readLocal(location: string, maxBytes: number): Promise<FetchOutcome> {
  let path: string;
  try {
    path = location.startsWith('file:') ? fileURLToPath(location) : location;
  } catch {
    throw new FeedError('EURL', `"${location}" is not a valid file URL`);
  }
  if (!isAbsolute(path)) path = resolve(path);
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, 'r');
    const { size } = await handle.stat();
    if (size > maxBytes) throw tooLarge(maxBytes);
    const body = await handle.readFile();
    return {
      status: 'ok',
      body,
      contentType: undefined,
      finalUrl: pathToFileURL(path).href,
      validators: {},
    };
  } catch (err) {
    if (err instanceof FeedError) throw err;
    throw new FeedError('EURL', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  } finally {
    await handle?.close();
  }
}

/**
 * Why one source could not be collected. `code` is stable (tests and the dashboard sort on it, never
 * on message text); `temporary` tells the collect worker whether a retry with backoff can help.
 */
export type FeedErrorCode =
  | 'ETIMEOUT' // no complete answer within the timeout
  | 'ENETWORK' // DNS failure, refused or reset connection, body cut short
  | 'EHTTP' // an HTTP status other than 200/304
  | 'ETOOLARGE' // the body exceeds the size cap
  | 'EREDIRECTS' // too many redirects (or a loop)
  | 'EPRIVATEHOST' // the URL resolves to a loopback/private address (SSRF guard)
  | 'EURL' // not an http(s) URL or readable local file
  | 'ENOTFEED' // the body is not RSS, RDF, Atom or JSON Feed
  | 'EMALFORMED'; // looks like a feed but cannot be parsed (truncated, broken XML)

const TEMPORARY: ReadonlySet<FeedErrorCode> = new Set(['ETIMEOUT', 'ENETWORK']);

export class FeedError extends Error {
  readonly temporary: boolean;
  constructor(
    readonly code: FeedErrorCode,
    message: string,
    options: { temporary?: boolean; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'FeedError';
    this.temporary = options.temporary ?? TEMPORARY.has(code);
  }
}

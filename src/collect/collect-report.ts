/** What collecting one source did; `digest collect` prints one line per source from it. */
export interface SourceReport {
  sourceId: string;
  url: string;
  /** `error`: the source as a whole failed (nothing was stored from it this time). */
  status: 'ok' | 'not-modified' | 'error';
  new: number;
  updated: number;
  unchanged: number;
  /** The source's failure, or the items that were skipped and why. */
  errors: string[];
  /** Stable code of a source-level failure (FeedError code, or ESTORE). */
  errorCode: string | undefined;
  /** True when a later attempt may succeed (timeouts, 5xx, network): the worker retries with backoff. */
  retryable: boolean;
}

export function formatReport(reports: SourceReport[]): string {
  if (reports.length === 0) return 'No sources. Add one with: digest sources add <url-or-path>';
  const lines = reports.map((r) => {
    const counts = `new ${r.new}, updated ${r.updated}, unchanged ${r.unchanged}`;
    const state = r.status === 'not-modified' ? ' (not modified)' : '';
    const errors = r.errors.length ? `, errors ${r.errors.length}: ${r.errors.slice(0, 3).join('; ')}` : '';
    return `${r.sourceId}  ${r.url}\n    ${r.status === 'error' ? 'FAILED' : 'ok'}${state}: ${counts}${errors}`;
  });
  const total = reports.reduce((n, r) => n + r.new, 0);
  const failed = reports.filter((r) => r.status === 'error').length;
  lines.push(`${reports.length} source(s), ${total} new article(s), ${failed} failed.`);
  return lines.join('\n');
}

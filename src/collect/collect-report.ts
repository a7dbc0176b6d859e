/** What collecting one source did; `digest collect` prints one line per source from it. */
export interface SourceReport {
  sourceId: string;
  url: string;
  /** `error`: the source as a whole failed (nothing was stored from it this time). */
  status: 'ok' | 'not-modified' | 'error';
  new: number;
  updated: number;
  unchanged: number;
  /**
   * Items of the feed that were refused (a field of the wrong type, no http(s) link, no title); the
   * first reasons are in `errors`.
   */
  refused: number;
  /** Set when the feed held more items than are looked at: only the first `kept` of `total` were. */
  truncated: { kept: number; total: number } | undefined;
  /** The source's failure, or the first reasons for refused items (at most 20). */
  errors: string[];
  /** Stable code of a source-level failure (FeedError code, or ESTORE). */
  errorCode: string | undefined;
  /** True when a later attempt may succeed (timeouts, 5xx, network): the worker retries with backoff. */
  retryable: boolean;
}

export function formatReport(reports: SourceReport[]): string {
  if (reports.length === 0) return 'No sources. Add one with: digest sources add <url-or-path>';
  const lines = reports.map((r) => {
    const refused = r.refused ? `, refused ${r.refused}` : '';
    const counts = `new ${r.new}, updated ${r.updated}, unchanged ${r.unchanged}${refused}`;
    const state = r.status === 'not-modified' ? ' (not modified)' : '';
    const more = Math.max(r.errors.length, r.refused) - 3;
    const reasons = r.errors.length
      ? ` (${r.errors.slice(0, 3).join('; ')}${more > 0 ? `; and ${more} more` : ''})`
      : '';
    const line = `${r.sourceId}  ${r.url}\n    ${r.status === 'error' ? 'FAILED' : 'ok'}${state}: ${counts}${reasons}`;
    const cut = r.truncated;
    return cut
      ? `${line}\n    truncated: kept ${cut.kept} of ${cut.total} items (the feed's first ones)`
      : line;
  });
  const total = reports.reduce((n, r) => n + r.new, 0);
  const failed = reports.filter((r) => r.status === 'error').length;
  const refused = reports.reduce((n, r) => n + r.refused, 0);
  const truncated = reports.filter((r) => r.truncated).length;
  lines.push(
    `${reports.length} source(s), ${total} new article(s), ${failed} failed` +
      `${refused ? `, ${refused} item(s) refused` : ''}${truncated ? `, ${truncated} truncated` : ''}.`,
  );
  return lines.join('\n');
}

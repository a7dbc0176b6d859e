/** A source of articles: a feed URL or a local feed file, with what the last fetch found. */
export interface Source {
  /** Stable id derived from the location. */
  id: string;
  /** An http(s) URL or an absolute file path. */
  url: string;
  kind: 'url' | 'file';
  /** Topic ids every article of this source gets (besides its own categories). */
  topics: string[];
  /**
   * `file`: named by the publication file (it follows the file); `operator`: added by `digest sources
   * add`, the API or the dashboard, stored beside the file. Absent in records of older versions:
   * `syncFromFile` marks the file's own, and the rest read as `operator`.
   */
  origin?: 'file' | 'operator';
  addedAt: string;
  /** Cache validators of the last successful fetch (conditional GET). */
  etag: string | undefined;
  lastModified: string | undefined;
  lastFetch: SourceFetchResult | undefined;
}

/** The outcome of the last collect of one source, kept for the dashboard. */
export interface SourceFetchResult {
  at: string;
  status: 'ok' | 'not-modified' | 'error';
  new: number;
  updated: number;
  unchanged: number;
  /** Items refused and the cut at the item cap (see SourceReport); absent in records of older versions. */
  refused?: number;
  truncated?: { kept: number; total: number } | undefined;
  errors: string[];
  durationMs: number;
}

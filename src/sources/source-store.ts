import type { SourceSeed } from '../domain/publication.ts';
import type { Source, SourceFetchResult } from './source.ts';

/** Where sources live (the Redis adapter is redis-source-store.ts). */
export interface SourceStore {
  /**
   * Adds a source, or updates the topics of the one with the same location (`origin` default:
   * `operator`, or what the existing one has). `url` is an http(s) URL
   * or an absolute path (validate operator input with parseSourceLocation first); `kind` is inferred
   * when absent.
   */
  add(
    input: { url: string; kind?: Source['kind']; topics?: string[]; origin?: Source['origin'] },
    now?: Date,
  ): Promise<Source>;
  /** Oldest first. */
  list(): Promise<Source[]>;
  get(id: string): Promise<Source | undefined>;
  /** By id or location; false when there was none. */
  remove(idOrUrl: string): Promise<boolean>;
  /** Stores the cache validators and the outcome of a collect. */
  recordFetch(
    id: string,
    result: SourceFetchResult,
    validators?: { etag: string | undefined; lastModified: string | undefined },
  ): Promise<void>;
  /**
   * Makes the registered sources follow the publication file, which is the configuration: a source
   * the file names is registered (origin `file`, the file's topics) unless an operator removed it
   * (`remove` keeps that, reported as a conflict by src/publication/publication-report.ts); a file
   * source the file no longer names is dropped. Sources added by an operator are left alone.
   */
  syncFromFile(seeds: SourceSeed[], now: Date): Promise<{ added: Source[]; dropped: Source[] }>;
  /** Ids of the file's sources an operator removed. */
  removedFromFile(): Promise<string[]>;
}

import type { SourceSeed } from '../domain/publication.ts';
import type { Source, SourceFetchResult } from './source.ts';

/** Where sources live (the Redis adapter is redis-source-store.ts). */
export interface SourceStore {
  /**
   * Adds a source, or updates the topics of the one with the same location. `url` is an http(s) URL
   * or an absolute path (validate operator input with parseSourceLocation first); `kind` is inferred
   * when absent.
   */
  add(input: { url: string; kind?: Source['kind']; topics?: string[] }, now?: Date): Promise<Source>;
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
   * Registers the publication's seed sources once per installation, so a seed the operator removed
   * stays removed. Returns how many were added.
   */
  seedOnce(seeds: SourceSeed[], now: Date): Promise<number>;
}

import type { Edition, EditionStatus } from '../domain/edition.ts';
import type { CompiledVariant } from '../render/build-variant.ts';

export interface EditionRecord extends Edition {
  startedAt: string | undefined;
  finishedAt: string | undefined;
}

/** Editions and their compiled variants, frozen when built. */
export interface EditionStore {
  get(id: string): Promise<EditionRecord | undefined>;
  /** Stores a built edition once; a second call for the same id changes nothing and returns 'exists'. */
  create(edition: Edition, variants: CompiledVariant[]): Promise<'created' | 'exists'>;
  /** Atomically moves from one of `from` to `to`; returns false when the edition was in another status. */
  transition(id: string, from: EditionStatus[], to: EditionStatus, reason?: string): Promise<boolean>;
  list(limit: number): Promise<EditionRecord[]>;
  variants(id: string): Promise<CompiledVariant[]>;
  /** One builder per edition across all processes. */
  lockBuild(id: string, ttlMs: number): Promise<boolean>;
  unlockBuild(id: string): Promise<void>;
  /** A new number for each dispatch of an edition, so its send job ids never collide with old ones. */
  nextGeneration(id: string): Promise<number>;
  /** Remembers the latest dispatch (its job ids are `send-<id>-g<generation>-1..jobs`) for reconcile. */
  recordDispatch(id: string, generation: number, jobs: number): Promise<void>;
  lastDispatch(id: string): Promise<{ generation: number; jobs: number } | undefined>;
}

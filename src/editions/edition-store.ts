import type { Article } from '../domain/article.ts';
import type { Edition, EditionStatus } from '../domain/edition.ts';
import type { EditionEdits } from '../domain/edition-edits.ts';
import type { DueGroup } from '../observability/send-progress.ts';
import type { CompiledVariant } from '../render/build-variant.ts';

export interface EditionRecord extends Edition {
  startedAt: string | undefined;
  finishedAt: string | undefined;
  /** Set when an operator approved the draft (the review gate); cleared by a rebuild. */
  approvedAt: string | undefined;
  approvedBy: string | undefined;
  /** The web version is public from this instant on (the first delivery's due time); set by a send. */
  publicFrom: string | undefined;
}

/**
 * How a build becomes the edition: `create` the first one; `rebuild` a draft whose deliveries were
 * never claimed; `reopen` a cancelled edition that reached nobody, as a draft again.
 */
export type CommitMode = 'create' | 'rebuild' | 'reopen';
/**
 * `committed`; `exists` (create: another build was first); `missing` (nothing to rebuild);
 * `claimed` (rebuild: a delivery was claimed); `reached` (reopen: somebody got it); else the status
 * that forbids the mode, e.g. `status:sending`.
 */
export type CommitResult = 'committed' | 'exists' | 'missing' | 'claimed' | 'reached' | `status:${string}`;

/** Editions, their current generation (variants, frozen articles, ledger) and the editor's edits. */
export interface EditionStore {
  get(id: string): Promise<EditionRecord | undefined>;
  /** Writes a build's variants and frozen articles under staging keys (see `commit`). */
  stage(id: string, variants: CompiledVariant[], articles: Article[] | undefined): Promise<void>;
  /**
   * Makes the staged build (variants, articles, and the ledger DeliveryLedger.freeze staged) the
   * edition's current generation in one script: the checks of `mode` and the swap cannot interleave
   * with a claim, so a rebuild never replaces a ledger a worker has started to send from.
   */
  commit(edition: Edition, mode: CommitMode): Promise<CommitResult>;
  /**
   * `stage` + `commit('create')`: stores an edition once, in the status it has (a second call returns
   * 'exists'). Without `articles`, previews read today's versions of its articleIds.
   */
  create(edition: Edition, variants: CompiledVariant[], articles?: Article[]): Promise<'created' | 'exists'>;
  /**
   * Atomically moves from one of `from` to `to`; returns false when the edition was in another status.
   * The status is then written into every partition's mirror, which the claims read: a claim made in
   * the milliseconds between the edition's change and its partition's mirror sees the old status, as
   * a claim made just before the change would. When `transition` returns, every claim sees the new one.
   */
  transition(id: string, from: EditionStatus[], to: EditionStatus, reason?: string): Promise<boolean>;
  /** Writes the edition's current status into the partitions' mirrors again (reconcile; idempotent). */
  syncMirrors(id: string): Promise<void>;
  list(limit: number): Promise<EditionRecord[]>;
  variants(id: string): Promise<CompiledVariant[]>;
  /** The current generation's frozen articles; undefined for editions built before they were kept. */
  articles(id: string): Promise<Article[] | undefined>;
  edits(id: string): Promise<EditionEdits>;
  /** Applies the given changes (undefined fields are left alone, '' clears) and returns all edits. */
  saveEdits(id: string, change: Partial<EditionEdits>): Promise<EditionEdits>;
  /** Records an approval of the draft; false when the edition is not a draft. */
  approve(id: string, at: Date, by: string): Promise<boolean>;
  /** Records when the web version becomes public; an earlier instant already recorded stays. */
  setPublicFrom(id: string, at: Date): Promise<void>;
  /** One builder per edition across all processes. */
  lockBuild(id: string, ttlMs: number): Promise<boolean>;
  unlockBuild(id: string): Promise<void>;
  /** A new number for each dispatch of an edition, so its send job ids never collide with old ones. */
  nextGeneration(id: string): Promise<number>;
  /** Remembers the latest dispatch (its job ids are `send-<id>-g<generation>-1..jobs`) for reconcile. */
  recordDispatch(id: string, generation: number, jobs: number, plan: DueGroup[]): Promise<void>;
  /** The latest dispatch's due plan (how many are due when, per zone); undefined before any send. */
  duePlan(id: string): Promise<DueGroup[] | undefined>;
  lastDispatch(id: string): Promise<{ generation: number; jobs: number } | undefined>;
}

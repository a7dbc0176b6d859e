import type { DeliveryState } from '../domain/delivery.ts';

export type ClaimResult =
  | 'claimed'
  | 'paused'
  | 'cancelled'
  | 'ratelimited'
  | 'skipped'
  | 'uncertain'
  | 'missing'
  | DeliveryState
  | string;

export type Outcome = 'sent' | 'retry' | 'pending' | 'bounced' | 'failed' | 'uncertain';

export interface OutcomeDetail {
  at: string;
  code?: string | undefined;
  responseCode?: number | undefined;
  reason?: string | undefined;
  messageId?: string | undefined;
}

export interface FrozenRecipient {
  subscriberId: string;
  /** Index into the edition's variants; -1 when the recipient is skipped at the freeze. */
  variant: number;
  state: 'pending' | 'skipped';
  reason?: string;
}

/** Feedback kinds counted per edition (see RECORD_FEEDBACK). */
export type FeedbackCountKind = 'bounced' | 'soft-bounced' | 'complained' | 'unsubscribed';

/** Per kind: subscribers of the edition it happened to, and how many of them had been `sent`. */
export type FeedbackCounts = Record<FeedbackCountKind, { total: number; afterSent: number }>;

/** The truth about who got what: one entry per (edition, subscriber). */
export interface DeliveryLedger {
  /**
   * Writes a build's ledger under staging keys; it becomes the edition's ledger when the edition store
   * commits the build (EditionStore.commit), atomically with the generation's variants and articles.
   */
  freeze(editionId: string, recipients: FrozenRecipient[], now: Date): Promise<void>;
  claim(
    editionId: string,
    subscriberId: string,
    claim: { jobId: string; run: string },
    now: Date,
  ): Promise<ClaimResult>;
  record(
    editionId: string,
    subscriberId: string,
    claim: { jobId: string; run: string },
    outcome: Outcome,
    detail: OutcomeDetail | undefined,
  ): Promise<'ok' | 'stale' | 'missing'>;
  /**
   * `record` of a lane's previous recipient, then `claim` of its next one, in one round trip (two
   * steps: the record stands whatever the claim answers).
   */
  recordAndClaim(
    editionId: string,
    claim: { jobId: string; run: string },
    recorded: { subscriberId: string; outcome: Outcome; detail?: OutcomeDetail | undefined },
    nextSubscriberId: string,
    now: Date,
  ): Promise<{ recorded: 'ok' | 'stale' | 'missing'; claimed: ClaimResult }>;
  counts(editionId: string): Promise<Record<DeliveryState, number>>;
  /** Pages through the ledger: [subscriberId, state] pairs. */
  scan(
    editionId: string,
    cursor: string,
    count: number,
  ): Promise<{ cursor: string; entries: Array<[string, string]> }>;
  variantsOf(editionId: string, subscriberIds: string[]): Promise<number[]>;
  stateOf(editionId: string, subscriberId: string): Promise<string | undefined>;
  attemptsOf(editionId: string, subscriberIds: string[]): Promise<number[]>;
  detailOf(editionId: string, subscriberId: string): Promise<OutcomeDetail | undefined>;
  /** Moves every entry in state `from` to `to`; returns how many moved. */
  transitionAll(editionId: string, from: DeliveryState, to: DeliveryState, now: Date): Promise<number>;
  /** Moves claims older than `olderThanMs` to `uncertain` (their worker is gone). */
  expireClaims(editionId: string, olderThanMs: number, now: Date): Promise<number>;
  /**
   * Feedback after the hand-off (bounce, complaint, mailto unsubscribe) about one delivery: counted
   * once per subscriber and kind; the delivery's state is left as it is.
   */
  recordFeedback(
    editionId: string,
    subscriberId: string,
    kind: FeedbackCountKind,
    detail: { at: string; origin: string; detail: string },
  ): Promise<'recorded' | 'repeat' | 'missing'>;
  feedbackCounts(editionId: string): Promise<FeedbackCounts>;
  /**
   * The recorded reasons of the deliveries in a state, counted ("no articles for topics policy" → 3):
   * a scan of the ledger, so callers that poll cache it by the state's count (edition-progress.ts).
   */
  reasonsIn(editionId: string, state: DeliveryState): Promise<Record<string, number>>;
  /** Subscriber ids in a state (for `status` listings and operator actions). */
  listInState(editionId: string, state: DeliveryState, limit: number): Promise<string[]>;
}

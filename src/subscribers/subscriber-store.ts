import type {
  ChangeOrigin,
  Consent,
  DigestFormat,
  HistoryEntry,
  Subscriber,
  SubscriberStatus,
} from '../domain/subscriber.ts';

/** What a new subscriber is made of; everything but the address has a default. */
export interface NewSubscriber {
  /** Any spelling; the store normalises it (and refuses what is not one address). */
  email: string;
  name?: string;
  /** Default `pending` (double opt-in). */
  status?: SubscriberStatus;
  topics?: string[];
  pausedUntil?: string;
  format?: DigestFormat;
  timezone: string;
  hour: number;
  locale: string;
  consent?: Consent;
  /** Also add the address to the suppression set (imported `unsubscribed`, `bounced`, `complained`). */
  suppress?: boolean;
  /**
   * The person asked for it themselves (the sign-up form): a forgotten address may be stored again
   * (pending; it leaves the forgotten set when it becomes active, i.e. once confirmed). Operators'
   * adds and imports never set it, so they cannot bring back someone who asked to be erased.
   */
  ownRequest?: boolean;
}

/** The fields a change may touch (id, email and timestamps are the store's). */
export type SubscriberPatch = Partial<
  Pick<
    Subscriber,
    | 'name'
    | 'status'
    | 'topics'
    | 'frequency'
    | 'pausedUntil'
    | 'format'
    | 'timezone'
    | 'hour'
    | 'locale'
    | 'consent'
  >
>;

export interface CreateResult {
  subscriber: Subscriber;
  /** False when the address was already known: `subscriber` is the existing one, unchanged. */
  created: boolean;
}

/**
 * Where subscribers live (the Redis adapter is redis-subscriber-store.ts). Every change is recorded
 * in the subscriber's append-only history with its time, origin and before/after values.
 */
export interface SubscriberStore {
  /** Throws SuppressedAddressError for an address on the suppression list (nothing is written). */
  create(input: NewSubscriber, origin: ChangeOrigin, detail?: string): Promise<CreateResult>;
  /**
   * Bulk create in one pipeline (imports): each subscriber is still written atomically, whole or not
   * at all. Returns, per input, the id and whether it was new (false: the address was already known,
   * or it is suppressed and nothing was written).
   */
  createMany(
    inputs: NewSubscriber[],
    origin: ChangeOrigin,
    detail?: string,
  ): Promise<Array<{ id: string | undefined; created: boolean; suppressed: boolean }>>;
  get(id: string): Promise<Subscriber | undefined>;
  getByEmail(email: string): Promise<Subscriber | undefined>;
  /** One round trip, in the order of `ids`. */
  getMany(ids: string[]): Promise<Array<Subscriber | undefined>>;
  /**
   * Only some fields of many subscribers, one round trip, in the order of `ids`: the build and the
   * send step read a few fields of every recipient, and decoding whole records was most of their time.
   */
  pick<K extends keyof Subscriber>(
    ids: string[],
    fields: readonly K[],
  ): Promise<Array<Pick<Subscriber, K | 'id'> | undefined>>;
  /** Applies the patch and records `event` with before/after of what changed; no change, no entry. */
  update(
    id: string,
    patch: SubscriberPatch,
    origin: ChangeOrigin,
    event: string,
    detail?: string,
  ): Promise<Subscriber>;
  /** Idempotent: an unsubscribed, bounced or complained subscriber is left as it is. */
  unsubscribe(id: string, origin: ChangeOrigin, detail?: string): Promise<Subscriber>;
  /** Status `bounced`, the address suppressed, history origin `bounce`. Unknown ids are ignored. */
  markBounced(id: string, detail: string): Promise<void>;
  /** Status `complained`, the address suppressed, history origin `complaint`. */
  markComplained(id: string, detail: string): Promise<void>;
  /**
   * Records a soft bounce (history origin `bounce`, event `soft-bounce`) and returns how many the
   * subscriber had within the last `windowDays` (this one included; the same `eventId` counts once).
   * Unknown ids return 0 and write nothing.
   */
  recordSoftBounce(
    id: string,
    eventId: string,
    at: Date,
    windowDays: number,
    detail: string,
  ): Promise<number>;
  /** Suppressed (bounced, complained...) or forgotten: mail nobody at this address. */
  isSuppressed(email: string): Promise<boolean>;
  /** Erased by `forget` and not back (confirmed) since. */
  isForgotten(email: string): Promise<boolean>;
  /**
   * One round trip for many stored (already normalised) addresses, e.g. a page of recipients; in order.
   * Skips the address parser, which is the slow part of `isSuppressed`. Suppressed or forgotten, as
   * `isSuppressed`.
   */
  areSuppressed(normalisedEmails: string[]): Promise<boolean[]>;
  history(id: string): Promise<HistoryEntry[]>;
  /** SSCAN paging over one status; start and end with cursor `'0'`. */
  listByStatus(
    status: SubscriberStatus,
    cursor: string,
    count: number,
  ): Promise<{ cursor: string; ids: string[] }>;
  /** Subscribers whose address contains `query` (or whose id is `query`), at most `limit`. */
  search(query: string, limit: number): Promise<Subscriber[]>;
  counts(): Promise<Record<SubscriberStatus, number>>;
  /** How many addresses are forgotten (erased and not back since): the dashboard's count beside the statuses. */
  forgottenCount(): Promise<number>;
  /**
   * Erases the person's data; keeps only the hashed address, in the forgotten set (apart from the
   * suppression set): never stored by an operator again, but the person may sign up and confirm.
   */
  forget(id: string): Promise<void>;
  /** Every subscriber id, in pages (for export). */
  scanIds(cursor: string, count: number): Promise<{ cursor: string; ids: string[] }>;
}

/** Thrown by `update` for an id that does not exist (e.g. forgotten meanwhile). */
export class SubscriberNotFoundError extends Error {
  readonly code = 'ESUBSCRIBER_NOT_FOUND';
  constructor(id: string) {
    super(`no subscriber ${id}`);
    this.name = 'SubscriberNotFoundError';
  }
}

/**
 * A suppressed address (bounced, complained) is never stored or mailed again; a forgotten one only
 * when the person signs up again themselves (`NewSubscriber.ownRequest`).
 */
export class SuppressedAddressError extends Error {
  readonly code = 'ESUPPRESSED';
  constructor() {
    super('the address is on the suppression list');
    this.name = 'SuppressedAddressError';
  }
}

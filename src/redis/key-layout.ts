/**
 * Every Redis key name of the program, in one place, so that the slot plan for Redis Cluster can be
 * read off one file (docs/architecture.md "Key layout"). A part of a key in braces is a hash tag:
 * Redis Cluster places the key by that part alone, so keys with the same tag share a slot and one
 * Lua script or MULTI may touch them together. Stores take the names from here and declare nothing.
 */

/** The keys of one edition, all under the edition's hash tag `{ed:<id>}`. */
export interface EditionKeys {
  edition: string;
  ledger: string;
  counts: string;
  claims: string;
  detail: string;
  attempts: string;
  variantOf: string;
  variants: string;
  jobs: string;
  /** Feedback after the hand-off: HASH counts per kind (bounced, soft-bounced, complained, unsubscribed). */
  feedback: string;
  /** HASH `<subscriberId>|<kind>` -> JSON {at, origin, detail, state}: each subscriber counts once per kind. */
  feedbackOf: string;
  /** The generation's frozen articles (JSON array), what previews, test sends and the web version render. */
  articles: string;
  /** The editor's changes (hash), applied by the next build of the draft. */
  edits: string;
  /** SET NX with a TTL while a build of the edition runs. */
  buildLock: string;
  /** The send timeline: HASH `minute|outcome -> n` (observability/redis-send-timeline.ts). */
  timeline: string;
  /** HASH `outcome|code -> n` of the SMTP replies. */
  replies: string;
}

/**
 * The keys a build writes, each under its staging name (`<key>:next`) until the commit script renames
 * them over the live ones in one step (editions/redis-edition-store.ts).
 */
export const GENERATION_KEYS = ['ledger', 'counts', 'detail', 'variantOf', 'variants', 'articles'] as const;
export type GenerationKey = (typeof GENERATION_KEYS)[number];
export const stagingKey = (keys: EditionKeys, name: GenerationKey) => `${keys[name]}:next`;

export function editionKeys(prefix: string, editionId: string): EditionKeys {
  const base = `${prefix}:{ed:${editionId}}`;
  return {
    edition: `${base}:edition`,
    ledger: `${base}:ledger`,
    counts: `${base}:counts`,
    claims: `${base}:claims`,
    detail: `${base}:detail`,
    attempts: `${base}:attempts`,
    variantOf: `${base}:variant-of`,
    variants: `${base}:variants`,
    jobs: `${base}:jobs`,
    feedback: `${base}:feedback`,
    feedbackOf: `${base}:feedback-of`,
    articles: `${base}:articles`,
    edits: `${base}:edits`,
    buildLock: `${base}:edition:build-lock`,
    timeline: `${base}:timeline`,
    replies: `${base}:replies`,
  };
}

/** ZSET of edition ids by window start. */
export const editionIndexKey = (prefix: string) => `${prefix}:editions`;

/** The keys of one subscriber and the subscriber indexes (subscribers/redis-subscriber-store.ts). */
export function subscriberKeys(prefix: string) {
  return {
    /** HASH, `status` plain; topics/consent JSON; `rev` counts changes. */
    sub: (id: string) => `${prefix}:sub:${id}`,
    /** LIST of JSON history entries, append-only. */
    history: (id: string) => `${prefix}:sub:${id}:history`,
    /** ZSET event id -> time (ms) of the soft bounces within the policy's window. */
    softBounces: (id: string) => `${prefix}:sub:${id}:soft-bounces`,
    /** SET of ids per status. */
    status: (s: string) => `${prefix}:subs:status:${s}`,
    /** HASH normalised email -> id. */
    emailIndex: `${prefix}:sub:email`,
    /** SET of sha256(normalised email) hex (bounced, complained, imported as unsubscribed): never mailed again. */
    suppressed: `${prefix}:suppressed`,
    /** SET of sha256(normalised email) hex of forgotten people: out once they sign up and confirm again. */
    forgotten: `${prefix}:forgotten`,
  };
}
export const subscriberKey = (prefix: string, id: string) => subscriberKeys(prefix).sub(id);

/** The global send rate's counter of one second (INCR, expires after 2 s). */
export const rateKey = (prefix: string, second: number) => `${prefix}:send-rate:${second}`;
/** The relay outage the send workers last saw (JSON, with a TTL; redis-relay-status.ts). */
export const relayStatusKey = (prefix: string) => `${prefix}:relay:outage`;
/** A feedback event already applied (SET NX with a TTL): a provider's retry changes nothing. */
export const feedbackSeenKey = (prefix: string, eventHash: string) => `${prefix}:feedback:seen:${eventHash}`;
/** A confirmation mail sent to this address hash within the window (SET NX with a TTL). */
export const confirmationMailedKey = (prefix: string, emailHash: string) =>
  `${prefix}:signup:mailed:${emailHash}`;
/**
 * The public URL the running HTTP server (`digest start`/`serve`) answers on, set when it listens: a
 * one-shot command without PUBLIC_URL of its own prints links to that server, not to its own PORT.
 */
export const serverUrlKey = (prefix: string) => `${prefix}:http:public-url`;
/** An operator's console session (the sha256 hex of its cookie's id), with a TTL. */
export const adminSessionKey = (prefix: string, idHash: string) => `${prefix}:admin:session:${idHash}`;
/** The sign-up form's rate limiter (@fastify/rate-limit) names its keys from this namespace. */
export const subscribeRateLimitNamespace = (prefix: string) => `${prefix}:rl:subscribe:`;

/** Articles: a JSON document per article, the published-time index and the dedupe indexes. */
export function articleKeys(prefix: string) {
  return {
    doc: (id: string) => `${prefix}:article:${id}`,
    published: `${prefix}:articles:published`,
    indexes: [`${prefix}:articles:guid`, `${prefix}:articles:url`, `${prefix}:articles:hash`] as const,
  };
}

/** Sources: a JSON document per source, the ZSET of ids by time added, the seeded marker. */
export function sourceKeys(prefix: string) {
  return {
    source: (id: string) => `${prefix}:source:${id}`,
    index: `${prefix}:sources`,
    seeded: `${prefix}:sources:seeded`,
    /** SET of ids of the publication file's sources an operator removed (not collected; reported). */
    removedFromFile: `${prefix}:sources:removed-from-file`,
  };
}

/** Which publication the data belongs to, and what an operator stored beside its file (src/publication/). */
export function publicationKeys(prefix: string) {
  return {
    /** JSON {id, name, sample, since}: set by the first process on empty data, moved by `publication adopt`. */
    owner: `${prefix}:publication:owner`,
    /** JSON {cron, timezone, fileCron, at}: the schedule `digest schedule set` stored. */
    schedule: `${prefix}:publication:schedule`,
  };
}

/**
 * BullMQ's key prefix of a queue. Each BullMQ script touches several keys of one queue, and a flow also
 * its parent's queue, so on Redis Cluster a queue's keys must share a hash tag: `{bull}` for collect
 * and build (the weekly flow's children and parent), dispatch and reconcile (a few jobs a week), and
 * `{bull-send}` for send, the one busy queue, which may so land on another master. Older code used
 * `<prefix>:bull` for every queue; `digest migrate` moves what waits there (src/queues/move-queue-jobs.ts).
 */
export const bullPrefix = (prefix: string, queue: string) =>
  queue === 'send' ? `${prefix}:{bull-send}` : `${prefix}:{bull}`;
/** The BullMQ prefix of every queue before the hash tags (read by `digest migrate` only). */
export const legacyBullPrefix = (prefix: string) => `${prefix}:bull`;

/**
 * Every Redis key name of the program, in one place, so that the slot plan for Redis Cluster can be
 * read off one file (docs/architecture.md "Key layout"). A part of a key in braces is a hash tag:
 * Redis Cluster places the key by that part alone, so keys with the same tag share a slot and one
 * Lua script or MULTI may touch them together. Stores take the names from here and declare nothing.
 */
import { createHash } from 'node:crypto';

/**
 * The layout's version, stored in the data under `layoutKey` (with the partition count). A data dir of
 * an older layout is refused at start until `digest migrate` has moved it (redis/layout-guard.ts).
 */
export const LAYOUT_VERSION = 2;
export const layoutKey = (prefix: string) => `${prefix}:layout`;

/**
 * Subscribers and the per-subscriber part of every edition (its ledger) are split into PARTITIONS
 * partitions by a stable hash of the subscriber id. Each partition has one hash tag, so a subscriber's
 * record and its deliveries share a slot and "claim only while the subscriber is still active" is one
 * script. The count never changes for a data dir (it is stored with the layout version).
 *
 * 120 partitions, each tag chosen (TAG_SUFFIX) so that partition i's slot lies in the i-th 120th of
 * the 16384 slots: the equal slot ranges `redis-cli --cluster create` gives 3-10 masters then hold
 * 40/30/24/20/16-18/15/13-14/12 partitions each (tests/unit/key-layout.test.ts).
 */
export const PARTITIONS = 120;
// biome-ignore format: a table
const TAG_SUFFIX = [56,77,10,26,123,143,69,66,332,103,110,6,66,156,42,34,114,72,305,78,8,18,129,78,75,58,169,8,35,14,32,13,74,42,124,144,115,171,331,108,102,19,76,148,52,24,106,62,229,68,18,35,70,51,54,75,115,0,18,39,6,367,62,47,59,78,9,10,28,118,75,43,174,268,134,103,11,38,266,32,244,38,6,58,167,78,17,21,11,30,16,37,50,128,100,42,29,225,148,37,34,11,8,40,208,312,54,323,45,77,170,341,231,352,127,316,105,37,152,26] as const;

/** The hash tag of partition p, braces included. */
export const partitionTag = (p: number) => `{p${p}.${TAG_SUFFIX[p]}}`;

/**
 * The partition of a subscriber: FNV-1a (32 bits) of the id, mod PARTITIONS. A few nanoseconds, where
 * a new id is drawn about PARTITIONS times (subscribers/redis-subscriber-store.ts newSubscriberId); it
 * only has to spread ids evenly (tests/unit/key-layout.test.ts), not to resist anybody. Never change
 * it: stored data is placed by it.
 */
export function partitionOfId(subscriberId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < subscriberId.length; i++) {
    h ^= subscriberId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % PARTITIONS;
}
/**
 * The partition of an address's suppression-list entry, from the entry itself (the SHA-256 hex of the
 * normalised address, subscribers/normalise-email.ts `suppressionHash`): a forgotten address is known
 * by that hash alone.
 */
export const partitionOfSuppression = (sha256Hex: string) =>
  Number.parseInt(sha256Hex.slice(0, 8), 16) % PARTITIONS;
/** The partition of a normalised email address: where its index entry and suppression live. */
export const partitionOfEmail = (normalisedEmail: string) =>
  partitionOfSuppression(createHash('sha256').update(normalisedEmail).digest('hex'));
export const allPartitions = (): number[] => Array.from({ length: PARTITIONS }, (_, p) => p);

/** The keys of one subscriber, of one partition's indexes (subscribers/redis-subscriber-store.ts). */
export function subscriberKeys(prefix: string) {
  const at = (p: number) => `${prefix}:${partitionTag(p)}`;
  return {
    /** HASH, `status` plain; topics/consent JSON; `rev` counts changes. */
    sub: (id: string) => `${at(partitionOfId(id))}:sub:${id}`,
    /** LIST of JSON history entries, append-only. */
    history: (id: string) => `${at(partitionOfId(id))}:sub:${id}:history`,
    /** ZSET event id -> time (ms) of the soft bounces within the policy's window. */
    softBounces: (id: string) => `${at(partitionOfId(id))}:sub:${id}:soft-bounces`,
    /** SET of the ids of a partition's subscribers in a status. */
    status: (p: number, s: string) => `${at(p)}:subs:status:${s}`,
    /** HASH normalised email -> id, of the addresses of partition p (partitionOfEmail). */
    emailIndex: (p: number) => `${at(p)}:sub:email`,
    /**
     * SET of sha256(normalised email) hex of partition p's addresses (bounced, complained, imported as
     * unsubscribed): never mailed again.
     */
    suppressed: (p: number) => `${at(p)}:suppressed`,
    /** SET of sha256(normalised email) hex of partition p's forgotten people: out once they sign up and confirm again. */
    forgotten: (p: number) => `${at(p)}:forgotten`,
  };
}
export const subscriberKey = (prefix: string, id: string) => subscriberKeys(prefix).sub(id);

/** The keys of one edition that are not per subscriber, all under the edition's hash tag `{ed:<id>}`. */
export interface EditionKeys {
  /** HASH: status, the frozen edition as JSON (`data`), timestamps, `statusRev`, `reopened`, `committing`. */
  edition: string;
  /** HASH index -> compiled variant JSON. */
  variants: string;
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

export function editionKeys(prefix: string, editionId: string): EditionKeys {
  const base = `${prefix}:{ed:${editionId}}`;
  return {
    edition: `${base}:edition`,
    variants: `${base}:variants`,
    articles: `${base}:articles`,
    edits: `${base}:edits`,
    buildLock: `${base}:edition:build-lock`,
    timeline: `${base}:timeline`,
    replies: `${base}:replies`,
  };
}
/** The edition keys a build writes under a staging name first (`<key>:next`). */
export const EDITION_STAGED = ['variants', 'articles'] as const;
export const stagingKey = (key: string) => `${key}:next`;

/** One edition's deliveries in one partition: under the partition's tag, beside its subscribers. */
export interface LedgerKeys {
  /** HASH subscriberId -> state (`sending@<jobId>#<run>` while claimed). */
  ledger: string;
  /** HASH state -> how many of the partition's deliveries are in it. */
  counts: string;
  /** ZSET subscriberId -> claim time (ms). */
  claims: string;
  /** HASH subscriberId -> JSON OutcomeDetail. */
  detail: string;
  /** HASH subscriberId -> temporary failures so far. */
  attempts: string;
  /** HASH subscriberId -> variant index. */
  variantOf: string;
  /** Feedback after the hand-off: HASH counts per kind (bounced, soft-bounced, complained, unsubscribed). */
  feedback: string;
  /** HASH `<subscriberId>|<kind>` -> JSON {at, origin, detail, state}: each subscriber counts once per kind. */
  feedbackOf: string;
  /** The edition's status as the claims of this partition see it: `<statusRev>|<status>`. */
  status: string;
  /** The build generation the partition's live keys are of (the commit's promote step). */
  build: string;
}

export function ledgerKeys(prefix: string, editionId: string, partition: number): LedgerKeys {
  const base = `${prefix}:${partitionTag(partition)}:ed:${editionId}`;
  return {
    ledger: `${base}:ledger`,
    counts: `${base}:counts`,
    claims: `${base}:claims`,
    detail: `${base}:detail`,
    attempts: `${base}:attempts`,
    variantOf: `${base}:variant-of`,
    feedback: `${base}:feedback`,
    feedbackOf: `${base}:feedback-of`,
    status: `${base}:status`,
    build: `${base}:build`,
  };
}
/** The partition keys a build (DeliveryLedger.freeze) writes under their staging names. */
export const LEDGER_STAGED = ['ledger', 'counts', 'detail', 'variantOf'] as const;

/** Every key an edition may have, on its own slot and in every partition, staging names included. */
export function everyEditionKey(prefix: string, editionId: string): string[] {
  const own = editionKeys(prefix, editionId);
  const keys = [...Object.values(own), ...EDITION_STAGED.map((name) => stagingKey(own[name]))];
  for (let p = 0; p < PARTITIONS; p++) {
    const k = ledgerKeys(prefix, editionId, p);
    keys.push(...Object.values(k), ...LEDGER_STAGED.map((name) => stagingKey(k[name])));
  }
  return keys;
}

/** ZSET of edition ids by window start. */
export const editionIndexKey = (prefix: string) => `${prefix}:editions`;

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

/**
 * Articles: a JSON document per article, the published-time index and the dedupe indexes, all under
 * one tag (an upsert checks and writes them in one script); a publication's articles are few.
 */
export function articleKeys(prefix: string) {
  const base = `${prefix}:{articles}`;
  return {
    doc: (id: string) => `${base}:article:${id}`,
    published: `${base}:published`,
    indexes: [`${base}:guid`, `${base}:url`, `${base}:hash`] as const,
  };
}

/** Sources: a JSON document per source, the ZSET of ids by time added, the seeded marker; one tag. */
export function sourceKeys(prefix: string) {
  const base = `${prefix}:{sources}`;
  return {
    source: (id: string) => `${base}:source:${id}`,
    index: `${base}:index`,
    seeded: `${base}:seeded`,
    /** SET of ids of the publication file's sources an operator removed (not collected; reported). */
    removedFromFile: `${base}:removed-from-file`,
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

/**
 * Layout 1 (before the partitions), what `digest migrate` reads and the layout guard recognises. Keys
 * of layout 1 that layout 2 kept under the same name (edition hashes, variants, articles of an
 * edition, edits, timeline, the edition index and every single-key record) are not listed.
 */
export function legacyKeys(prefix: string) {
  const ed = (id: string) => `${prefix}:{ed:${id}}`;
  return {
    sub: (id: string) => `${prefix}:sub:${id}`,
    history: (id: string) => `${prefix}:sub:${id}:history`,
    softBounces: (id: string) => `${prefix}:sub:${id}:soft-bounces`,
    status: (s: string) => `${prefix}:subs:status:${s}`,
    emailIndex: `${prefix}:sub:email`,
    suppressed: `${prefix}:suppressed`,
    /** An edition's per-subscriber hashes (and their staging names, `<key>:next`). */
    ledger: (id: string) => ({
      ledger: `${ed(id)}:ledger`,
      counts: `${ed(id)}:counts`,
      claims: `${ed(id)}:claims`,
      detail: `${ed(id)}:detail`,
      attempts: `${ed(id)}:attempts`,
      variantOf: `${ed(id)}:variant-of`,
      feedback: `${ed(id)}:feedback`,
      feedbackOf: `${ed(id)}:feedback-of`,
    }),
    article: (id: string) => `${prefix}:article:${id}`,
    articlesPublished: `${prefix}:articles:published`,
    articleIndexes: [`${prefix}:articles:guid`, `${prefix}:articles:url`, `${prefix}:articles:hash`] as const,
    source: (id: string) => `${prefix}:source:${id}`,
    sources: `${prefix}:sources`,
    sourcesSeeded: `${prefix}:sources:seeded`,
    sourcesRemovedFromFile: `${prefix}:sources:removed-from-file`,
    forgotten: `${prefix}:forgotten`,
  };
}

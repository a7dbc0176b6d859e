/**
 * Redis keys of one edition. All carry the hash tag `{ed:<id>}` so that, on Redis Cluster, an
 * edition's ledger, counts and claims live in one slot and the Lua scripts stay single-slot (the
 * subscriber's status key is the one cross-slot read; see docs/architecture.md).
 */
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
  };
}

export const editionIndexKey = (prefix: string) => `${prefix}:editions`;
export const subscriberKey = (prefix: string, id: string) => `${prefix}:sub:${id}`;
export const rateKey = (prefix: string, second: number) => `${prefix}:send-rate:${second}`;
/** The relay outage the send workers last saw (JSON, with a TTL; redis-relay-status.ts). */
export const relayStatusKey = (prefix: string) => `${prefix}:relay:outage`;
/** A feedback event already applied (SET NX with a TTL): a provider's retry changes nothing. */
export const feedbackSeenKey = (prefix: string, eventHash: string) => `${prefix}:feedback:seen:${eventHash}`;

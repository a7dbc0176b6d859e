/**
 * Signed links for subscribers (pure: no clock, no I/O). A token is `base64url(payload).base64url(tag)`.
 * Two versions, both verified:
 * - v1, payload `v1|keyId|subscriberId|purpose|issuedAt`, tag HMAC-SHA256(key, payload): one purpose
 *   per HMAC. Confirmation links, and every unsubscribe and preference link sent before v2.
 * - v2, payload `v2|keyId|subscriberId|issuedAt`, for the pair of links every digest carries: one
 *   HMAC-SHA256 signs both, its first 16 bytes are the unsubscribe link's tag and its last 16 the
 *   preference link's. The send step signs a pair per recipient, so this halves its HMACs; knowing
 *   one half tells nothing about the other (HMAC is a PRF), and 128-bit tags are beyond guessing.
 * Either way an unsubscribe token can never be used as a preference or confirm token. Keys rotate by
 * id: the newest signs, every configured key verifies, a removed key's tokens stop working.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { LinkKey } from '../config.ts';

export type LinkPurpose = 'unsubscribe' | 'preferences' | 'confirm';

export interface LinkPayload {
  purpose: LinkPurpose;
  subscriberId: string;
  /** Unix seconds. */
  issuedAt: number;
}

export interface VerifiedLink {
  subscriberId: string;
  issuedAt: number;
  keyId: string;
}

const V1 = 'v1';
const V2 = 'v2';
/** Which half of a v2 HMAC is the tag of each purpose it signs (confirm links stay v1). */
const V2_HALF: Partial<Record<LinkPurpose, number>> = { unsubscribe: 0, preferences: 1 };
const V2_TAG_BYTES = 16;
/** Confirmation links expire; unsubscribe and preference links never do (old emails must keep working). */
export const LINK_LIFETIME_SECONDS: Record<LinkPurpose, number | undefined> = {
  confirm: 7 * 24 * 3600,
  unsubscribe: undefined,
  preferences: undefined,
};
const PURPOSES: ReadonlySet<string> = new Set(['unsubscribe', 'preferences', 'confirm']);
// Ids and key ids never contain the separator; anything else is refused before signing.
const SAFE_FIELD = /^[A-Za-z0-9_-]{1,64}$/;
// Fewer than 32 signature bytes means a truncated token; we never compare a prefix.
const MAX_TOKEN_LENGTH = 512;

const mac = (secret: string, payload: string): Buffer =>
  createHmac('sha256', secret).update(payload).digest();

function checkFields(subscriberId: string, issuedAt: number, key: LinkKey): void {
  if (!SAFE_FIELD.test(subscriberId)) throw new Error(`signLink: bad subscriber id ${subscriberId}`);
  if (!SAFE_FIELD.test(key.id)) throw new Error(`signLink: bad key id ${key.id}`);
  if (!Number.isInteger(issuedAt) || issuedAt < 0) throw new Error('signLink: issuedAt must be unix seconds');
}

/** A v1 token: one purpose, one HMAC (confirmation links). */
export function signLink(p: LinkPayload, key: LinkKey): string {
  checkFields(p.subscriberId, p.issuedAt, key);
  const payload = [V1, key.id, p.subscriberId, p.purpose, String(p.issuedAt)].join('|');
  return `${Buffer.from(payload).toString('base64url')}.${mac(key.secret, payload).toString('base64url')}`;
}

export interface LinkPair {
  unsubscribe: string;
  preferences: string;
}

/** The v2 tokens of a recipient's unsubscribe and preference links, from one HMAC. */
export function signLinkPair(subscriberId: string, issuedAt: number, key: LinkKey): LinkPair {
  checkFields(subscriberId, issuedAt, key);
  const payload = `${V2}|${key.id}|${subscriberId}|${issuedAt}`;
  const encoded = Buffer.from(payload).toString('base64url');
  const tag = mac(key.secret, payload);
  return {
    unsubscribe: `${encoded}.${tag.subarray(0, V2_TAG_BYTES).toString('base64url')}`,
    preferences: `${encoded}.${tag.subarray(V2_TAG_BYTES).toString('base64url')}`,
  };
}

/**
 * The subscriber a token speaks for, or undefined for anything forged, truncated, expired, signed with
 * a key no longer configured, or issued for another purpose. `now` is unix seconds.
 */
export function verifyLink(
  token: string,
  keys: LinkKey[],
  expected: LinkPurpose,
  now: number,
): VerifiedLink | undefined {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return undefined;
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) return undefined;
  const encodedPayload = token.slice(0, dot);
  const encodedMac = token.slice(dot + 1);
  if (!/^[A-Za-z0-9_-]+$/.test(encodedPayload) || !/^[A-Za-z0-9_-]+$/.test(encodedMac)) return undefined;
  const payload = Buffer.from(encodedPayload, 'base64url').toString('utf8');
  // Re-encoding must round-trip: base64url has several spellings of the same bytes at the tail, and
  // a changed character must never still verify.
  if (Buffer.from(payload).toString('base64url') !== encodedPayload) return undefined;
  const fields = payload.split('|');
  let keyId: string;
  let subscriberId: string;
  let purpose: string;
  let issued: string;
  let wantedTag: (tag: Buffer) => Buffer;
  if (fields.length === 5 && fields[0] === V1) {
    [, keyId, subscriberId, purpose, issued] = fields as [string, string, string, string, string];
    wantedTag = (tag) => tag;
  } else if (fields.length === 4 && fields[0] === V2) {
    [, keyId, subscriberId, issued] = fields as [string, string, string, string];
    // A v2 token names no purpose: the half its tag matches is the purpose it was signed for.
    purpose = expected;
    const half = V2_HALF[expected];
    if (half === undefined) return undefined;
    wantedTag = (tag) => tag.subarray(half * V2_TAG_BYTES, (half + 1) * V2_TAG_BYTES);
  } else return undefined;
  if (!SAFE_FIELD.test(subscriberId) || !PURPOSES.has(purpose)) return undefined;
  if (!/^\d{1,12}$/.test(issued)) return undefined;
  const key = keys.find((k) => k.id === keyId);
  if (!key) return undefined;
  const given = Buffer.from(encodedMac, 'base64url');
  const wanted = wantedTag(mac(key.secret, payload));
  if (given.length !== wanted.length || given.toString('base64url') !== encodedMac) return undefined;
  if (!timingSafeEqual(given, wanted)) return undefined;
  // Checked after the signature, so a wrong purpose and a forgery look the same to the caller.
  if (purpose !== expected) return undefined;
  const issuedAt = Number(issued);
  const lifetime = LINK_LIFETIME_SECONDS[expected];
  if (lifetime !== undefined && (now - issuedAt > lifetime || issuedAt - now > 300)) return undefined;
  return { subscriberId, issuedAt, keyId };
}

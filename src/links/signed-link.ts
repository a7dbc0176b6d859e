/**
 * Signed links for subscribers (pure: no clock, no I/O). A token is
 * `base64url(payload).base64url(HMAC-SHA256(key, payload))` with payload
 * `v1|keyId|subscriberId|purpose|issuedAt`. The purpose is inside the signed payload, so an
 * unsubscribe token can never be used as a preference or confirm token. Keys rotate by id: the newest
 * signs, every configured key verifies, a removed key's tokens stop working.
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

const VERSION = 'v1';
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

export function signLink(p: LinkPayload, key: LinkKey): string {
  if (!SAFE_FIELD.test(p.subscriberId)) throw new Error(`signLink: bad subscriber id ${p.subscriberId}`);
  if (!SAFE_FIELD.test(key.id)) throw new Error(`signLink: bad key id ${key.id}`);
  if (!Number.isInteger(p.issuedAt) || p.issuedAt < 0)
    throw new Error('signLink: issuedAt must be unix seconds');
  const payload = [VERSION, key.id, p.subscriberId, p.purpose, String(p.issuedAt)].join('|');
  return `${Buffer.from(payload).toString('base64url')}.${mac(key.secret, payload).toString('base64url')}`;
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
  if (fields.length !== 5) return undefined;
  const [version, keyId, subscriberId, purpose, issued] = fields as [string, string, string, string, string];
  if (version !== VERSION || !SAFE_FIELD.test(subscriberId) || !PURPOSES.has(purpose)) return undefined;
  if (!/^\d{1,12}$/.test(issued)) return undefined;
  const key = keys.find((k) => k.id === keyId);
  if (!key) return undefined;
  const given = Buffer.from(encodedMac, 'base64url');
  const wanted = mac(key.secret, payload);
  if (given.length !== wanted.length || given.toString('base64url') !== encodedMac) return undefined;
  if (!timingSafeEqual(given, wanted)) return undefined;
  // Checked after the signature, so a wrong purpose and a forgery look the same to the caller.
  if (purpose !== expected) return undefined;
  const issuedAt = Number(issued);
  const lifetime = LINK_LIFETIME_SECONDS[expected];
  if (lifetime !== undefined && (now - issuedAt > lifetime || issuedAt - now > 300)) return undefined;
  return { subscriberId, issuedAt, keyId };
}

/**
 * Signed addresses at the bounce domain (pure: no clock, no I/O). Three kinds:
 * - bounce, `b-<edition>-<subscriber>-<tag>@BOUNCE_DOMAIN`: the envelope sender (Return-Path) of one
 *   digest (VERP). A DSN comes back to it, so the address alone says which edition and which
 *   subscriber bounced, whatever the DSN's body looks like.
 * - unsubscribe, `u-<edition>-<subscriber>-<tag>@BOUNCE_DOMAIN`: the `mailto:` of List-Unsubscribe
 *   (RFC 2369). The signed address is the authentication: a message to it unsubscribes its subscriber.
 * - loop, `f-<tag>@BOUNCE_DOMAIN`: the one address to register with mailbox providers' complaint
 *   feedback loops (ARF reports), which send every report to one fixed address.
 *
 * Both per-recipient addresses come from one HMAC-SHA256 over `f1|editionId|subscriberId` (the bounce
 * tag is its first 10 bytes, the unsubscribe tag bytes 16-25: like the link pair of signed-link.ts, the
 * halves of a PRF's output are independent, so one never passes for the other). They are deterministic
 * per (edition, subscriber), like the Message-ID. Mail systems may change the case of a local part, so
 * everything is lower case: the subscriber id's 12 bytes and the tag in base32, the edition `2026-W47`
 * as `2026w47`. 80-bit tags are beyond guessing for a listener that answers 550 to every wrong one. The
 * key id is not in the address (64 characters is the local part's limit): verification tries each
 * configured key, newest first, so a rotated-out key's addresses keep working while it is configured.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { LinkKey } from '../config.ts';

export type FeedbackAddressKind = 'bounce' | 'unsubscribe';

export interface FeedbackAddresses {
  bounce: string;
  unsubscribe: string;
}

export type VerifiedAddress =
  | { kind: FeedbackAddressKind; editionId: string; subscriberId: string }
  | { kind: 'loop' };

const TAG_BYTES = 10;
const HALF = 16;
const EDITION = /^(\d{4})-W(\d{2})$/;
const SUBSCRIBER_ID = /^[A-Za-z0-9_-]{16}$/;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const LOCAL = /^([bu])-(\d{4})w(\d{2})-([a-z2-7]{20})-([a-z2-7]{16})$/;
const LOOP_LOCAL = /^f-([a-z2-7]{16})$/;
const PREFIX: Record<FeedbackAddressKind, string> = { bounce: 'b', unsubscribe: 'u' };

const mac = (secret: string, payload: string): Buffer =>
  createHmac('sha256', secret).update(payload).digest();

/** RFC 4648 base32, lower case, no padding. */
export function base32(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** The bytes of a base32 text, or undefined when it is not the one canonical spelling of them. */
export function fromBase32(text: string, byteLength: number): Buffer | undefined {
  const out = Buffer.alloc(byteLength);
  let bits = 0;
  let value = 0;
  let at = 0;
  for (const ch of text) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) return undefined;
    value = ((value << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      if (at >= byteLength) return undefined;
      out[at++] = (value >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  // Left-over bits must be zero, so that no second spelling of the same bytes exists.
  if (at !== byteLength || (value & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}

/** Whether an edition id can be named in a feedback address (every id of the form 2026-W47). */
export const canSignFeedback = (editionId: string): boolean => EDITION.test(editionId);

/** The bounce and unsubscribe addresses of one recipient of one edition: one HMAC. */
export function feedbackAddresses(
  editionId: string,
  subscriberId: string,
  key: LinkKey,
  domain: string,
): FeedbackAddresses {
  const edition = EDITION.exec(editionId);
  if (!edition) throw new Error(`feedbackAddresses: bad edition id ${editionId}`);
  if (!SUBSCRIBER_ID.test(subscriberId))
    throw new Error(`feedbackAddresses: bad subscriber id ${subscriberId}`);
  const tag = mac(key.secret, `f1|${editionId}|${subscriberId}`);
  const middle = `-${edition[1]}w${edition[2]}-${base32(Buffer.from(subscriberId, 'base64url'))}-`;
  return {
    bounce: `${PREFIX.bounce}${middle}${base32(tag.subarray(0, TAG_BYTES))}@${domain}`,
    unsubscribe: `${PREFIX.unsubscribe}${middle}${base32(tag.subarray(HALF, HALF + TAG_BYTES))}@${domain}`,
  };
}

/** The fixed address for feedback-loop reports (one per key and domain). */
export function feedbackLoopAddress(key: LinkKey, domain: string): string {
  return `f-${base32(mac(key.secret, 'f1|loop').subarray(0, TAG_BYTES))}@${domain}`;
}

/**
 * What a signed address at `domain` stands for, or undefined for anything else: another domain, a
 * changed character, a truncated or forged tag, a key no longer configured.
 */
export function verifyFeedbackAddress(
  address: string,
  keys: LinkKey[],
  domain: string,
): VerifiedAddress | undefined {
  if (typeof address !== 'string' || address.length > 200) return undefined;
  const at = address.lastIndexOf('@');
  if (at <= 0 || address.slice(at + 1).toLowerCase() !== domain.toLowerCase()) return undefined;
  const local = address.slice(0, at).toLowerCase();
  const loop = LOOP_LOCAL.exec(local);
  if (loop) {
    const given = fromBase32(loop[1]!, TAG_BYTES);
    if (!given) return undefined;
    return keys.some((k) => timingSafeEqual(given, mac(k.secret, 'f1|loop').subarray(0, TAG_BYTES)))
      ? { kind: 'loop' }
      : undefined;
  }
  const m = LOCAL.exec(local);
  if (!m) return undefined;
  const [, letter, year, week, sid32, tag32] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const sidBytes = fromBase32(sid32, 12);
  const given = fromBase32(tag32, TAG_BYTES);
  if (!sidBytes || !given) return undefined;
  const kind: FeedbackAddressKind = letter === 'b' ? 'bounce' : 'unsubscribe';
  const editionId = `${year}-W${week}`;
  const subscriberId = sidBytes.toString('base64url');
  const start = kind === 'bounce' ? 0 : HALF;
  for (const key of keys) {
    const wanted = mac(key.secret, `f1|${editionId}|${subscriberId}`).subarray(start, start + TAG_BYTES);
    if (timingSafeEqual(given, wanted)) return { kind, editionId, subscriberId };
  }
  return undefined;
}

/** The edition and subscriber a digest's Message-ID `<2026-W47.<id>@domain>` names (unsigned: a hint). */
export function parseDigestMessageId(
  messageId: string,
): { editionId: string; subscriberId: string } | undefined {
  const m = /^<?(\d{4}-W\d{2})\.([A-Za-z0-9_-]{16})@[^>\s]+>?$/.exec(messageId.trim());
  return m ? { editionId: m[1]!, subscriberId: m[2]! } : undefined;
}

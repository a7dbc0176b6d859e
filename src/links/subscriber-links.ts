/**
 * The personal links of one recipient. Called once per recipient by the send step, so it is one
 * HMAC (a v2 pair, signed-link.ts) and string joins: no Redis, no clock (the caller passes `now`).
 */
import type { LinkKey } from '../config.ts';
import { type LinkPair, type LinkPurpose, signLink, signLinkPair } from './signed-link.ts';

export type SubscriberLinks = LinkPair;

/** Path of each link kind on the HTTP server. */
export const LINK_PATHS: Record<LinkPurpose, string> = { unsubscribe: 'u', preferences: 'p', confirm: 'c' };

export function linkUrl(
  publicUrl: string,
  purpose: LinkPurpose,
  subscriberId: string,
  keys: LinkKey[],
  now: number,
): string {
  const key = signingKey(keys);
  const issuedAt = Math.floor(now);
  const token =
    purpose === 'confirm'
      ? signLink({ purpose, subscriberId, issuedAt }, key)
      : signLinkPair(subscriberId, issuedAt, key)[purpose];
  return `${publicUrl}/${LINK_PATHS[purpose]}/${token}`;
}

function signingKey(keys: LinkKey[]): LinkKey {
  const key = keys[0];
  if (!key) throw new Error('no link key configured');
  return key;
}

/** `now` is unix seconds. */
export function subscriberLinks(
  publicUrl: string,
  subscriberId: string,
  keys: LinkKey[],
  now: number,
): SubscriberLinks {
  const pair = signLinkPair(subscriberId, Math.floor(now), signingKey(keys));
  return {
    unsubscribe: `${publicUrl}/${LINK_PATHS.unsubscribe}/${pair.unsubscribe}`,
    preferences: `${publicUrl}/${LINK_PATHS.preferences}/${pair.preferences}`,
  };
}

/**
 * The personal links of one recipient. Called once per recipient by the send step, so it is two
 * HMACs and string joins: no Redis, no clock (the caller passes `now`).
 */
import type { LinkKey } from '../config.ts';
import { type LinkPurpose, signLink } from './signed-link.ts';

export interface SubscriberLinks {
  unsubscribe: string;
  preferences: string;
}

/** Path of each link kind on the HTTP server. */
export const LINK_PATHS: Record<LinkPurpose, string> = { unsubscribe: 'u', preferences: 'p', confirm: 'c' };

export function linkUrl(
  publicUrl: string,
  purpose: LinkPurpose,
  subscriberId: string,
  keys: LinkKey[],
  now: number,
): string {
  const key = keys[0];
  if (!key) throw new Error('no link key configured');
  const token = signLink({ purpose, subscriberId, issuedAt: Math.floor(now) }, key);
  return `${publicUrl}/${LINK_PATHS[purpose]}/${token}`;
}

/** `now` is unix seconds. */
export function subscriberLinks(
  publicUrl: string,
  subscriberId: string,
  keys: LinkKey[],
  now: number,
): SubscriberLinks {
  return {
    unsubscribe: linkUrl(publicUrl, 'unsubscribe', subscriberId, keys, now),
    preferences: linkUrl(publicUrl, 'preferences', subscriberId, keys, now),
  };
}

/**
 * "One confirmation email per address per 24 hours", held in Redis (SET NX EX) so it holds across
 * every HTTP process. Keyed by the address's hash, so the key names no address.
 */

import { confirmationMailedKey } from '../redis/key-layout.ts';
import type { RedisClient } from '../redis/redis-client.ts';
import { suppressionHash } from './normalise-email.ts';

export interface ConfirmationThrottle {
  /** True for the first call per address in the window; false for every other. */
  claim(normalisedEmail: string): Promise<boolean>;
  /** Gives the slot back (the email could not be sent, so the person may try again). */
  release(normalisedEmail: string): Promise<void>;
}

export const CONFIRMATION_WINDOW_SECONDS = 24 * 3600;

export function createRedisConfirmationThrottle(
  redis: RedisClient,
  prefix: string,
  windowSeconds = CONFIRMATION_WINDOW_SECONDS,
): ConfirmationThrottle {
  const key = (email: string) => confirmationMailedKey(prefix, suppressionHash(email));
  return {
    async claim(email) {
      return (await redis.set(key(email), '1', 'EX', windowSeconds, 'NX')) === 'OK';
    },
    async release(email) {
      await redis.del(key(email));
    },
  };
}

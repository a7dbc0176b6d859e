/**
 * The relay outage as the send workers see it, kept in Redis so that any process (`digest status`, the
 * API, the dashboard) can show it. Each worker process writes its own view when it changes and clears it
 * when its relay answers again; the record expires on its own (a worker killed during an outage leaves
 * no lasting alarm), and every probe renews it.
 */

import { relayStatusKey } from '../redis/key-layout.ts';
import type { RedisClient } from '../redis/redis-client.ts';
import type { RelayOutage } from './relay-outage.ts';

export interface RelayStatus extends RelayOutage {
  /** The outage outlasted RELAY_OUTAGE_LIMIT: the relay is no longer tried until something is sent again. */
  givenUp: boolean;
}

export interface RelayStatusStore {
  save(outage: RelayOutage | undefined, givenUp: boolean): Promise<void>;
  read(): Promise<RelayStatus | undefined>;
}

/** Longer than the longest wait between probes (60 s), so a live outage never drops out. */
const TTL_SECONDS = 180;

export function createRedisRelayStatusStore(redis: RedisClient, prefix: string): RelayStatusStore {
  const key = relayStatusKey(prefix);
  return {
    async save(outage, givenUp) {
      if (!outage) await redis.del(key);
      else await redis.set(key, JSON.stringify({ ...outage, givenUp }), 'EX', givenUp ? 3600 : TTL_SECONDS);
    },
    async read() {
      const raw = await redis.get(key);
      if (!raw) return undefined;
      try {
        return JSON.parse(raw) as RelayStatus;
      } catch {
        return undefined;
      }
    },
  };
}

/**
 * "Acknowledged means replicated" for the writes a person must be able to count on (an unsubscribe,
 * a complaint, a preference change): after the write and before the answer, `WAIT 1 <timeout>` on
 * every master that has a replica, so a failover right after the answer cannot lose the change.
 *
 * WAIT counts the replicas that have every write this connection sent to that node so far; the
 * stores' writes go through the same per-node connections (ioredis' Cluster keeps one per node), so
 * asking each master covers the keys of any slot the change touched. A master without a connected
 * replica is not asked (there is nothing to wait for, and WAIT would only time out); which masters
 * have one is read from `INFO replication` and kept for `refreshMs`.
 */
import type { Redis } from 'ioredis';
import { eachMaster, isCluster, type RedisClient } from './redis-client.ts';

/** The change is written on the master but no replica confirmed it in time: do not acknowledge it. */
export class ReplicationTimeoutError extends Error {
  readonly code = 'EREPLICATION';
  /** Answered as 503: the sender (a mail provider's one-click request, a webhook) tries again. */
  readonly statusCode = 503;
  constructor(timeoutMs: number) {
    super(`no replica confirmed the change within ${timeoutMs} ms`);
    this.name = 'ReplicationTimeoutError';
  }
}

export interface ReplicaWaitOptions {
  /** WAIT's timeout (default 2 s): a replica a few ms behind answers at once; a dead link does not. */
  timeoutMs?: number;
  /** How long the "which masters have replicas" answer is kept (default 5 s). */
  refreshMs?: number;
}

export type ReplicaWait = () => Promise<void>;

export function createReplicaWait(redis: RedisClient, options: ReplicaWaitOptions = {}): ReplicaWait {
  const timeoutMs = options.timeoutMs ?? 2000;
  const refreshMs = options.refreshMs ?? 5000;
  let known: { at: number; masters: Redis[] } | undefined;

  const mastersWithReplicas = async (): Promise<Redis[]> => {
    if (known && Date.now() - known.at < refreshMs) return known.masters;
    if (isCluster(redis) && redis.status !== 'ready') return [];
    const masters = eachMaster(redis);
    const has = await Promise.all(
      masters.map(async (m) => /connected_slaves:[1-9]/.test(await m.info('replication'))),
    );
    known = { at: Date.now(), masters: masters.filter((_, i) => has[i]) };
    return known.masters;
  };

  return async () => {
    const masters = await mastersWithReplicas();
    if (!masters.length) return;
    const acks = await Promise.all(masters.map((m) => m.wait(1, timeoutMs)));
    if (acks.some((n) => n < 1)) {
      known = undefined;
      throw new ReplicationTimeoutError(timeoutMs);
    }
  };
}

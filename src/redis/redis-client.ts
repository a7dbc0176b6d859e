/**
 * The connection the stores and queues use: one Redis, or an ioredis `Cluster` when
 * REDIS_CLUSTER_NODES is set (src/app/container.ts builds either). Both answer the same commands and
 * `defineCommand` scripts; what differs on a cluster is that a script, MULTI or pipeline must keep to
 * one hash slot (the key layout sees to that) and that SCAN, KEYS, INFO and CONFIG reach one node:
 * `eachMaster` gives the nodes to ask one by one.
 */
import { Cluster, type Redis } from 'ioredis';

export type RedisClient = Redis | Cluster;

export const isCluster = (r: RedisClient): r is Cluster => r instanceof Cluster;

/** Every master of a cluster (as its connection), or the one Redis. */
export function eachMaster(r: RedisClient): Redis[] {
  return isCluster(r) ? r.nodes('master') : [r];
}

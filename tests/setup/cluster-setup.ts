/**
 * The `cluster` test project's second global setup: a local 3-master Redis Cluster for the run
 * (tests/helpers/redis-cluster.ts). `createTestContainer` then builds its containers on it
 * (REDIS_CLUSTER_NODES) instead of the one Redis, so the same test files run on both.
 */
import type { TestProject } from 'vitest/node';
import { startRedisCluster } from '../helpers/redis-cluster.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    redisClusterNodes: string;
  }
}

export default async function setup(project: TestProject) {
  const cluster = await startRedisCluster();
  project.provide('redisClusterNodes', cluster.seedNodes);
  return () => cluster.stop();
}

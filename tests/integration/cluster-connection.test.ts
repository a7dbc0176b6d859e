/**
 * REDIS_CLUSTER_NODES: the container builds an ioredis Cluster from the seed nodes and checks every
 * master as it checks one Redis; a seed list that names a single Redis, or an unreachable one, is one
 * line in our words.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContainer } from '../../src/app/container.ts';
import { loadConfig } from '../../src/config.ts';
import { ConfigError } from '../../src/errors/config-error.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { freePort } from '../../src/redis/embedded-redis.ts';
import { eachMaster, isCluster } from '../../src/redis/redis-client.ts';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import { type RedisCluster, startRedisCluster } from '../helpers/redis-cluster.ts';

let cluster: RedisCluster;
beforeAll(async () => {
  cluster = await startRedisCluster();
});
afterAll(async () => {
  await cluster?.stop();
});

const env = (redis: Record<string, string>) =>
  loadConfig({
    ...redis,
    REDIS_PREFIX: uniquePrefix(),
    SMTP_URL: 'smtp://127.0.0.1:1',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'nd-test-data-')),
    LINK_SECRET: 'test-link-secret-0123456789',
    ADMIN_TOKEN: 'test-admin-token-0123456789',
  });
const silent = createLogger({ level: 'silent', pretty: false });

describe('REDIS_CLUSTER_NODES', () => {
  it('builds a Cluster connection that reaches all three masters', async () => {
    // One seed node is enough: the others are found through it.
    const seed = cluster.seedNodes.split(',')[1]!;
    const c = await createContainer(env({ REDIS_CLUSTER_NODES: seed }), silent);
    try {
      expect(isCluster(c.redis)).toBe(true);
      expect(eachMaster(c.redis)).toHaveLength(3);
      const other = c.newRedisConnection();
      expect(isCluster(other)).toBe(true);
      await c.relayStatus.save(undefined, false);
      expect(await c.redis.ping()).toBe('PONG');
    } finally {
      await c.close();
    }
  });

  it('refuses a single Redis named as a seed node, in one line', async () => {
    const single = new URL(testRedisUrl());
    const err = await createContainer(env({ REDIS_CLUSTER_NODES: `127.0.0.1:${single.port}` }), silent).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe(
      `REDIS_CLUSTER_NODES names 127.0.0.1:${single.port}, a Redis without cluster mode: set REDIS_URL for one Redis, or cluster-enabled yes on the nodes`,
    );
  });

  it('names REDIS_CLUSTER_NODES when no seed node answers', async () => {
    const port = await freePort();
    const err = await createContainer(env({ REDIS_CLUSTER_NODES: `127.0.0.1:${port}` }), silent).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(
      new RegExp(
        `^cannot reach Redis at 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\) within 3 s: is it running\\? Check REDIS_CLUSTER_NODES$`,
      ),
    );
  });

  it('refuses a cluster with an evicting master, as it refuses one evicting Redis', async () => {
    const [port] = await cluster.masterPorts();
    const node = new Redis(port!, '127.0.0.1');
    await node.config('SET', 'maxmemory-policy', 'allkeys-lru');
    try {
      const err = await createContainer(env({ REDIS_CLUSTER_NODES: cluster.seedNodes }), silent).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(/maxmemory-policy allkeys-lru/);
    } finally {
      await node.config('SET', 'maxmemory-policy', 'noeviction');
      node.disconnect();
    }
  });
});

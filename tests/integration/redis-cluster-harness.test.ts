/**
 * The test harness's local Redis Cluster itself (tests/helpers/redis-cluster.ts): three masters that
 * share the slots, keys spread over all three, a replica per master that takes over when its master
 * is killed, and nothing left running after `stop()`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isRunning } from '../chaos/harness/chaos-redis.ts';
import { type RedisCluster, startRedisCluster } from '../helpers/redis-cluster.ts';

let cluster: RedisCluster | undefined;
afterEach(async () => {
  await cluster?.stop();
  cluster = undefined;
});

describe('the local Redis Cluster of the tests', () => {
  it('three masters: keys land on all three, and stop() leaves no process behind', async () => {
    cluster = await startRedisCluster();
    expect(await cluster.masterPorts()).toHaveLength(3);
    const c = cluster.client();
    for (let i = 0; i < 300; i++) await c.set(`harness:${i}`, String(i));
    const perMaster = await cluster.keysPerMaster();
    expect([...perMaster.values()].every((n) => n > 50)).toBe(true);
    expect([...perMaster.values()].reduce((a, b) => a + b, 0)).toBe(300);
    const pids = cluster.nodes.map((n) => n.process.pid!);
    await cluster.stop();
    cluster = undefined;
    expect(pids.filter(isRunning)).toEqual([]);
  });

  it('one replica per master: a killed master is replaced by its replica, which kept the data', async () => {
    cluster = await startRedisCluster({ replicas: 1, appendonly: true });
    expect(await cluster.masterPorts()).toHaveLength(3);
    expect(cluster.nodes).toHaveLength(6);
    const c = cluster.client();
    await c.set('harness:failover', 'kept');
    // WAIT: the write is on the replica before the master dies (what src/redis/replicated-write.ts does).
    expect(await c.wait(1, 2000)).toBe(1);
    const owner = [...(await cluster.keysPerMaster())].find(([, n]) => n === 1)![0];
    const replica = await cluster.replicaOf(owner);
    expect(replica).toBeDefined();
    await cluster.kill(owner);
    await cluster.waitUntilOk(30_000);
    expect(await cluster.masterPorts()).toContain(replica);
    expect(await c.get('harness:failover')).toBe('kept');
  });
});

/**
 * Acknowledged means replicated (src/redis/replica-wait.ts): on a Redis with a replica, a one-click
 * unsubscribe, a complaint or a preference change is answered only once the replica has it. With the
 * replica frozen (SIGSTOP: still connected, never confirming) the change is not acknowledged (503,
 * the sender tries again); once it runs again, the next try is acknowledged and the replica holds it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscriberLinks } from '../../src/links/subscriber-links.ts';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../src/redis/embedded-redis.ts';
import { subscriberKey } from '../../src/redis/key-layout.ts';
import { ReplicationTimeoutError } from '../../src/redis/replica-wait.ts';
import { type HttpWorld, startHttpWorld } from '../helpers/http-world.ts';

let dir: string;
let master: EmbeddedRedis;
let replica: EmbeddedRedis;
let replicaClient: Redis;
let world: HttpWorld;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nd-test-replica-'));
  master = await startEmbeddedRedis({ dir: join(dir, 'master'), extraArgs: ['--appendonly', 'no'] });
  replica = await startEmbeddedRedis({
    dir: join(dir, 'replica'),
    extraArgs: ['--appendonly', 'no', '--replicaof', '127.0.0.1', String(master.port)],
  });
  replicaClient = new Redis(replica.url, { maxRetriesPerRequest: null });
  for (;;) {
    if (/master_link_status:up/.test(await replicaClient.info('replication'))) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  world = await startHttpWorld({ REDIS_URL: master.url });
});
afterAll(async () => {
  process.kill(replica.pid, 'SIGCONT');
  await world?.stop();
  replicaClient?.disconnect();
  await replica?.stop();
  await master?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const active = async (email: string) =>
  (
    await world.container.subscribers.create(
      { email, status: 'active', timezone: 'Europe/Berlin', hour: 8, locale: 'en-GB' },
      'admin',
    )
  ).subscriber;
const onReplica = (id: string) => replicaClient.hget(subscriberKey(world.container.prefix, id), 'status');

describe('changes a person relies on wait for a replica', () => {
  it('a one-click unsubscribe is on the replica when it is answered', async () => {
    const sub = await active('wait-ok@readers.example');
    const { unsubscribe } = subscriberLinks(world.container.publicUrl, sub.id, world.container.linkKeys, 0);
    const res = await world.app.inject({
      method: 'POST',
      url: new URL(unsubscribe).pathname,
      payload: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.statusCode).toBe(200);
    // No waiting here: the answer came after the replica confirmed.
    expect(await onReplica(sub.id)).toBe('unsubscribed');
  });

  it('with the replica frozen, an unsubscribe is answered 503 and a complaint fails; both go through once it is back', async () => {
    const sub = await active('wait-frozen@readers.example');
    const other = await active('wait-complaint@readers.example');
    const { unsubscribe } = subscriberLinks(world.container.publicUrl, sub.id, world.container.linkKeys, 0);
    const post = () =>
      world.app.inject({
        method: 'POST',
        url: new URL(unsubscribe).pathname,
        payload: 'List-Unsubscribe=One-Click',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
    process.kill(replica.pid, 'SIGSTOP');
    try {
      expect((await post()).statusCode).toBe(503);
      await expect(world.container.subscribers.markComplained(other.id, 'arf')).rejects.toBeInstanceOf(
        ReplicationTimeoutError,
      );
    } finally {
      process.kill(replica.pid, 'SIGCONT');
    }
    expect((await post()).statusCode).toBe(200);
    await world.container.subscribers.markComplained(other.id, 'arf');
    expect(await onReplica(sub.id)).toBe('unsubscribed');
    expect(await onReplica(other.id)).toBe('complained');
  });

  it('a preference change is on the replica when it is answered', async () => {
    const sub = await active('wait-prefs@readers.example');
    await world.container.subscribers.update(sub.id, { hour: 7 }, 'link', 'preferences');
    expect(await replicaClient.hget(subscriberKey(world.container.prefix, sub.id), 'hour')).toBe('7');
  });
});

/**
 * `digest migrate` on a real Redis, from data written by the code of key layout 1 (the fixture
 * tests/fixtures/layout-1/data.json, made by make-fixture.ts.txt on commit 5f08203): processes refuse
 * the old data with one line, the migration moves it, a second run changes nothing, a run killed
 * with SIGKILL is finished by the next, and the app works on the result: status, an unsubscribe link
 * mailed before the migration, the send of the draft built before it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { startWorkers } from '../../src/app/start-workers.ts';
import { controlDeps } from '../../src/app/step-deps.ts';
import { editionStatus, startSend } from '../../src/delivery/edition-control.ts';
import { buildApp } from '../../src/http/app.ts';
import {
  layoutKey,
  legacyKeys,
  partitionOfEmail,
  partitionOfId,
  subscriberKeys,
} from '../../src/redis/key-layout.ts';
import { DIGEST_BIN, digestCli } from '../helpers/cli.ts';
import { createTestContainer } from '../helpers/container.ts';
import { cleanupPrefix, testRedis, testRedisUrl, uniquePrefix } from '../helpers/redis.ts';
import { startSmtpSink } from '../helpers/smtp-sink.ts';

interface Fixture {
  subscribers: Array<{ id: string; email: string; status: string; unsubscribe: string }>;
  keys: Array<{ key: string; type: string; value: unknown }>;
}
const fixture = JSON.parse(
  readFileSync(join(import.meta.dirname, '../fixtures/layout-1/data.json'), 'utf8'),
) as Fixture;

const redis = testRedis();
const prefixes: string[] = [];
afterAll(async () => {
  for (const p of prefixes) await cleanupPrefix(redis, p);
  redis.disconnect();
});

/** Writes the fixture under a new prefix, as the old code left it. */
async function loadFixture(extraSubscribers = 0): Promise<string> {
  const prefix = uniquePrefix();
  prefixes.push(prefix);
  for (const { key, type, value } of fixture.keys) {
    const k = key.replace('@@PREFIX@@', prefix);
    if (type === 'string') await redis.set(k, value as string);
    else if (type === 'hash') await redis.hset(k, value as Record<string, string>);
    else if (type === 'set') await redis.sadd(k, ...(value as string[]));
    else if (type === 'list') await redis.rpush(k, ...(value as string[]));
    else if (type === 'zset') {
      const flat = value as string[];
      for (let i = 0; i < flat.length; i += 2) await redis.zadd(k, flat[i + 1]!, flat[i]!);
    }
  }
  // More subscribers as layout 1 stored them (a migration long enough to be killed in the middle).
  const old = legacyKeys(prefix);
  for (let i = 0; i < extraSubscribers; i++) {
    const id = `bulk${String(i).padStart(12, '0')}`;
    const email = `bulk${i}@readers.example`;
    await redis
      .multi()
      .hset(old.sub(id), 'id', id, 'email', email, 'status', 'active', 'rev', '0')
      .rpush(old.history(id), '{"event":"created"}')
      .sadd(old.status('active'), id)
      .hset(old.emailIndex, email, id)
      .exec();
  }
  return prefix;
}

/** Every key under the prefix with its value, the prefix left out: what a data set holds. */
async function snapshot(r: Redis, prefix: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const name = key.slice(prefix.length);
      // Claimed by the first process that opened the data (`since`: its clock), migrate's included.
      if (name === ':publication:owner') continue;
      const type = await r.type(key);
      out[name] =
        type === 'string'
          ? await r.get(key)
          : type === 'hash'
            ? await r.hgetall(key)
            : type === 'set'
              ? (await r.smembers(key)).sort()
              : type === 'zset'
                ? await r.zrange(key, '0', '-1', 'WITHSCORES')
                : await r.lrange(key, 0, -1);
    }
  } while (cursor !== '0');
  return out;
}

const cli = (prefix: string) =>
  digestCli({
    prefix,
    dataDir: mkdtempSync(join(tmpdir(), 'nd-migrate-')),
    env: { LINK_SECRET: 'test-link-secret-0123456789' },
  });

describe('digest migrate', () => {
  it('refuses old data with one line, migrates it, and a second run changes nothing', async () => {
    const prefix = await loadFixture();
    await expect(
      createTestContainer({ smtpUrl: 'smtp://127.0.0.1:1', env: { REDIS_PREFIX: prefix } }),
    ).rejects.toThrow(/written by an older version .*run "digest migrate"/);
    const digest = cli(prefix);
    const refused = digest('status', '2026-W47');
    expect(refused.code).toBe(2);
    expect(refused.err.trim().split('\n')).toHaveLength(1);
    expect(refused.err).toMatch(/digest migrate/);

    const first = digest('migrate', '--json');
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.out)).toEqual({
      result: 'migrated',
      articles: 8,
      sources: 1,
      subscribers: 12,
      editions: 2,
      deliveries: 19,
      queuedJobs: 0,
    });
    expect(await redis.hgetall(layoutKey(prefix))).toEqual({ version: '2', partitions: '120' });
    // Nothing is left under a layout-1 name.
    const old = legacyKeys(prefix);
    for (const s of fixture.subscribers) expect(await redis.exists(old.sub(s.id))).toBe(0);
    expect(await redis.exists(old.emailIndex, old.suppressed, old.ledger('2026-W47').ledger)).toBe(0);

    const before = await snapshot(redis, prefix);
    const second = digest('migrate');
    expect(second.code).toBe(0);
    expect(second.out.trim()).toBe('already on the current key layout: nothing to do');
    expect(await snapshot(redis, prefix)).toEqual(before);
  });

  it('after a migration: status as before, an old unsubscribe link works, the old draft sends', {
    timeout: 120_000,
  }, async () => {
    const prefix = await loadFixture();
    expect(cli(prefix)('migrate').code).toBe(0);
    const sink = await startSmtpSink();
    const c = await createTestContainer({
      smtpUrl: sink.url,
      env: { REDIS_PREFIX: prefix, SEND_BATCH_SIZE: '5' },
    });
    const app = await buildApp(c);
    try {
      const now = new Date('2026-12-08T09:00:00Z');
      const sent = await editionStatus(controlDeps(c), '2026-W47', now);
      expect(sent).toMatchObject({ status: 'sent', eligible: 10, sent: 10, skipped: 0, pending: 0 });
      expect(sent.feedback).toMatchObject({ complained: 1, complaintRate: 0.1 });
      expect(await c.subscribers.counts()).toMatchObject({
        active: 9,
        complained: 1,
        bounced: 1,
        unsubscribed: 1,
      });
      // Ids of layout 1 were not drawn for their address's partition; most are in another one.
      // reader1 complained after 2026-W47; the other active ones are 2026-W48's recipients.
      const readers = fixture.subscribers.filter((s, i) => s.status === 'active' && i !== 1);
      expect(readers.some((s) => partitionOfId(s.id) !== partitionOfEmail(s.email))).toBe(true);
      // The one-click link reader2 got in 2026-W47, before the migration.
      const reader = readers[2]!;
      const path = new URL(reader.unsubscribe).pathname;
      const res = await app.inject({
        method: 'POST',
        url: path,
        payload: 'List-Unsubscribe=One-Click',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(res.statusCode).toBe(200);
      expect((await c.subscribers.get(reader.id))?.status).toBe('unsubscribed');
      expect(
        await redis.sismember(
          subscriberKeys(prefix).status(partitionOfId(reader.id), 'unsubscribed'),
          reader.id,
        ),
      ).toBe(1);
      // The suppression list and the index by address still answer.
      expect(await c.subscribers.isSuppressed('reader11@readers.example')).toBe(true);
      expect(await c.subscribers.isSuppressed('forget.me@readers.example')).toBe(true);
      expect((await c.subscribers.getByEmail('reader4@readers.example'))?.id).toBe(
        fixture.subscribers[4]!.id,
      );
      // A bounce of an old id suppresses its address in the address's partition.
      const bounced = readers.find((s) => partitionOfId(s.id) !== partitionOfEmail(s.email) && s !== reader)!;
      await c.subscribers.markBounced(bounced.id, '550 no such user');
      expect(await c.subscribers.isSuppressed(bounced.email)).toBe(true);

      // The draft built before the migration is sent: everyone active now, exactly once.
      await startSend(controlDeps(c), '2026-W48', { immediate: true, force: true, now });
      const w = await startWorkers(c, { workers: true, scheduler: false });
      try {
        await sink.waitFor(7, 30_000);
        let status = await editionStatus(controlDeps(c), '2026-W48', now);
        while (status.status !== 'sent') {
          await new Promise((r) => setTimeout(r, 100));
          status = await editionStatus(controlDeps(c), '2026-W48', now);
        }
        expect(status).toMatchObject({ sent: 7, skipped: 2, pending: 0, sending: 0 });
      } finally {
        await w.stop();
      }
      const to = sink.messages.flatMap((m) => m.envelopeTo);
      expect(new Set(to).size).toBe(to.length);
      expect(to).not.toContain(reader.email);
      expect(to).not.toContain(bounced.email);
    } finally {
      await app.close();
      await c.close();
      await sink.stop();
    }
  });

  it('a migration killed with SIGKILL half-way is refused at start and finished by the next run', async () => {
    const whole = await loadFixture(3000);
    const halted = await loadFixture(3000);
    expect(cli(whole)('migrate').code).toBe(0);

    const child = spawn(process.execPath, [DIGEST_BIN, 'migrate'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/root',
        REDIS_URL: testRedisUrl(),
        REDIS_PREFIX: halted,
        SMTP_URL: 'smtp://127.0.0.1:2525',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'nd-migrate-')),
        LOG_LEVEL: 'error',
        DIGEST_FROM_SOURCE: '1',
      },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    // Killed once it has moved some of the subscribers (the migration has begun: some of a sample of
    // 100 old keys are gone).
    const sample = Array.from({ length: 100 }, (_, i) =>
      legacyKeys(halted).sub(`bulk${String(i * 30).padStart(12, '0')}`),
    );
    while ((await redis.exists(...sample)) === 100) await new Promise((r) => setImmediate(r));
    child.kill('SIGKILL');
    await exited;
    expect(await redis.hget(layoutKey(halted), 'version')).toBeNull();
    const refused = cli(halted)('status', '2026-W47');
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/digest migrate/);

    expect(cli(halted)('migrate').code).toBe(0);
    expect(await snapshot(redis, halted)).toEqual(await snapshot(redis, whole));
  }, 240_000);
});

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { buildApp } from '../../src/http/app.ts';
import { createTestContainer } from '../helpers/container.ts';
import { type HttpWorld, startHttpWorld } from '../helpers/http-world.ts';
import { cleanupPrefix } from '../helpers/redis.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';

const auth = { authorization: 'Bearer test-admin-token-0123456789' };

describe('/api/subscribers', () => {
  let container: Container;
  let app: FastifyInstance;
  let world: HttpWorld;
  beforeAll(async () => {
    world = await startHttpWorld();
    ({ container, app } = world);
  });
  afterAll(() => world.stop());

  it('needs the ADMIN_TOKEN bearer', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789' }]) {
      const res = await app.inject({ method: 'GET', url: '/api/subscribers', headers });
      expect(res.statusCode).toBe(401);
    }
    const del = await app.inject({ method: 'DELETE', url: '/api/subscribers/a@example.com' });
    expect(del.statusCode).toBe(401);
  });

  it('adds, shows, lists, counts, exports and forgets', async () => {
    const add = await app.inject({
      method: 'POST',
      url: '/api/subscribers',
      headers: auth,
      payload: { email: 'Api@Example.com', name: 'Api', topics: ['lunar'], hour: 9, confirmed: true },
    });
    expect(add.statusCode).toBe(201);
    const { subscriber } = add.json() as { subscriber: { id: string; status: string; email: string } };
    expect(subscriber).toMatchObject({ email: 'api@example.com', status: 'active' });
    const again = await app.inject({
      method: 'POST',
      url: '/api/subscribers',
      headers: auth,
      payload: { email: 'api@example.com' },
    });
    expect(again.statusCode).toBe(200);
    expect(again.json().created).toBe(false);

    const bad = await app.inject({
      method: 'POST',
      url: '/api/subscribers',
      headers: auth,
      payload: { email: 'x@example.com', hour: 25 },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatch(/hour "25"/);

    const show = await app.inject({ method: 'GET', url: `/api/subscribers/${subscriber.id}`, headers: auth });
    expect(show.json().history[0]).toMatchObject({ origin: 'admin', event: 'created' });
    const list = await app.inject({ method: 'GET', url: '/api/subscribers?status=active', headers: auth });
    expect(list.json().subscribers.map((s: { email: string }) => s.email)).toContain('api@example.com');
    const badList = await app.inject({ method: 'GET', url: '/api/subscribers?status=nope', headers: auth });
    expect(badList.statusCode).toBe(400);
    const search = await app.inject({ method: 'GET', url: '/api/subscribers?q=api%40', headers: auth });
    expect(search.json().subscribers).toHaveLength(1);
    const counts = await app.inject({ method: 'GET', url: '/api/subscribers/counts', headers: auth });
    expect(counts.json()).toMatchObject({ active: 1 });

    const csv = await app.inject({ method: 'GET', url: '/api/subscribers/export?format=csv', headers: auth });
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.body).toContain('api@example.com,Api,lunar');
    const json = await app.inject({
      method: 'GET',
      url: '/api/subscribers/export?format=json',
      headers: auth,
    });
    expect(json.json()).toHaveLength(1);

    const forget = await app.inject({
      method: 'DELETE',
      url: '/api/subscribers/api@example.com',
      headers: auth,
    });
    expect(forget.statusCode).toBe(200);
    expect(await container.subscribers.get(subscriber.id)).toBeUndefined();
    expect(await container.subscribers.isSuppressed('api@example.com')).toBe(true);
    const readd = await app.inject({
      method: 'POST',
      url: '/api/subscribers',
      headers: auth,
      payload: { email: 'api@example.com' },
    });
    expect(readd.statusCode).toBe(400);
    expect(readd.json().error).toMatch(/suppression list/);
    const gone = await app.inject({ method: 'GET', url: '/api/subscribers/api@example.com', headers: auth });
    expect(gone.statusCode).toBe(404);
  });

  it('imports a CSV body and reports the rejected rows', async () => {
    const csv =
      'email,name,topics,timezone,hour,status\nimp1@example.com,One,,,,\nnope,Two,,,,\nimp3@example.com,Three,,Nowhere/City,,\n';
    const res = await app.inject({
      method: 'POST',
      url: '/api/subscribers/import?confirmed=true',
      headers: { ...auth, 'content-type': 'text/csv' },
      payload: csv,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ rows: 3, imported: 1, rejected: [{ line: 3 }, { line: 4 }] });
    expect((await container.subscribers.getByEmail('imp1@example.com'))!.status).toBe('active');
    const noHeader = await app.inject({
      method: 'POST',
      url: '/api/subscribers/import',
      headers: { ...auth, 'content-type': 'text/csv' },
      payload: 'a@example.com\n',
    });
    expect(noHeader.statusCode).toBe(400);
  });

  it('mails the confirmation to what it adds or imports pending (double opt-in)', async () => {
    world.sink.messages.length = 0;
    const added = await app.inject({
      method: 'POST',
      url: '/api/subscribers',
      headers: auth,
      payload: { email: 'api-pending@example.com' },
    });
    expect(added.statusCode).toBe(201);
    expect(added.json()).toMatchObject({
      subscriber: { status: 'pending' },
      confirmation: { sent: 1, throttled: 0, notSent: 0 },
    });
    const imported = await app.inject({
      method: 'POST',
      url: '/api/subscribers/import',
      headers: { ...auth, 'content-type': 'text/csv' },
      payload: 'email\napi-imp1@example.com\napi-imp2@example.com\n',
    });
    expect(imported.json()).toMatchObject({
      imported: 2,
      confirmation: { sent: 2, throttled: 0, notSent: 0 },
    });
    await world.sink.waitFor(3);
    expect(world.sink.messages.flatMap((m) => m.envelopeTo).sort()).toEqual([
      'api-imp1@example.com',
      'api-imp2@example.com',
      'api-pending@example.com',
    ]);
  });
});

describe('link key rotation', () => {
  const secrets = { old: 'old-secret-0123456789abcdef', fresh: 'new-secret-0123456789abcdef' };
  const containers: Container[] = [];
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await cleanupPrefix(containers[0]!.redis, containers[0]!.prefix);
    for (const c of containers) await c.close();
    await sink.stop();
  });
  async function appWith(linkKeys: string, prefix?: string) {
    const c = await createTestContainer({
      smtpUrl: sink.url,
      env: { LINK_KEYS: linkKeys, ...(prefix ? { REDIS_PREFIX: prefix } : {}) },
    });
    containers.push(c);
    return { container: c, app: await buildApp(c) };
  }

  it('a link signed with an old key still configured works; once the key is removed it is a 404', async () => {
    const before = await appWith(`k1:${secrets.old}`);
    const { subscriber } = await before.container.subscribers.create(
      { email: 'rotate@example.com', status: 'active', timezone: 'UTC', hour: 8, locale: 'en' },
      'admin',
    );
    const { subscriberLinks } = await import('../../src/links/subscriber-links.ts');
    const old = subscriberLinks(
      'https://digest.test',
      subscriber.id,
      before.container.linkKeys,
      Math.floor(Date.now() / 1000),
    );
    const path = (u: string) => new URL(u).pathname;

    const rotated = await appWith(`k2:${secrets.fresh},k1:${secrets.old}`, before.container.prefix);
    expect((await rotated.app.inject({ method: 'GET', url: path(old.preferences) })).statusCode).toBe(200);
    // New links are signed with the new key.
    const fresh = subscriberLinks(
      'https://digest.test',
      subscriber.id,
      rotated.container.linkKeys,
      Math.floor(Date.now() / 1000),
    );
    expect(fresh.preferences).not.toBe(old.preferences);

    const removed = await appWith(`k2:${secrets.fresh}`, before.container.prefix);
    const res = await removed.app.inject({
      method: 'POST',
      url: path(old.unsubscribe),
      payload: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.statusCode).toBe(404);
    expect((await removed.container.subscribers.get(subscriber.id))!.status).toBe('active');
    expect((await removed.app.inject({ method: 'GET', url: path(fresh.preferences) })).statusCode).toBe(200);
    for (const c of [before, rotated, removed]) await c.app.close();
  });
});

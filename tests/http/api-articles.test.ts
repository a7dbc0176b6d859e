import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { type HttpWorld, startHttpWorld } from '../helpers/http-world.ts';

const auth = { authorization: 'Bearer test-admin-token-0123456789' };
const article = (n: number, extra: Record<string, unknown> = {}) => ({
  title: `Pushed &amp; <b>story</b> ${n}`,
  url: `https://push.example/story/${n}?utm_source=newsletter`,
  publishedAt: '2026-11-18T10:00:00+01:00',
  html: '<p>Key points</p><ul><li>Point one.</li><li>Point two.</li></ul><p>Lead sentence here. Second one. Third.</p>',
  topics: ['launch'],
  ...extra,
});

describe('/api/articles', () => {
  let container: Container;
  let app: FastifyInstance;
  let world: HttpWorld;

  beforeAll(async () => {
    world = await startHttpWorld();
    ({ container, app } = world);
  });
  afterAll(() => world.stop());

  it('needs the bearer token', async () => {
    expect((await app.inject({ method: 'POST', url: '/api/articles', payload: article(1) })).statusCode).toBe(
      401,
    );
    const wrong = { authorization: 'Bearer nope-nope-nope-nope' };
    expect((await app.inject({ method: 'GET', url: '/api/articles', headers: wrong })).statusCode).toBe(401);
  });

  it('stores pushed articles normalised like feed items, idempotently', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/articles',
      headers: auth,
      payload: [article(1), article(2)],
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ new: 2, updated: 0, unchanged: 0 });
    const stored = await container.articles.get(res.json().articles[0].id);
    expect(stored).toMatchObject({
      sourceId: 'api',
      title: 'Pushed & story 1',
      url: 'https://push.example/story/1',
      brief: ['Point one.', 'Point two.'],
      summary: 'Lead sentence here. Second one.',
      topics: ['launch'],
      publishedAt: '2026-11-18T09:00:00.000Z',
    });
    const again = await app.inject({
      method: 'POST',
      url: '/api/articles',
      headers: auth,
      payload: { articles: [article(1)] },
    });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ new: 0, unchanged: 1 });
    const changed = await app.inject({
      method: 'POST',
      url: '/api/articles',
      headers: auth,
      payload: article(1, { brief: ['Given explicitly.', 'Twice.'] }),
    });
    expect(changed.json()).toMatchObject({ updated: 1 });
  });

  it.each([
    [{}, /title/],
    [[], /list of 1-500 articles/],
    [[article(3), article(4, { url: 'javascript:alert(1)' })], /^article 2: url: an http\(s\) URL$/],
    [article(5, { topics: ['gardening'] }), /unknown topic "gardening"/],
    [article(6, { publishedAt: 'yesterday-ish' }), /publishedAt: an ISO 8601 date-time/],
    [[1, 2], /article 1/],
  ])('rejects a bad body with 400 and one line naming the problem (%#)', async (payload, message) => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/articles',
      headers: auth,
      payload: payload as object,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatch(message);
    // All or nothing: the valid article of a rejected batch is not stored.
    const listed = await app.inject({ method: 'GET', url: '/api/articles?limit=500', headers: auth });
    expect(listed.json().articles.map((a: { url: string }) => a.url)).not.toContain(
      'https://push.example/story/3',
    );
  });

  it('lists an edition window, newest first', async () => {
    await app.inject({
      method: 'POST',
      url: '/api/articles',
      headers: auth,
      payload: [
        article(10, { publishedAt: '2026-11-22T23:30:00+01:00' }),
        article(11, { publishedAt: '2026-11-23T00:30:00+01:00' }),
      ],
    });
    const res = await app.inject({ method: 'GET', url: '/api/articles?edition=2026-W47', headers: auth });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      edition: '2026-W47',
      start: '2026-11-15T23:00:00.000Z',
      end: '2026-11-22T23:00:00.000Z',
    });
    const urls = body.articles.map((a: { url: string }) => a.url);
    expect(urls[0]).toBe('https://push.example/story/10');
    expect(urls).not.toContain('https://push.example/story/11');
    const next = await app.inject({ method: 'GET', url: '/api/articles?edition=2026-W48', headers: auth });
    expect(next.json().articles.map((a: { url: string }) => a.url)).toEqual([
      'https://push.example/story/11',
    ]);
    expect(
      (await app.inject({ method: 'GET', url: '/api/articles?edition=2026-W60', headers: auth })).statusCode,
    ).toBe(400);
    expect(
      (await app.inject({ method: 'GET', url: '/api/articles?edition=nope', headers: auth })).statusCode,
    ).toBe(400);
  });
});

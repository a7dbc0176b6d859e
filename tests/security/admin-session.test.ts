/**
 * Issue 18 #5 and #10 on the dashboard and the API: ten wrong tokens from an address no longer lock
 * out the right one (behind a local proxy without TRUST_PROXY everyone is 127.0.0.1); a session cookie
 * replayed after logout is no session (the session lives in Redis and logout deletes it); cookies are
 * Secure whenever PUBLIC_URL is https, also when a TLS-terminating proxy talks plain http to us.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpWorld, startHttpWorld } from '../helpers/http-world.ts';

const TOKEN = 'test-admin-token-0123456789';

const setCookies = (res: LightMyRequestResponse) => [res.headers['set-cookie'] ?? []].flat();
const cookiePairs = (res: LightMyRequestResponse) =>
  setCookies(res)
    .map((c) => c.split(';')[0]!)
    .join('; ');
const csrfOf = (res: LightMyRequestResponse) => /name="_csrf" value="([^"]+)"/.exec(res.body)![1]!;

async function login(world: HttpWorld, token = TOKEN) {
  const form = await world.app.inject({ method: 'GET', url: '/admin/login' });
  const res = await world.app.inject({
    method: 'POST',
    url: '/admin/login',
    headers: { cookie: cookiePairs(form), 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: csrfOf(form), token }).toString(),
  });
  return { form, res, session: setCookies(res).find((c) => c.startsWith('nd_admin=')) };
}

describe('the right token is never locked out (issue 18 #5)', () => {
  let world: HttpWorld;
  beforeAll(async () => {
    world = await startHttpWorld();
  });
  afterAll(() => world.stop());

  it('the API: ten wrong bearer tokens from 127.0.0.1, then the right one passes', async () => {
    const call = (token: string) =>
      world.app.inject({
        method: 'GET',
        url: '/api/subscribers/counts',
        headers: { authorization: `Bearer ${token}` },
      });
    for (let i = 0; i < 10; i++) expect((await call(`wrong-${i}`)).statusCode).toBe(401);
    expect((await call('wrong-again')).statusCode).toBe(429);
    expect((await call(TOKEN)).statusCode).toBe(200);
  });

  it('the dashboard login: ten wrong tokens from 127.0.0.1, then the right one logs in', async () => {
    for (let i = 0; i < 10; i++)
      expect((await login(world, `wrong-token-${i}-000000`)).res.statusCode).toBe(401);
    const blocked = await login(world, 'wrong-token-again-000000');
    expect(blocked.res.statusCode).toBe(429);
    expect(blocked.res.body).toContain('Too many wrong tokens');
    const ok = await login(world);
    expect(ok.res.statusCode).toBe(303);
    expect(ok.session).toBeDefined();
  });
});

describe('dashboard sessions end at logout; Secure cookies on an https site (issue 18 #10)', () => {
  let world: HttpWorld;
  beforeAll(async () => {
    world = await startHttpWorld();
  });
  afterAll(() => world.stop());

  it('an old session cookie replayed after logout gets the login page', async () => {
    const { res, session } = await login(world);
    expect(res.statusCode).toBe(303);
    const cookie = session!.split(';')[0]!;
    const home = await world.app.inject({ method: 'GET', url: '/admin', headers: { cookie } });
    expect(home.statusCode).toBe(200);

    const page = await world.app.inject({ method: 'GET', url: '/admin', headers: { cookie } });
    const csrfCookies = setCookies(page)
      .map((c) => c.split(';')[0]!)
      .join('; ');
    const out = await world.app.inject({
      method: 'POST',
      url: '/admin/logout',
      headers: {
        cookie: [cookie, csrfCookies].filter(Boolean).join('; '),
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams({ _csrf: csrfOf(page) }).toString(),
    });
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe('/admin/login');

    const replay = await world.app.inject({ method: 'GET', url: '/admin', headers: { cookie } });
    expect(replay.statusCode).toBe(303);
    expect(replay.headers.location).toBe('/admin/login');
    const api = await world.app.inject({
      method: 'GET',
      url: '/admin/editions/2026-W47/progress.json',
      headers: { cookie },
    });
    expect(api.statusCode).toBe(401);
  });

  it('PUBLIC_URL https: every dashboard cookie is Secure, though the proxy talks plain http', async () => {
    const { form, res } = await login(world);
    const cookies = [...setCookies(form), ...setCookies(res)];
    expect(cookies.map((c) => c.split('=')[0])).toEqual(expect.arrayContaining(['nd_csrf', 'nd_admin']));
    for (const c of cookies) expect(c, c).toMatch(/;\s*Secure/i);
  });
});

describe('PUBLIC_URL http (a local trial): cookies without Secure, so a plain-http browser keeps them', () => {
  let world: HttpWorld;
  beforeAll(async () => {
    world = await startHttpWorld({ PUBLIC_URL: 'http://127.0.0.1:8080' });
  });
  afterAll(() => world.stop());

  it('no Secure attribute', async () => {
    const { form, res } = await login(world);
    for (const c of [...setCookies(form), ...setCookies(res)]) expect(c, c).not.toMatch(/;\s*Secure/i);
  });
});

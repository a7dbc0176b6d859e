/**
 * The dashboard and `/api/editions` through Fastify inject on the real container (test Redis, a real
 * SMTP sink): login and its cookie, refusal without a session or with a wrong CSRF token, actions with
 * their confirmation step, live progress JSON, previews, subscribers, the queue browser.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { buildDeps, controlDeps } from '../../src/app/step-deps.ts';
import { defaultEditionId, editionStatus } from '../../src/delivery/edition-control.ts';
import { buildEdition } from '../../src/editions/build-edition.ts';
import { buildApp } from '../../src/http/app.ts';
import { createTestContainer } from '../helpers/container.ts';
import { seedArticles, seedSubscribers } from '../helpers/delivery-fixtures.ts';
import { cleanupPrefix } from '../helpers/redis.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';

const TOKEN = 'test-admin-token-0123456789';

/** A cookie jar over inject: keeps what the server sets, sends it back. */
class Browser {
  cookies = new Map<string, string>();
  constructor(private app: FastifyInstance) {}
  get header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  async request(method: 'GET' | 'POST', url: string, form?: Record<string, string>) {
    const res = await this.app.inject({
      method,
      url,
      headers: {
        cookie: this.header,
        accept: 'text/html',
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      payload: form ? new URLSearchParams(form).toString() : undefined,
    });
    for (const c of [res.headers['set-cookie'] ?? []].flat()) {
      const [pair] = c.split(';');
      const [name, ...rest] = pair!.split('=');
      const value = rest.join('=');
      if (value === '' || /Expires=Thu, 01 Jan 1970/i.test(c)) this.cookies.delete(name!);
      else this.cookies.set(name!, value);
    }
    return res;
  }
  get = (url: string) => this.request('GET', url);
  post = (url: string, form: Record<string, string>) => this.request('POST', url, form);
}

const csrfOf = (res: LightMyRequestResponse) => {
  const token = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1];
  if (!token) throw new Error(`no CSRF token in ${res.body.slice(0, 300)}`);
  return token;
};

describe('admin dashboard', () => {
  let sink: SmtpSink;
  let c: Container;
  let app: FastifyInstance;
  let edition: string;

  beforeAll(async () => {
    sink = await startSmtpSink();
    c = await createTestContainer({ smtpUrl: sink.url });
    app = await buildApp(c);
    edition = defaultEditionId(c.publication, new Date());
    await seedArticles(c, edition);
    await seedSubscribers(c, 12, (i) => (i === 11 ? 'unsubscribed' : 'active'));
  });
  afterAll(async () => {
    await app.close();
    await cleanupPrefix(c.redis, c.prefix);
    await c.close();
    await sink.stop();
  });

  async function loggedIn(): Promise<Browser> {
    const b = new Browser(app);
    const form = await b.get('/admin/login');
    expect(form.statusCode).toBe(200);
    const res = await b.post('/admin/login', { _csrf: csrfOf(form), token: TOKEN });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin');
    return b;
  }

  it('refuses every page and action without a session', async () => {
    const b = new Browser(app);
    const page = await b.get('/admin');
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/admin/login');
    for (const url of ['/admin/subscribers', '/admin/queues/', `/admin/editions/${edition}`]) {
      expect((await b.get(url)).statusCode, url).toBe(303);
    }
    const json = await b.get(`/admin/editions/${edition}/progress.json`);
    expect(json.statusCode).toBe(401);
    // Even with a valid CSRF pair (from the login page) an action needs the session.
    const login = await b.get('/admin/login');
    const act = await b.post(`/admin/editions/${edition}/actions/build`, { _csrf: csrfOf(login) });
    expect(act.statusCode).toBe(401);
    expect(await c.editions.get(edition)).toBeUndefined();
    // A forged session cookie (unsigned, or signed with another token) is no session.
    b.cookies.set('nd_admin', String(Math.floor(Date.now() / 1000)));
    expect((await b.get('/admin')).statusCode).toBe(303);
  });

  it('logs in with ADMIN_TOKEN into an HttpOnly, SameSite=Strict cookie; a wrong token is refused', async () => {
    const b = new Browser(app);
    const form = await b.get('/admin/login');
    const wrong = await b.post('/admin/login', { _csrf: csrfOf(form), token: 'not-the-token-0000000' });
    expect(wrong.statusCode).toBe(401);
    expect(b.cookies.has('nd_admin')).toBe(false);
    const ok = await b.post('/admin/login', { _csrf: csrfOf(wrong), token: TOKEN });
    expect(ok.statusCode).toBe(303);
    const cookie = [ok.headers['set-cookie'] ?? []].flat().find((s) => s.startsWith('nd_admin='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\/admin/);
    const home = await b.get('/admin');
    expect(home.statusCode).toBe(200);
    expect(home.headers['content-security-policy']).toContain("script-src 'self'");
    expect(home.body).toContain('Editions');
  });

  it('refuses a form with a wrong or missing CSRF token, even with a session', async () => {
    const b = await loggedIn();
    const wrong = await b.post(`/admin/editions/${edition}/actions/build`, { _csrf: 'forged-token' });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.body).toContain('This form has expired');
    const missing = await b.post(`/admin/editions/${edition}/actions/build`, {});
    expect(missing.statusCode).toBe(403);
    // A token minted for another browser's secret does not fit this one's.
    const other = new Browser(app);
    const foreign = csrfOf(await other.get('/admin/login'));
    expect((await b.post(`/admin/editions/${edition}/actions/build`, { _csrf: foreign })).statusCode).toBe(
      403,
    );
    expect(await c.editions.get(edition)).toBeUndefined();
  });

  it('builds, asks to confirm a send, sends and pauses through the edition-control actions', async () => {
    const b = await loggedIn();
    const home = await b.get('/admin');
    const built = await b.post('/admin/editions', { _csrf: csrfOf(home), edition });
    expect(built.statusCode).toBe(303);
    expect(built.headers.location).toBe(`/admin/editions/${edition}`);
    const page = await b.get(`/admin/editions/${edition}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`edition ${edition} built`);
    expect(page.body).toContain('id="send-now"');
    expect((await c.editions.get(edition))?.status).toBe('draft');

    // Without confirm=yes, a send only leads to the confirmation page.
    const token = csrfOf(page);
    const unconfirmed = await b.post(`/admin/editions/${edition}/actions/send`, {
      _csrf: token,
      immediate: 'on',
    });
    expect(unconfirmed.statusCode).toBe(303);
    expect(unconfirmed.headers.location).toContain(`/admin/editions/${edition}/confirm?action=send`);
    expect((await c.editions.get(edition))?.status).toBe('draft');
    const confirm = await b.get(unconfirmed.headers.location as string);
    expect(confirm.body).toMatch(/This mails <strong>11<\/strong> subscriber\(s\) now/);

    // No worker runs in this test, so the send stays in `sending` and can be paused.
    const sent = await b.post(`/admin/editions/${edition}/actions/send`, {
      _csrf: csrfOf(confirm),
      confirm: 'yes',
      immediate: 'on',
      force: 'on',
    });
    expect(sent.statusCode).toBe(303);
    expect((await c.editions.get(edition))?.status).toBe('sending');
    expect(await c.queues.send.getJobCountByTypes('waiting', 'delayed', 'prioritized')).toBeGreaterThan(0);

    const after = await b.get(`/admin/editions/${edition}`);
    expect(after.body).toContain('11 deliveries queued now');
    const paused = await b.post(`/admin/editions/${edition}/actions/pause`, { _csrf: csrfOf(after) });
    expect(paused.statusCode).toBe(303);
    expect((await c.editions.get(edition))?.status).toBe('paused');

    // A refused transition comes back as a message, not an error page.
    const again = await b.get(`/admin/editions/${edition}`);
    await b.post(`/admin/editions/${edition}/actions/pause`, { _csrf: csrfOf(again) });
    expect((await b.get(`/admin/editions/${edition}`)).body).toContain('is not sending (paused)');

    const json = await b.get(`/admin/editions/${edition}/progress.json`);
    const live = JSON.parse(json.body);
    const truth = await editionStatus(controlDeps(c), edition, new Date());
    expect(live).toMatchObject({
      status: 'paused',
      eligible: truth.eligible,
      pending: truth.pending,
      sent: truth.sent,
    });
    expect(live.chart).toContain('<svg');
  });

  it("tells a bad editor's form in our words, never the library's", async () => {
    const b = await loggedIn();
    const page = await b.get(`/admin/editions/${edition}`);
    const res = await b.post(`/admin/editions/${edition}/edits`, {
      _csrf: csrfOf(page),
      note: 'n'.repeat(10_001),
    });
    expect(res.statusCode).toBe(303);
    const shown = (await b.get(res.headers.location as string)).body;
    expect(shown).toContain('note must be at most 10000 characters long');
    expect(shown).not.toMatch(/Too big|Invalid input|expected string/);
    const action = await b.post(`/admin/editions/${edition}/actions/test-send`, {
      _csrf: csrfOf(await b.get(`/admin/editions/${edition}`)),
      to: 't'.repeat(321),
    });
    const flash = (await b.get(action.headers.location as string)).body;
    expect(flash).toContain('to must be at most 320 characters long');
    expect(flash).not.toMatch(/Too big|Invalid input/);
  });

  it('previews each variant and one sample subscriber in a sandbox', async () => {
    const b = await loggedIn();
    await buildEdition(buildDeps(c), edition, new Date());
    const variant = await b.get(`/admin/editions/${edition}/preview?variant=0`);
    expect(variant.statusCode).toBe(200);
    expect(variant.headers['content-security-policy']).toContain('sandbox');
    expect(variant.body).toContain('reader@example.com');
    const [sid] = (await c.ledger.scan(edition, '0', 100)).entries.find(([, s]) => s !== 'skipped')!;
    const sub = (await c.subscribers.get(sid))!;
    const personal = await b.get(`/admin/editions/${edition}/preview?subscriber=${sid}`);
    expect(personal.statusCode).toBe(200);
    expect(personal.body).toContain(sub.email);
    expect(personal.body).not.toContain('/u/');
    const text = await b.get(`/admin/editions/${edition}/preview?variant=0&format=text`);
    expect(text.headers['content-type']).toContain('text/plain');
  });

  it('shows subscribers by status and topic, growth, search and history', async () => {
    const b = await loggedIn();
    const page = await b.get('/admin/subscribers?q=reader3');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('data-count="active">11<');
    expect(page.body).toContain('data-count="unsubscribed">1<');
    expect(page.body).toContain('reader3@readers.example');
    expect((await b.get('/admin/subscribers/growth')).body).toContain('<svg');
    const sub = (await c.subscribers.getByEmail('reader3@readers.example'))!;
    const detail = await b.get(`/admin/subscribers/${sub.id}`);
    expect(detail.body).toContain('History');
    expect(detail.body).toContain('import');
  });

  it('shows sources with their last fetch, and explains the outbox when mail goes to SMTP_URL', async () => {
    const b = await loggedIn();
    await c.sources.add(
      { url: 'https://feeds.example/space.xml', kind: 'url', topics: ['lunar'] },
      new Date(),
    );
    const [source] = await c.sources.list();
    await c.sources.recordFetch(source!.id, {
      at: new Date().toISOString(),
      status: 'error',
      new: 0,
      updated: 0,
      unchanged: 0,
      errors: ['HTTP 503 from feeds.example'],
      durationMs: 120,
    });
    const sources = await b.get('/admin/sources');
    expect(sources.statusCode).toBe(200);
    expect(sources.body).toContain('https://feeds.example/space.xml');
    expect(sources.body).toContain('HTTP 503 from feeds.example');
    const outbox = await b.get('/admin/outbox');
    expect(outbox.statusCode).toBe(200);
    expect(outbox.body).toContain('there is no embedded outbox');
    const metrics = await app.inject({ url: '/metrics' });
    expect(metrics.body).toMatch(new RegExp(`digest_feed_errors\\{source="${source!.id}"\\} 1`));
  });

  it('mounts the queue browser behind the session', async () => {
    const b = await loggedIn();
    const board = await b.get('/admin/queues/');
    expect(board.statusCode).toBe(200);
    expect(board.body).toContain('<div id="root"');
    const api = await b.get('/admin/queues/api/queues');
    expect(api.statusCode).toBe(200);
    expect(JSON.parse(api.body).queues.map((q: { name: string }) => q.name)).toContain('send');
  });

  it('/api/editions needs the bearer token and answers 409 for a refused transition', async () => {
    expect((await app.inject({ url: '/api/editions' })).statusCode).toBe(401);
    const auth = { authorization: `Bearer ${TOKEN}` };
    const list = await app.inject({ url: '/api/editions', headers: auth });
    expect(list.statusCode).toBe(200);
    expect(JSON.parse(list.body).editions[0].edition).toBe(edition);
    const one = await app.inject({ url: `/api/editions/${edition}`, headers: auth });
    expect(JSON.parse(one.body)).toMatchObject({ edition, progress: { total: 11 } });
    const bad = await app.inject({ method: 'POST', url: `/api/editions/${edition}/explode`, headers: auth });
    expect(bad.statusCode).toBe(400);
    const resume = await app.inject({
      method: 'POST',
      url: `/api/editions/${edition}/pause`,
      headers: auth,
      payload: {},
    });
    expect([200, 409]).toContain(resume.statusCode);
    const status = (await c.editions.get(edition))!.status;
    const conflict = await app.inject({
      method: 'POST',
      url: `/api/editions/${edition}/${status === 'paused' ? 'pause' : 'resume'}`,
      headers: auth,
      payload: {},
    });
    expect(conflict.statusCode).toBe(409);
    const test = await app.inject({
      method: 'POST',
      url: `/api/editions/${edition}/test-send`,
      headers: auth,
      payload: { to: 'editor@example.com', topics: ['lunar'] },
    });
    expect(test.statusCode).toBe(200);
    await sink.waitFor(1);
    expect(sink.messages.at(-1)!.parsed.subject).toMatch(/^\[Test\]/);
    expect((await app.inject({ url: '/api/editions/nope', headers: auth })).statusCode).toBe(400);
  });
});

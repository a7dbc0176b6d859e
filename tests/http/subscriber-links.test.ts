import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import type { Subscriber } from '../../src/domain/subscriber.ts';
import { signLink } from '../../src/links/signed-link.ts';
import { subscriberLinks } from '../../src/links/subscriber-links.ts';
import { type HttpWorld, startHttpWorld } from '../helpers/http-world.ts';
import type { SmtpSink } from '../helpers/smtp-sink.ts';

const form = (fields: Record<string, string | string[]>) => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(fields))
    for (const item of Array.isArray(v) ? v : [v]) params.append(k, item);
  return { payload: params.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
};
const pathOf = (url: string) => new URL(url).pathname;
const nowSeconds = () => Math.floor(Date.now() / 1000);
let ipCounter = 0;
/** A different client address per request, so the per-IP limit stays out of tests that are not about it. */
const freshIp = () => `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter++ & 255}`;

describe('subscriber links over HTTP', () => {
  let sink: SmtpSink;
  let container: Container;
  let app: FastifyInstance;
  let world: HttpWorld;

  beforeAll(async () => {
    world = await startHttpWorld();
    ({ sink, container, app } = world);
  });
  afterAll(() => world.stop());
  beforeEach(() => {
    sink.messages.length = 0;
  });

  async function subscribe(email: string, extra: Record<string, string | string[]> = {}, ip = freshIp()) {
    return app.inject({ method: 'POST', url: '/subscribe', remoteAddress: ip, ...form({ email, ...extra }) });
  }
  async function activeSubscriber(email: string): Promise<Subscriber> {
    const { subscriber } = await container.subscribers.create(
      { email, status: 'active', timezone: 'Europe/Berlin', hour: 8, locale: 'en-GB' },
      'admin',
    );
    return subscriber;
  }
  const snapshot = async (id: string) => ({
    subscriber: await container.subscribers.get(id),
    history: await container.subscribers.history(id),
  });

  it('the full life: subscribe, confirmation email over SMTP, confirm, preferences, one-click unsubscribe', async () => {
    const res = await subscribe('Life@Example.com', {
      name: 'Ann',
      topics: ['lunar'],
      timezone: 'America/New_York',
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Check your inbox');
    await sink.waitFor(1);
    const mail = sink.messages[0]!;
    expect(mail.envelopeTo).toEqual(['life@example.com']);
    expect(mail.parsed.subject).toBe('Confirm your subscription to Orbit Weekly');
    expect(mail.parsed.html).toContain('Confirm my subscription');
    const confirmUrl = /https:\/\/digest\.test\/c\/\S+/.exec(mail.parsed.text ?? '')?.[0];
    expect(confirmUrl).toBeTruthy();
    expect(mail.parsed.html).toContain(confirmUrl!);

    const pending = (await container.subscribers.getByEmail('life@example.com'))!;
    expect(pending).toMatchObject({
      status: 'pending',
      topics: ['lunar'],
      timezone: 'America/New_York',
      name: 'Ann',
    });

    const ask = await app.inject({ method: 'GET', url: pathOf(confirmUrl!) });
    expect(ask.statusCode).toBe(200);
    expect(ask.body).toContain('Confirm my subscription');
    expect((await container.subscribers.get(pending.id))!.status).toBe('pending');

    const confirmed = await app.inject({
      method: 'POST',
      url: pathOf(confirmUrl!),
      remoteAddress: '203.0.113.9',
    });
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.body).toContain('You are subscribed');
    const active = (await container.subscribers.get(pending.id))!;
    expect(active.status).toBe('active');
    expect(active.consent).toMatchObject({ method: 'double-opt-in', ip: '203.0.113.9' });

    const links = subscriberLinks(container.publicUrl, active.id, container.linkKeys, nowSeconds());
    const prefs = await app.inject({ method: 'GET', url: pathOf(links.preferences) });
    expect(prefs.statusCode).toBe(200);
    expect(prefs.body).toContain('Your preferences');
    const saved = await app.inject({
      method: 'POST',
      url: pathOf(links.preferences),
      ...form({
        action: 'save',
        name: 'Ann Lee',
        topics: ['launch', 'policy'],
        frequency: 'pause-2',
        format: 'text',
        timezone: 'Asia/Tokyo',
        hour: '7',
      }),
    });
    expect(saved.statusCode).toBe(200);
    expect(saved.body).toContain('Saved.');
    expect(saved.body).toContain('Topics: Lunar → Launch and Policy');
    expect(saved.body).toContain('Hour: 08:00 → 07:00');
    const changed = (await container.subscribers.get(active.id))!;
    expect(changed).toMatchObject({
      name: 'Ann Lee',
      topics: ['launch', 'policy'],
      format: 'text',
      timezone: 'Asia/Tokyo',
      hour: 7,
    });
    expect(Date.parse(changed.pausedUntil!) - Date.now()).toBeGreaterThan(13 * 24 * 3600 * 1000);

    const unsub = await app.inject({
      method: 'POST',
      url: pathOf(links.unsubscribe),
      ...form({ 'List-Unsubscribe': 'One-Click' }),
    });
    expect(unsub.statusCode).toBe(200);
    expect((await container.subscribers.get(active.id))!.status).toBe('unsubscribed');

    const history = await container.subscribers.history(active.id);
    expect(history.map((h) => [h.event, h.origin])).toEqual([
      ['created', 'signup'],
      ['confirmed', 'link'],
      ['preferences', 'link'],
      ['unsubscribed', 'link'],
    ]);

    // A later resubscribe goes through the preference center.
    const back = await app.inject({
      method: 'POST',
      url: pathOf(links.preferences),
      ...form({ action: 'resubscribe' }),
    });
    expect(back.statusCode).toBe(200);
    expect((await container.subscribers.get(active.id))!.status).toBe('active');
    expect((await container.subscribers.history(active.id)).at(-1)).toMatchObject({
      event: 'resubscribed',
      origin: 'link',
    });
  });

  it('a GET on every link changes nothing', async () => {
    const { subscriber } = await container.subscribers.create(
      { email: 'scanner@example.com', timezone: 'Europe/Berlin', hour: 8, locale: 'en-GB' },
      'signup',
    );
    const confirm = signLink(
      { purpose: 'confirm', subscriberId: subscriber.id, issuedAt: nowSeconds() },
      container.linkKeys[0]!,
    );
    const links = subscriberLinks(container.publicUrl, subscriber.id, container.linkKeys, nowSeconds());
    const before = await snapshot(subscriber.id);
    for (const url of [`/c/${confirm}`, pathOf(links.preferences), pathOf(links.unsubscribe)]) {
      for (let i = 0; i < 3; i++) {
        const res = await app.inject({ method: 'GET', url });
        expect(res.statusCode).toBe(200);
        expect(res.headers['set-cookie']).toBeUndefined();
      }
      const head = await app.inject({ method: 'HEAD', url });
      expect(head.statusCode).toBe(200);
    }
    expect(await snapshot(subscriber.id)).toEqual(before);
  });

  it('one-click POST without cookies answers 200 with no Location, urlencoded or multipart, and repeats harmlessly', async () => {
    const sub = await activeSubscriber('oneclick@example.com');
    const url = pathOf(
      subscriberLinks(container.publicUrl, sub.id, container.linkKeys, nowSeconds()).unsubscribe,
    );
    const boundary = '----nd-test-boundary';
    const multipartBody = `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`;
    const requests: Array<{ payload?: string; headers?: Record<string, string> }> = [
      form({ 'List-Unsubscribe': 'One-Click' }),
      { payload: multipartBody, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } },
      form({ 'List-Unsubscribe': 'One-Click' }),
      { payload: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'text/plain' } },
      {},
    ];
    for (const request of requests) {
      const res = await app.inject({ method: 'POST', url, ...request });
      expect(res.statusCode, JSON.stringify(request.headers)).toBe(200);
      expect(res.headers.location).toBeUndefined();
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(res.body).toContain('You are unsubscribed');
    }
    expect((await container.subscribers.get(sub.id))!.status).toBe('unsubscribed');
    const events = (await container.subscribers.history(sub.id)).map((h) => h.event);
    expect(events).toEqual(['created', 'unsubscribed']);
  });

  it('1,000 sign-ups for one address from many IPs send at most one confirmation email', async () => {
    const results = [];
    for (let batch = 0; batch < 10; batch++) {
      results.push(
        ...(await Promise.all(
          Array.from({ length: 100 }, (_, i) =>
            subscribe(i % 2 ? 'flood@example.com' : ' FLOOD@example.com ', { name: `n${i}` }, freshIp()),
          ),
        )),
      );
    }
    expect(results.every((r) => r.statusCode === 200)).toBe(true);
    await sink.waitFor(1);
    // Give any wrongly sent second email time to arrive.
    await new Promise((r) => setTimeout(r, 500));
    expect(sink.messages).toHaveLength(1);
    const sub = (await container.subscribers.getByEmail('flood@example.com'))!;
    expect(await container.subscribers.history(sub.id)).toHaveLength(1);
  });

  it('never reveals whether an address is subscribed, and never puts the name into the email', async () => {
    await activeSubscriber('known@example.com');
    const known = await subscribe('known@example.com', { name: '<b>Win</b> http://phish.example' });
    const fresh = await subscribe('fresh@example.com', { name: '<b>Win</b> http://phish.example' });
    expect(known.statusCode).toBe(fresh.statusCode);
    expect(known.body).toBe(fresh.body);
    const json = await app.inject({
      method: 'POST',
      url: '/subscribe',
      remoteAddress: freshIp(),
      payload: { email: 'known@example.com' },
    });
    const jsonFresh = await app.inject({
      method: 'POST',
      url: '/subscribe',
      remoteAddress: freshIp(),
      payload: { email: 'fresh2@example.com' },
    });
    expect(json.statusCode).toBe(200);
    expect(json.body).toBe(jsonFresh.body);
    await sink.waitFor(3);
    for (const m of sink.messages) {
      expect(m.raw.toString()).not.toContain('phish');
      expect(m.raw.toString()).not.toContain('Win');
    }
    const manage = sink.messages.find((m) => m.envelopeTo[0] === 'known@example.com')!;
    expect(manage.parsed.text).toMatch(/https:\/\/digest\.test\/p\//);
  });

  it('rejects an invalid address with 400 and limits sign-ups per IP', async () => {
    const bad = await subscribe('not-an-address');
    expect(bad.statusCode).toBe(400);
    const badJson = await app.inject({
      method: 'POST',
      url: '/subscribe',
      payload: { email: 'a@b' },
      remoteAddress: freshIp(),
    });
    expect(badJson.statusCode).toBe(400);
    expect(JSON.parse(badJson.body).error).toBe('The domain “b” has no public ending such as .com.');
    const ip = '198.51.100.77';
    const codes = [];
    for (let i = 0; i < 12; i++) codes.push((await subscribe(`ip${i}@example.com`, {}, ip)).statusCode);
    expect(codes.slice(0, 10).every((c) => c === 200)).toBe(true);
    expect(codes.slice(10)).toEqual([429, 429]);
  });

  it('forged, truncated, expired and foreign tokens get the same plain 404 and change nothing', async () => {
    const sub = await activeSubscriber('tokens@example.com');
    const key = container.linkKeys[0]!;
    const unsubscribe = signLink(
      { purpose: 'unsubscribe', subscriberId: sub.id, issuedAt: nowSeconds() },
      key,
    );
    const expiredConfirm = signLink(
      { purpose: 'confirm', subscriberId: sub.id, issuedAt: nowSeconds() - 8 * 24 * 3600 },
      key,
    );
    const tampered = unsubscribe.slice(0, 10) + (unsubscribe[10] === 'x' ? 'y' : 'x') + unsubscribe.slice(11);
    const before = await snapshot(sub.id);
    const notFound = await app.inject({ method: 'GET', url: '/u/nothing-here' });
    const cases = [
      ['POST', `/u/${tampered}`],
      ['POST', `/u/${unsubscribe.slice(0, -5)}`],
      ['POST', `/p/${unsubscribe}`],
      ['POST', `/c/${unsubscribe}`],
      ['GET', `/p/${unsubscribe}`],
      ['POST', `/c/${expiredConfirm}`],
      ['GET', `/c/${expiredConfirm}`],
    ] as const;
    for (const [method, url] of cases) {
      const res = await app.inject({
        method,
        url,
        ...form({ 'List-Unsubscribe': 'One-Click', action: 'unsubscribe' }),
      });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(res.body).toBe(notFound.body);
    }
    expect(await snapshot(sub.id)).toEqual(before);
  });

  it('sends link pages with no-store, no-referrer and noindex', async () => {
    const res = await app.inject({ method: 'GET', url: '/subscribe' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.body).toContain('<label class="field" for="email">');
  });
});

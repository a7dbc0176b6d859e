/**
 * Hostile requests to the HTTP side (Fastify inject on the real app, real Redis): tokens that are
 * forged, truncated, expired, of another purpose or re-pointed at another subscriber; a wrong or
 * missing ADMIN_TOKEN; oversized bodies; header injection through the preference center; path
 * traversal in link paths. Each gets a clear error or a safe result, and nothing changes.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { tokenMatches } from '../../src/http/admin-auth.ts';
import { buildApp } from '../../src/http/app.ts';
import { signLink } from '../../src/links/signed-link.ts';
import { linkUrl } from '../../src/links/subscriber-links.ts';
import { createTestContainer } from '../helpers/container.ts';
import { cleanupPrefix } from '../helpers/redis.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const now = () => Math.floor(Date.now() / 1000);

describe('hostile HTTP input', () => {
  let sink: SmtpSink;
  let c: Container;
  let app: FastifyInstance;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    sink = await startSmtpSink();
    c = await createTestContainer({ smtpUrl: sink.url });
    app = await buildApp(c);
    const make = async (email: string) =>
      (
        await c.subscribers.create(
          { email, name: 'Original', status: 'active', timezone: 'UTC', hour: 8, locale: 'en-GB' },
          'admin',
        )
      ).subscriber.id;
    alice = await make('alice@readers.example');
    bob = await make('bob@readers.example');
  });
  afterAll(async () => {
    await app.close();
    await cleanupPrefix(c.redis, c.prefix);
    await c.close();
    await sink.stop();
  });

  const path = (purpose: 'unsubscribe' | 'preferences' | 'confirm', id: string, at = now()) =>
    new URL(linkUrl(c.publicUrl, purpose, id, c.linkKeys, at)).pathname;
  const state = async (id: string) => {
    const s = await c.subscribers.get(id);
    return { status: s?.status, name: s?.name, history: (await c.subscribers.history(id)).length };
  };

  it('forged, truncated, re-pointed, foreign-key, expired and other-purpose tokens: the same 404, no change', async () => {
    const good = path('preferences', alice).split('/')[2]!;
    const [payload, mac] = good.split('.') as [string, string];
    // Bob's payload with Alice's signature: nobody can change someone else's preferences.
    const bobPayload = Buffer.from(Buffer.from(payload, 'base64url').toString().replace(alice, bob)).toString(
      'base64url',
    );
    const otherKey = signLink(
      { purpose: 'preferences', subscriberId: alice, issuedAt: now() },
      { id: 'k1', secret: 'another-secret-0123456789' },
    );
    const bad: Record<string, string> = {
      forged: `${payload}.${'A'.repeat(mac.length)}`,
      truncated: good.slice(0, -5),
      'no signature': payload,
      're-pointed at bob': `${bobPayload}.${mac}`,
      'signed with a foreign key': otherKey,
      'unsubscribe token on /p': path('unsubscribe', alice).split('/')[2]!,
      'traversal %2e%2e%2f': '..%2f..%2f..%2fetc%2fpasswd',
    };
    const before = { alice: await state(alice), bob: await state(bob) };
    for (const [what, token] of Object.entries(bad)) {
      for (const method of ['GET', 'POST'] as const) {
        for (const route of ['p', 'u', 'c']) {
          // The /u route's own token is valid there: skip that one pairing.
          if (what === 'unsubscribe token on /p' && route === 'u') continue;
          const res = await app.inject({
            method,
            url: `/${route}/${token}`,
            headers: FORM,
            payload: 'action=save&name=Mallory&List-Unsubscribe=One-Click',
          });
          expect(res.statusCode, `${what} ${method} /${route}`).toBe(404);
          expect(res.body, what).toContain('This link is not valid.');
        }
      }
    }
    // Percent-encoded invalid UTF-8 cannot even be routed: 400 from the router, nothing looked up.
    const invalid = await app.inject({ method: 'POST', url: '/p/%ff%fe.%c0%af', headers: FORM });
    expect(invalid.statusCode).toBe(400);
    // Longer than any token (maxParamLength 512): refused by the router as 414, before any lookup.
    const long = await app.inject({
      method: 'POST',
      url: `/u/${payload}.${'A'.repeat(5000)}`,
      headers: FORM,
    });
    expect(long.statusCode).toBe(414);
    // A confirm link older than its lifetime.
    const expired = path('confirm', alice, now() - 8 * 24 * 3600);
    expect((await app.inject({ method: 'POST', url: expired })).statusCode).toBe(404);
    expect({ alice: await state(alice), bob: await state(bob) }).toEqual(before);
  });

  it('CR/LF and Bcc in the preference center name are flattened; the name never spans header lines', async () => {
    const res = await app.inject({
      method: 'POST',
      url: path('preferences', bob),
      headers: FORM,
      payload: new URLSearchParams({
        action: 'save',
        name: 'Bob\r\nBcc: victim@evil.example\r\n\r\n<script>alert(1)</script>',
        timezone: 'UTC',
        hour: '8',
        format: 'html',
        frequency: 'weekly',
      }).toString(),
    });
    expect(res.statusCode).toBe(200);
    const name = (await c.subscribers.get(bob))!.name;
    expect(name).not.toMatch(/[\r\n]/);
    // The page shows the name as text, never as markup.
    expect(res.body).not.toContain('<script>alert(1)</script>');
  });

  it('over-long name: 400 with the reason, nothing stored', async () => {
    const before = await state(alice);
    const res = await app.inject({
      method: 'POST',
      url: path('preferences', alice),
      headers: FORM,
      payload: `action=save&name=${'x'.repeat(5000)}&timezone=UTC&hour=8&format=html&frequency=weekly`,
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('The name is too long (at most 100 characters).');
    expect(await state(alice)).toEqual(before);
  });

  it('oversized request bodies are refused with 413 before they reach a handler', async () => {
    const before = await state(alice);
    const big = `List-Unsubscribe=One-Click&pad=${'x'.repeat(2 * 1024 * 1024)}`;
    const u = await app.inject({
      method: 'POST',
      url: path('unsubscribe', alice),
      headers: FORM,
      payload: big,
    });
    expect(u.statusCode).toBe(413);
    const p = await app.inject({
      method: 'POST',
      url: path('preferences', alice),
      headers: FORM,
      payload: big,
    });
    expect(p.statusCode).toBe(413);
    // In our words and the reader's language, not the body parser's.
    expect(p.body).toContain('This form could not be read. Please go back and send it again.');
    const api = await app.inject({
      method: 'POST',
      url: '/api/subscribers',
      headers: { authorization: `Bearer ${c.adminToken}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ email: 'big@readers.example', name: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(api.statusCode).toBe(413);
    expect(await state(alice)).toEqual(before);
    expect(await c.subscribers.getByEmail('big@readers.example')).toBeUndefined();
  });

  it('a wrong or missing ADMIN_TOKEN gets 401 on /api/*, whatever its length', async () => {
    const attempts = [
      undefined,
      '',
      'Bearer',
      'Bearer ',
      'Bearer wrong',
      `Bearer ${c.adminToken.slice(0, -1)}`,
      `Bearer ${c.adminToken}x`,
      `Bearer ${'a'.repeat(10_000)}`,
      `Basic ${Buffer.from(`admin:${c.adminToken}`).toString('base64')}`,
    ];
    for (const authorization of attempts) {
      const res = await app.inject({
        method: 'GET',
        url: '/api/subscribers/counts',
        headers: authorization === undefined ? {} : { authorization },
      });
      expect(res.statusCode, String(authorization).slice(0, 40)).toBe(401);
      expect(res.body).not.toContain('active');
    }
    const ok = await app.inject({
      method: 'GET',
      url: '/api/subscribers/counts',
      headers: { authorization: `Bearer ${c.adminToken}` },
    });
    expect(ok.statusCode).toBe(200);
  });

  it('the token comparison is constant-time over digests: lengths never short-circuit or throw', () => {
    // timingSafeEqual throws on different lengths; comparing digests keeps every comparison 32 bytes.
    expect(tokenMatches('short', 'a-much-longer-admin-token-0123')).toBe(false);
    expect(tokenMatches('x'.repeat(100_000), 'a-much-longer-admin-token-0123')).toBe(false);
    expect(tokenMatches('a-much-longer-admin-token-0123', 'a-much-longer-admin-token-0123')).toBe(true);
    expect(tokenMatches(undefined, 'a-much-longer-admin-token-0123')).toBe(false);
  });
});

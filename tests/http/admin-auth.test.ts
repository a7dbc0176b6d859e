import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { FailedAuthLimiter, requireBearer, tokenMatches } from '../../src/http/admin-auth.ts';

describe('admin bearer auth', () => {
  it('compares tokens of any length without throwing', () => {
    expect(tokenMatches('right-token-0123456789', 'right-token-0123456789')).toBe(true);
    expect(tokenMatches('x', 'right-token-0123456789')).toBe(false);
    expect(tokenMatches(undefined, 'right-token-0123456789')).toBe(false);
  });

  it('answers 429 to wrong guesses after 10 a minute from one address; the right token still passes', async () => {
    const app = Fastify();
    app.get(
      '/api/x',
      { onRequest: requireBearer(() => 'right-token-0123456789', new FailedAuthLimiter()) },
      async () => ({ ok: true }),
    );
    const call = (token: string, ip = '203.0.113.7') =>
      app.inject({ url: '/api/x', headers: { authorization: `Bearer ${token}` }, remoteAddress: ip });
    for (let i = 0; i < 10; i++) expect((await call(`guess-${i}`)).statusCode).toBe(401);
    const blocked = await call('guess-10');
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect((await call('right-token-0123456789')).statusCode).toBe(200);
    expect((await call('right-token-0123456789', '198.51.100.1')).statusCode).toBe(200);
    await app.close();
  });

  it('the limiter window slides', () => {
    const l = new FailedAuthLimiter(2, 1000);
    l.fail('a', 0);
    l.fail('a', 100);
    expect(l.blockedFor('a', 500)).toBe(500);
    expect(l.blockedFor('a', 1001)).toBe(0);
  });
});

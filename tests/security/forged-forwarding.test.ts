/**
 * Issue 18 #3: with `TRUST_PROXY=true`, `X-Forwarded-For: 127.0.0.1, 203.0.113.5` made a remote client
 * look local (`/metrics` answered 200), and a new fake address per request dodged the per-IP limits.
 * `true` is now refused at start; a hop count or the proxies' addresses trust only the real proxy's
 * own entry (the right-most one), which a client cannot forge.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { ConfigError } from '../../src/errors/config-error.ts';
import { digestCli } from '../helpers/cli.ts';
import { type HttpWorld, startHttpWorld } from '../helpers/http-world.ts';
import { uniquePrefix } from '../helpers/redis.ts';

const FORGED = '127.0.0.1, 203.0.113.5';

describe('TRUST_PROXY=true is refused at start (issue 18 #3)', () => {
  it.each(['true', ' true', '0.0.0.0/0', '10.0.0.1, ::/0'])('%j: one line with a hint', (value) => {
    let message = '';
    try {
      loadConfig({ TRUST_PROXY: value });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toMatch(/^TRUST_PROXY must be a hop count or the proxies' addresses/);
    expect(message).toContain('1 for one proxy in front');
    expect(message).not.toContain('\n');
  });

  it('the digest command stops at start with exit 2 and that one line', () => {
    const run = digestCli({
      prefix: uniquePrefix(),
      dataDir: mkdtempSync(join(tmpdir(), 'nd-trust-')),
      env: { TRUST_PROXY: 'true' },
    });
    const res = run('subscribers', 'list', '--json');
    expect(res.code).toBe(2);
    const lines = res.err.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/TRUST_PROXY must be a hop count or the proxies' addresses/);
  }, 60_000);
});

// The proxy in front connects from loopback (inject's default remote address) and appends the
// address it saw; the client forged everything to the left of it.
// The bearer-token limiter is one per process: each case has its own client address.
describe.each([
  ['a hop count', '1', '203.0.113.6'],
  ['the proxy address', '127.0.0.1', '203.0.113.7'],
  ['a proxy CIDR', '127.0.0.0/8, ::1', '203.0.113.8'],
])('TRUST_PROXY as %s: a forged X-Forwarded-For changes nothing (issue 18 #3)', (_what, value, client) => {
  let world: HttpWorld;
  beforeAll(async () => {
    world = await startHttpWorld({ TRUST_PROXY: value });
  });
  afterAll(() => world.stop());

  it('/metrics answers the local scraper but not a remote client claiming to be 127.0.0.1', async () => {
    const local = await world.app.inject({ method: 'GET', url: '/metrics' });
    expect(local.statusCode).toBe(200);
    const forged = await world.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { 'x-forwarded-for': FORGED },
    });
    expect(forged.statusCode).toBe(403);
  });

  it('a new fake address per request does not dodge the per-IP sign-up limit', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await world.app.inject({
        method: 'POST',
        url: '/subscribe',
        headers: { 'x-forwarded-for': `198.51.100.${i}, 203.0.113.5` },
        payload: { email: `limit${i}@readers.example` },
      });
      codes.push(res.statusCode);
    }
    expect(codes.slice(0, 10).every((c) => c === 200)).toBe(true);
    expect(codes.slice(10)).toEqual([429, 429]);
  });

  it('nor the limit on wrong bearer tokens', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await world.app.inject({
        method: 'GET',
        url: '/api/subscribers/counts',
        headers: { 'x-forwarded-for': `198.51.100.${i}, ${client}`, authorization: `Bearer guess-${i}` },
      });
      codes.push(res.statusCode);
    }
    expect(codes.slice(0, 10).every((c) => c === 401)).toBe(true);
    expect(codes.slice(10)).toEqual([429, 429]);
  });
});

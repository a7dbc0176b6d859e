/**
 * Who may read `/metrics` (it tells the size of the list and of every edition): loopback clients,
 * and with METRICS_TOKEN set any client with that bearer. Through Fastify's `inject` with the client
 * address set, on the production container and a test Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopback } from '../../src/http/routes/health.ts';
import { type HttpWorld, startHttpWorld } from '../helpers/http-world.ts';

const TOKEN = 'test-metrics-token-0123456789';
const REMOTE = '203.0.113.7';

describe('/metrics access without METRICS_TOKEN', () => {
  let world: HttpWorld;
  beforeAll(async () => {
    world = await startHttpWorld();
  });
  afterAll(() => world.stop());

  it('answers loopback clients', async () => {
    for (const remoteAddress of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
      const res = await world.app.inject({ url: '/metrics', remoteAddress });
      expect(res.statusCode, remoteAddress).toBe(200);
      expect(res.body).toContain('digest_queue_jobs');
    }
  });

  it('refuses other hosts, and a proxied request from loopback, with one readable line', async () => {
    const remote = await world.app.inject({ url: '/metrics', remoteAddress: REMOTE });
    expect(remote.statusCode).toBe(403);
    expect(remote.body).toBe(
      'metrics answer loopback clients only; set METRICS_TOKEN to scrape from other hosts\n',
    );
    const proxied = await world.app.inject({
      url: '/metrics',
      remoteAddress: '127.0.0.1',
      headers: { 'x-forwarded-for': REMOTE },
    });
    expect(proxied.statusCode).toBe(403);
    // A bearer is no use while no METRICS_TOKEN is configured (the ADMIN_TOKEN is not it either).
    const admin = await world.app.inject({
      url: '/metrics',
      remoteAddress: REMOTE,
      headers: { authorization: 'Bearer test-admin-token-0123456789' },
    });
    expect(admin.statusCode).toBe(403);
  });
});

describe('/metrics access with METRICS_TOKEN', () => {
  let world: HttpWorld;
  beforeAll(async () => {
    world = await startHttpWorld({ METRICS_TOKEN: TOKEN });
  });
  afterAll(() => world.stop());

  it('answers another host that brings the bearer, and 401 without it or with a wrong one', async () => {
    const ok = await world.app.inject({
      url: '/metrics',
      remoteAddress: REMOTE,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('digest_queue_jobs');
    for (const headers of [{}, { authorization: 'Bearer wrong-metrics-token-012345' }]) {
      const res = await world.app.inject({ url: '/metrics', remoteAddress: REMOTE, headers });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
    expect((await world.app.inject({ url: '/metrics', remoteAddress: '127.0.0.1' })).statusCode).toBe(200);
  });
});

describe('isLoopback', () => {
  it('is 127.0.0.0/8 and ::1 only', () => {
    for (const ip of ['127.0.0.1', '127.9.8.7', '::1', '::ffff:127.0.0.1'])
      expect(isLoopback(ip), ip).toBe(true);
    for (const ip of ['10.0.0.1', '192.168.1.1', '::2', '::ffff:10.0.0.1', '1127.0.0.1', 'fe80::1'])
      expect(isLoopback(ip), ip).toBe(false);
  });
});

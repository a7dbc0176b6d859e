/**
 * The lint's link check against a real node:http server on 127.0.0.1. The SSRF guard refuses
 * loopback, so the tests allow private hosts the way the feed fetcher's tests do
 * (ALLOW_PRIVATE_FEED_HOSTS, `allowPrivateHosts`); one test keeps the guard on and sees it refuse.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lintEdition } from '../../src/lint/edition-lint.ts';
import { createLinkChecker } from '../../src/lint/link-check.ts';

let server: Server;
let base = '';
let inFlight = 0;
let peak = 0;
let requests = 0;
const hangs: Array<() => void> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    requests++;
    inFlight++;
    peak = Math.max(peak, inFlight);
    res.on('close', () => inFlight--);
    const path = req.url ?? '/';
    if (path === '/ok') return res.writeHead(200).end();
    if (path === '/gone') return res.writeHead(404).end();
    if (path === '/broken') return res.writeHead(503).end();
    if (path === '/moved') return res.writeHead(301, { location: '/gone' }).end();
    if (path === '/no-head') return res.writeHead(req.method === 'HEAD' ? 405 : 200).end();
    if (path === '/slow') return hangs.push(() => res.writeHead(200).end());
    if (path.startsWith('/busy/')) return setTimeout(() => res.writeHead(200).end(), 50);
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const release of hangs) release();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('link check', () => {
  it('reports 404, 503, a redirect to a 404 and a timeout; a HEAD-refusing server is asked with GET', async () => {
    const check = createLinkChecker({ allowPrivateHosts: true, timeoutMs: 2000 });
    const urls = ['/ok', '/gone', '/broken', '/moved', '/no-head', '/slow'].map((p) => `${base}${p}`);
    const { answers, skipped } = await check(urls);
    const by = Object.fromEntries(answers.map((a) => [a.url.slice(base.length), a]));
    expect(skipped).toBe(0);
    expect(by['/ok']).toMatchObject({ status: 200 });
    expect(by['/gone']).toMatchObject({ status: 404 });
    expect(by['/broken']).toMatchObject({ status: 503 });
    expect(by['/moved']).toMatchObject({ status: 404 });
    expect(by['/no-head']).toMatchObject({ status: 200 });
    expect(by['/slow']!.error).toBe('did not answer within 2 s');

    // What the lint makes of it for a variant holding those links.
    const html = `${urls.map((u) => `<a href="${u}">x</a>`).join('')}<a href="https://d.test/u/t">Unsubscribe</a> Orbit Weekly, Bremen`;
    const report = lintEdition({
      editionId: '2026-W47',
      postalAddress: 'Orbit Weekly, Bremen',
      variants: [
        {
          key: 'all',
          html,
          text: 'https://d.test/u/t Orbit Weekly, Bremen',
          unsubscribeUrl: 'https://d.test/u/t',
        },
      ],
      links: answers,
    });
    expect(report.findings.map((f) => f.message.slice(base.length))).toEqual([
      '/gone answers HTTP 404',
      '/broken answers HTTP 503',
      '/moved answers HTTP 404',
      '/slow did not answer within 2 s',
    ]);
  });

  it('is bounded: at most `concurrency` requests at once and `maxLinks` URLs', async () => {
    peak = 0;
    const check = createLinkChecker({ allowPrivateHosts: true, concurrency: 3, maxLinks: 12 });
    const urls = Array.from({ length: 20 }, (_, i) => `${base}/busy/${i}`);
    const { answers, skipped } = await check([...urls, ...urls]);
    expect(answers).toHaveLength(12);
    expect(skipped).toBe(8);
    expect(peak).toBeLessThanOrEqual(3);
    expect(answers.every((a) => a.status === 200)).toBe(true);
  });

  it("goes through the feed fetcher's SSRF guard: loopback is refused, never requested", async () => {
    const before = requests;
    const check = createLinkChecker({ allowPrivateHosts: false, timeoutMs: 2000 });
    const { answers } = await check([`${base}/ok`, 'http://169.254.169.254/latest/meta-data/']);
    for (const a of answers) expect(a.error, a.url).toMatch(/is refused: .*not a public address/);
    expect(requests).toBe(before);
  });
});

/**
 * The feed fetcher against a real node:http server on 127.0.0.1: timeouts, gzip, conditional GET,
 * redirects, size cap, truncated bodies, charset from the header, and the SSRF guard.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { Agent, fetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFeed } from '../../src/feeds/decode-feed.ts';
import { FeedError } from '../../src/feeds/feed-error.ts';
import { createFeedFetcher, DEFAULT_USER_AGENT } from '../../src/feeds/fetch-feed.ts';
import { isPrivateAddress, publicOnlyAgent, publicOnlyLookup } from '../../src/feeds/host-guard.ts';

const RSS =
  '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><title>A</title><link>https://x.example/a</link></item></channel></rss>';
const seen: IncomingMessage[] = [];

const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  '/feed': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(RSS);
  },
  '/gzip': (req, res) => {
    expect(req.headers['accept-encoding']).toMatch(/gzip/);
    res
      .writeHead(200, { 'content-type': 'application/rss+xml', 'content-encoding': 'gzip' })
      .end(gzipSync(RSS));
  },
  '/etag': (req, res) => {
    if (req.headers['if-none-match'] === '"v1"') return res.writeHead(304).end();
    res.writeHead(200, { etag: '"v1"', 'last-modified': 'Tue, 17 Nov 2026 10:00:00 GMT' }).end(RSS);
  },
  '/modified': (req, res) => {
    if (req.headers['if-modified-since'] === 'Tue, 17 Nov 2026 10:00:00 GMT') return res.writeHead(304).end();
    res.writeHead(200, { 'last-modified': 'Tue, 17 Nov 2026 10:00:00 GMT' }).end(RSS);
  },
  '/hang': () => {
    // never answers
  },
  '/slow-body': (_req, res) => {
    res.writeHead(200);
    res.write('<rss>');
    // the rest never comes
  },
  '/loop-a': (_req, res) => res.writeHead(302, { location: '/loop-b' }).end(),
  '/loop-b': (_req, res) => res.writeHead(301, { location: '/loop-a' }).end(),
  '/redirect-once': (_req, res) => res.writeHead(301, { location: '/feed' }).end(),
  '/to-js': (_req, res) => res.writeHead(302, { location: 'ftp://files.example/feed' }).end(),
  '/huge': (_req, res) => {
    // 50 MB streamed without Content-Length: the cap must stop it while streaming.
    res.writeHead(200, { 'content-type': 'application/rss+xml' });
    const chunk = Buffer.alloc(1024 * 1024, 'a');
    let sent = 0;
    const pump = () => {
      while (sent < 50) {
        sent++;
        if (!res.write(chunk)) return res.once('drain', pump);
      }
      res.end();
    };
    res.on('error', () => {});
    pump();
  },
  '/huge-declared': (_req, res) => {
    res.writeHead(200, { 'content-length': String(50 * 1024 * 1024) });
    res.write('<rss>');
  },
  '/truncated': (req, res) => {
    // Promises more than it sends, then closes the connection.
    res.writeHead(200, { 'content-length': String(RSS.length * 2) });
    res.write(RSS);
    setTimeout(() => req.socket.destroy(), 20);
  },
  '/latin1': (_req, res) => {
    res
      .writeHead(200, { 'content-type': 'application/rss+xml; charset=ISO-8859-1' })
      .end(Buffer.from('<rss><channel><title>Notícias</title></channel></rss>', 'latin1'));
  },
  '/gone': (_req, res) => res.writeHead(404).end('nope'),
  '/busy': (_req, res) => res.writeHead(503).end('busy'),
};

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req);
    const route = routes[new URL(req.url!, 'http://x').pathname];
    if (route) route(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const fetcher = createFeedFetcher({ allowPrivateHosts: true, timeoutMs: 1500, maxBytes: 5 * 1024 * 1024 });
async function failure(promise: Promise<unknown>): Promise<FeedError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(FeedError);
    return err as FeedError;
  }
  throw new Error('expected a FeedError');
}

describe('createFeedFetcher', () => {
  it('fetches a feed with a polite User-Agent and an Accept header for feeds', async () => {
    const res = await fetcher(`${base}/feed`);
    expect(res.status).toBe('ok');
    if (res.status !== 'ok') return;
    expect(Buffer.from(res.body).toString()).toBe(RSS);
    const req = seen.at(-1)!;
    expect(req.headers['user-agent']).toBe(DEFAULT_USER_AGENT);
    expect(req.headers.accept).toMatch(/application\/rss\+xml/);
  });

  it('decompresses gzip', async () => {
    const res = await fetcher(`${base}/gzip`);
    expect(res.status === 'ok' && Buffer.from(res.body).toString()).toBe(RSS);
  });

  it('sends If-None-Match / If-Modified-Since and reports 304 as not modified', async () => {
    const first = await fetcher(`${base}/etag`);
    if (first.status !== 'ok') throw new Error('expected ok');
    expect(first.validators).toEqual({ etag: '"v1"', lastModified: 'Tue, 17 Nov 2026 10:00:00 GMT' });
    expect((await fetcher(`${base}/etag`, first.validators)).status).toBe('not-modified');
    expect((await fetcher(`${base}/modified`, { lastModified: first.validators.lastModified })).status).toBe(
      'not-modified',
    );
    expect((await fetcher(`${base}/etag`, { etag: '"old"' })).status).toBe('ok');
  });

  it('gives up on a server that never answers, or never finishes the body (ETIMEOUT, retryable)', async () => {
    const started = Date.now();
    const err = await failure(fetcher(`${base}/hang`));
    expect(err.code).toBe('ETIMEOUT');
    expect(err.temporary).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await failure(fetcher(`${base}/slow-body`))).code).toBe('ETIMEOUT');
  });

  it('follows a redirect, stops a redirect loop, refuses non-http targets', async () => {
    const ok = await fetcher(`${base}/redirect-once`);
    expect(ok.status === 'ok' && ok.finalUrl).toBe(`${base}/feed`);
    const loop = await failure(fetcher(`${base}/loop-a`));
    expect(loop.code).toBe('EREDIRECTS');
    expect(loop.temporary).toBe(false);
    expect((await failure(fetcher(`${base}/to-js`))).code).toBe('EURL');
  });

  it('stops a 50 MB feed at the size cap, streamed or declared', async () => {
    const streamed = await failure(fetcher(`${base}/huge`));
    expect(streamed.code).toBe('ETOOLARGE');
    expect(streamed.message).toMatch(/larger than 5 MB/);
    expect((await failure(fetcher(`${base}/huge-declared`))).code).toBe('ETOOLARGE');
  });

  it('reports a body cut short as a network error', async () => {
    const err = await failure(fetcher(`${base}/truncated`));
    expect(err.code).toBe('ENETWORK');
    expect(err.temporary).toBe(true);
  });

  it('classifies HTTP errors: 404 permanent, 503 temporary', async () => {
    const gone = await failure(fetcher(`${base}/gone`));
    expect([gone.code, gone.temporary, gone.message]).toEqual(['EHTTP', false, 'HTTP 404 Not Found']);
    const busy = await failure(fetcher(`${base}/busy`));
    expect([busy.code, busy.temporary]).toEqual(['EHTTP', true]);
  });

  it('hands over the Content-Type so the charset comes from the header', async () => {
    const res = await fetcher(`${base}/latin1`);
    if (res.status !== 'ok') throw new Error('expected ok');
    expect(decodeFeed(res.body, res.contentType).text).toContain('Notícias');
  });

  it('refuses loopback and private addresses unless allowed (SSRF guard)', async () => {
    const guarded = createFeedFetcher({ timeoutMs: 1500 });
    const err = await failure(guarded(`${base}/feed`));
    expect(err.code).toBe('EPRIVATEHOST');
    expect(err.message).toMatch(/127\.0\.0\.1.*ALLOW_PRIVATE_FEED_HOSTS/);
    expect((await failure(guarded('http://localhost:1/feed'))).code).toBe('EPRIVATEHOST');
    for (const ip of [
      '10.1.2.3',
      '192.168.0.1',
      '169.254.169.254',
      '::1',
      '::ffff:127.0.0.1',
      'fd00::1',
      '0.0.0.0',
    ])
      expect(isPrivateAddress(ip)).toBe(true);
    for (const ip of ['93.184.216.34', '2606:4700::1111']) expect(isPrivateAddress(ip)).toBe(false);
  });

  it('checks the address of the connection itself, so a name that changes its answer is refused', async () => {
    // What a DNS-rebinding name does after passing the check: resolve to loopback at connect time. The
    // check before the request is skipped here; the dispatcher alone must refuse. The same server
    // answers through an unguarded agent, so it is the guard that stops the request.
    const port = new URL(base).port;
    const plain = await fetch(`http://localhost:${port}/feed`, { dispatcher: new Agent() });
    expect(plain.status).toBe(200);
    await plain.body?.cancel();
    const refused = await fetch(`http://localhost:${port}/feed`, { dispatcher: publicOnlyAgent() }).then(
      () => undefined,
      (err: Error & { cause?: unknown }) => err.cause,
    );
    expect(refused).toBeInstanceOf(FeedError);
    expect((refused as FeedError).code).toBe('EPRIVATEHOST');
  });

  it('publicOnlyLookup answers public addresses as dns.lookup does, one or all', async () => {
    const lookupOnce = (host: string, all: boolean) =>
      new Promise<unknown>((resolve, reject) =>
        publicOnlyLookup(host, { all }, (err, address, family) =>
          err ? reject(err) : resolve(all ? address : { address, family }),
        ),
      );
    expect(await lookupOnce('93.184.216.34', false)).toEqual({ address: '93.184.216.34', family: 4 });
    expect(await lookupOnce('93.184.216.34', true)).toEqual([{ address: '93.184.216.34', family: 4 }]);
    for (const all of [false, true]) {
      await expect(lookupOnce('localhost', all)).rejects.toMatchObject({ code: 'EPRIVATEHOST' });
      await expect(lookupOnce('127.0.0.1', all)).rejects.toMatchObject({ code: 'EPRIVATEHOST' });
    }
  });

  it('reads local files with the same size cap', async () => {
    const small = createFeedFetcher({ maxBytes: 100 });
    const path = `${import.meta.dirname}/../fixtures/feeds/atom.xml`;
    expect((await failure(small(path))).code).toBe('ETOOLARGE');
    const res = await createFeedFetcher()(path);
    expect(res.status === 'ok' && res.finalUrl).toMatch(/^file:\/\/.*atom\.xml$/);
    expect((await failure(createFeedFetcher()('/no/such/feed.xml'))).code).toBe('EURL');
  });
});

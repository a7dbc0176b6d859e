/**
 * The bundled sample ships its images: its feed names them under /static/sample/ (resolved against
 * PUBLIC_URL when collected), and our HTTP server serves them from the publication's img/ folder
 * (nothing outside it).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { collectDeps } from '../../src/app/step-deps.ts';
import { collectAll } from '../../src/collect/collect-all.ts';
import { buildApp } from '../../src/http/app.ts';
import { SAMPLE_PUBLICATION_FILE } from '../../src/publication/load-publication.ts';
import { createTestContainer } from '../helpers/container.ts';
import { cleanupPrefix } from '../helpers/redis.ts';

describe('GET /static/sample/:file', () => {
  let c: Container;
  let app: FastifyInstance;
  beforeAll(async () => {
    // Nothing is mailed here: the relay address is never dialled.
    c = await createTestContainer({ smtpUrl: 'smtp://127.0.0.1:9' });
    app = await buildApp(c);
  });
  afterAll(async () => {
    await app.close();
    await cleanupPrefix(c.redis, c.prefix);
    await c.close();
  });

  it("collecting the sample names its images under this server's PUBLIC_URL, not a fixed :8080", async () => {
    const reports = await collectAll(collectDeps(c), new Date('2026-11-23T12:00:00Z'));
    expect(reports.some((r) => r.new > 0)).toBe(true);
    const articles = await c.articles.listRecent(50);
    const images = articles.map((a) => a.imageUrl).filter((u): u is string => !!u);
    expect(images.length).toBeGreaterThanOrEqual(5);
    for (const url of images)
      expect(url).toMatch(/^https:\/\/digest\.test\/static\/sample\/[a-z0-9-]+\.jpg$/);
  });

  it('serves every image the sample feed names, small, as JPEG', async () => {
    const feed = readFileSync(join(dirname(SAMPLE_PUBLICATION_FILE), 'feed.xml'), 'utf8');
    const urls = [...new Set([...feed.matchAll(/url="(\/static\/sample\/[^"]+)"/g)].map((m) => m[1]!))];
    expect(urls.length).toBeGreaterThanOrEqual(10);
    expect(feed).not.toContain('orbit-weekly.example/img/');
    for (const url of urls) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toBe('image/jpeg');
      expect(res.rawPayload.subarray(0, 3).toString('hex')).toBe('ffd8ff');
      expect(res.rawPayload.length).toBeLessThan(20_000);
    }
  });

  it('serves nothing but plain image names from that folder', async () => {
    for (const path of [
      '/static/sample/..%2Fpublication.json',
      '/static/sample/feed.xml',
      '/static/sample/nope.jpg',
    ]) {
      expect((await app.inject({ method: 'GET', url: path })).statusCode, path).toBe(404);
    }
  });
});

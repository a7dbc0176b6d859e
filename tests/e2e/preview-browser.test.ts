/**
 * `digest preview` end to end: fixture articles stored through the real article store, the CLI writes
 * the digest, Debian's Chromium renders it at 375 px and 800 px (light, dark, images off) and no
 * element may overflow horizontally. Screenshots are kept in artifactsDir('preview').
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { FIXTURE_EDITION, fixtureArticles } from '../fixtures/articles.ts';
import { artifactsDir, launchChromium } from '../helpers/browser.ts';
import { createTestContainer } from '../helpers/container.ts';
import { cleanupPrefix, testRedisUrl } from '../helpers/redis.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';

const bin = join(import.meta.dirname, '../../bin/digest.js');

function runCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.once('error', reject);
    // What the CLI says to its user; pino's JSON log lines (e.g. the test Redis' AOF warning) aside.
    const said = (text: string) => text.replace(/^\{"level":.*\n/gm, '');
    child.once('exit', (code) => resolve({ code, out, err: said(err) }));
  });
}

// A picture for every image URL, so the "images on" screenshots show a real layout offline.
const PICTURE = `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="675" viewBox="0 0 1200 675"><rect width="1200" height="675" fill="#2b3a55"/><circle cx="900" cy="200" r="120" fill="#e9ecef"/></svg>`;

async function overflow(page: Page) {
  return page.evaluate(() => {
    const vw = document.documentElement.clientWidth;
    const offenders: string[] = [];
    for (const el of Array.from(document.body.querySelectorAll('*'))) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      if (r.right > vw + 0.5 || r.left < -0.5) {
        offenders.push(
          `<${el.tagName.toLowerCase()} class="${el.getAttribute('class') ?? ''}"> ${r.left}..${r.right}`,
        );
      }
    }
    return { vw, scrollWidth: document.documentElement.scrollWidth, offenders: offenders.slice(0, 10) };
  });
}

describe('digest preview in Chromium', () => {
  let sink: SmtpSink;
  let container: Container;
  let browser: Browser;
  let env: Record<string, string>;
  const out = mkdtempSync(join(tmpdir(), 'nd-preview-'));

  beforeAll(async () => {
    sink = await startSmtpSink();
    container = await createTestContainer({ smtpUrl: sink.url });
    for (const a of fixtureArticles()) await container.articles.upsert(a);
    env = {
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: container.prefix,
      SMTP_URL: sink.url,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'nd-preview-data-')),
      LINK_SECRET: 'test-link-secret-0123456789',
      ADMIN_TOKEN: 'test-admin-token-0123456789',
      PUBLIC_URL: 'https://digest.test',
      LOG_LEVEL: 'error',
    };
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await cleanupPrefix(container.redis, container.prefix);
    await container.close();
    await sink.stop();
  });

  it('writes the digest, which fits 375 px and 800 px without horizontal overflow', async () => {
    const r = await runCli(['preview', '--edition', FIXTURE_EDITION.id, '--out', out], env);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/edition 2026-W47 · variant all@en-GB .* 15 articles/);
    const html = readFileSync(join(out, 'digest.html'), 'utf8');
    const text = readFileSync(join(out, 'digest.txt'), 'utf8');
    expect(html).toContain('reader@example.com');
    expect(text).toContain('TOP STORIES');
    expect(text).toContain('Unsubscribe: https://digest.test/u/preview');

    const shots = artifactsDir('preview');
    for (const width of [375, 800]) {
      for (const variant of ['light', 'dark', 'images-off'] as const) {
        const page = await browser.newPage({ viewport: { width, height: 900 } });
        await page.emulateMedia({ colorScheme: variant === 'dark' ? 'dark' : 'light' });
        // Offline: every remote request gets the picture (or fails, for "images off").
        await page.route(/^https?:/, (route) =>
          variant === 'images-off'
            ? route.abort()
            : route.fulfill({ status: 200, contentType: 'image/svg+xml', body: PICTURE }),
        );
        await page.goto(pathToFileURL(join(out, 'digest.html')).href);
        await page.screenshot({ path: join(shots, `digest-${width}-${variant}.png`), fullPage: true });
        const o = await overflow(page);
        expect(o.offenders, `${width}px ${variant}`).toEqual([]);
        expect(o.scrollWidth, `${width}px ${variant}`).toBeLessThanOrEqual(width);
        if (variant === 'light') {
          const a11y = await page.evaluate(() => ({
            lang: document.documentElement.lang,
            h1: document.querySelectorAll('h1').length,
            imagesWithoutAlt: Array.from(document.images).filter((i) => !i.hasAttribute('alt')).length,
            images: document.images.length,
          }));
          expect(a11y).toEqual({ lang: 'en-GB', h1: 1, imagesWithoutAlt: 0, images: a11y.images });
          expect(a11y.images).toBeGreaterThan(0);
        }
        if (variant === 'dark') {
          const bg = await page.evaluate(
            () => getComputedStyle(document.querySelector('.nd-card table') ?? document.body).backgroundColor,
          );
          expect(bg).toBe('rgb(31, 41, 55)');
        }
        await page.close();
      }
    }
  }, 120_000);

  it('--subscriber uses their topics, name and real signed links', async () => {
    const { subscriber } = await container.subscribers.create(
      {
        email: 'Ada@Example.org',
        name: 'Ada',
        status: 'active',
        topics: ['lunar'],
        timezone: 'UTC',
        hour: 8,
        locale: 'en-GB',
      },
      'admin',
    );
    const dir = join(out, 'ada');
    const r = await runCli(
      ['preview', '--edition', FIXTURE_EDITION.id, '--subscriber', 'ada@example.org', '--out', dir],
      env,
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('variant lunar');
    const text = readFileSync(join(dir, 'digest.txt'), 'utf8');
    expect(text).toContain('ada@example.org');
    expect(text).toMatch(/Unsubscribe: https:\/\/digest\.test\/u\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/);
    expect(text).not.toContain('Starship flight 12');
    expect(subscriber.topics).toEqual(['lunar']);
  }, 60_000);

  it.each([
    [
      ['--topics', 'lunar,nope'],
      2,
      /^digest: --topics: unknown topic "nope" \(known: lunar, launch, policy, markets\)\n$/,
    ],
    [['--edition', '2026-W40'], 1, /^digest: edition 2026-W40 has no articles for every topic/],
    [
      ['--subscriber', 'nobody@example.org'],
      2,
      /^digest: no subscriber with the address nobody@example\.org\n$/,
    ],
  ])(
    'preview %j fails with one line and exit code %i',
    async (args, code, message) => {
      const r = await runCli(
        ['preview', '--edition', FIXTURE_EDITION.id, '--out', join(out, 'x'), ...args],
        env,
      );
      expect(r.err).toMatch(message);
      expect(r.code).toBe(code);
    },
    60_000,
  );
});

/**
 * The editor's draft page in Chromium (playwright-core on Debian's chromium), for a publication with
 * the review gate: the draft and approval banners, a subject and a note saved, a story pinned and one
 * left out, "Build again" making generation 2 whose preview shows them; the web version stays 404.
 * Screenshots of the draft page at 390 and 1280 px go to artifactsDir('editor').
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { controlDeps } from '../../src/app/step-deps.ts';
import { rebuildEdition } from '../../src/delivery/edition-control.ts';
import type { Article } from '../../src/domain/article.ts';
import { buildApp } from '../../src/http/app.ts';
import { SAMPLE_PUBLICATION_FILE } from '../../src/publication/load-publication.ts';
import { adminPage } from '../helpers/admin-browser.ts';
import { artifactsDir, launchChromium } from '../helpers/browser.ts';
import { createTestContainer } from '../helpers/container.ts';
import { seedArticles, seedSubscribers } from '../helpers/delivery-fixtures.ts';
import { cleanupPrefix } from '../helpers/redis.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';

const EDITION = '2026-W47';

describe('the draft page in a browser', () => {
  let sink: SmtpSink;
  let c: Container;
  let app: FastifyInstance;
  let browser: Browser;
  let url: string;
  let articles: Article[];
  const shots = artifactsDir('editor');

  beforeAll(async () => {
    const publication = JSON.parse(readFileSync(SAMPLE_PUBLICATION_FILE, 'utf8'));
    const file = join(mkdtempSync(join(tmpdir(), 'nd-editor-')), 'publication.json');
    writeFileSync(
      file,
      JSON.stringify({
        ...publication,
        sources: [],
        reviewBeforeSend: true,
        reviewers: ['editor@desk.example'],
      }),
    );
    sink = await startSmtpSink();
    c = await createTestContainer({ smtpUrl: sink.url, env: { PUBLICATION_FILE: file } });
    articles = await seedArticles(c, EDITION, 2);
    await seedSubscribers(c, 8);
    await rebuildEdition(controlDeps(c), EDITION, new Date('2026-11-23T05:00:00Z'));
    app = await buildApp(c);
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await cleanupPrefix(c.redis, c.prefix);
    await c.close();
    await sink.stop();
  });

  it('edits a draft, builds it again, and shows what the readers will get', async () => {
    const { page, errors } = await adminPage(browser, url, 1280, 1000);
    await page.goto(`${url}/admin/editions/${EDITION}`);
    expect(await page.textContent('#draft-banner')).toContain('Draft, generation 1.');
    expect(await page.textContent('#approval-banner')).toContain('Waiting for approval.');
    expect(await page.locator('#send-now').count()).toBe(0);
    expect(await page.locator('#approve').count()).toBe(1);

    await page.fill('#subject', 'Moon week: the crew is named');
    await page.fill(
      '#note',
      'A **big** week for the Moon. [Our live blog](https://orbit-weekly.example/live)',
    );
    await page.click('text=Save note and subject');
    await page.waitForURL(/\/admin\/editions\/2026-W47/);
    expect(await page.textContent('[role=status]')).toContain('Saved. Build again to apply it to the draft.');
    expect(await page.textContent('#draft-banner')).toContain('Edits are waiting');

    const pinned = articles[3]!;
    const leftOut = articles[0]!;
    // Each click posts a form and loads the next page: wait for that load, or the next click can land on
    // the old page and cancel the first post in flight (seen under load: the pin was lost).
    await Promise.all([
      page.waitForEvent('load'),
      page.locator('tr', { hasText: pinned.title }).locator('text=Pin to top').click(),
    ]);
    await Promise.all([
      page.waitForEvent('load'),
      page.locator('tr', { hasText: leftOut.title }).locator('text=Leave out').click(),
    ]);
    expect(await page.textContent('.left-out')).toContain(leftOut.title);

    await page.click('#build-again');
    await page.waitForURL(`${url}/admin/editions/${EDITION}`);
    expect(await page.textContent('[role=status]')).toContain('built as a draft (generation 2)');
    expect(await page.textContent('#draft-banner')).toContain('Draft, generation 2.');
    expect(await page.textContent('#draft-banner')).not.toContain('Edits are waiting');
    expect(await page.locator('tr.pinned').textContent()).toContain(pinned.title);
    expect(await page.textContent('.articles')).not.toContain(leftOut.title);
    expect(await page.textContent('main')).toContain('Moon week: the crew is named');

    // The preview is the new generation: the note on top, the pinned story first, the left-out one gone.
    const preview = page.frame({ name: 'preview' })!;
    // Text as read: the mail-safe HTML breaks long source lines at a space, wherever they fall.
    const read = async () => ((await preview.textContent('body')) ?? '').replace(/\s+/g, ' ');
    await expect.poll(read).toContain('A big week for the Moon.');
    const body = await read();
    const top = body.slice(body.indexOf('Top stories'));
    const others = articles
      .filter((a) => a.id !== pinned.id && a.id !== leftOut.id)
      .map((a) => top.indexOf(a.title))
      .filter((i) => i >= 0);
    expect(top.indexOf(pinned.title)).toBeGreaterThanOrEqual(0);
    expect(top.indexOf(pinned.title)).toBeLessThan(Math.min(...others));
    expect(body).not.toContain(leftOut.title);

    await page.screenshot({ path: join(shots, 'draft-1280.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.screenshot({ path: join(shots, 'draft-390.png'), fullPage: true });
    // Nothing widens the page at 390 px (wide tables scroll inside their card).
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);

    // Readers see nothing of a draft.
    const web = await page.goto(`${url}/editions/${EDITION}`);
    expect(web?.status()).toBe(404);
    expect(errors).toEqual([]);
    expect(sink.messages).toHaveLength(0);
  }, 120_000);
});

/**
 * The sign-up form on the publication's own site, in Chromium (issue 21): the operator copies the
 * snippet from the dashboard's Sign-up form page, it is pasted into an article page served by another
 * origin (a tiny static server on 127.0.0.1, another port), and a reader signs up there: the post goes
 * cross-origin to /subscribe with no JavaScript, the browser lands back on the site's thank-you page, and
 * the confirmation arrives over SMTP (STARTTLS sink). An address our rules refuse shows our page with the
 * reason, and the corrected post still goes back to the site. Screenshots at 390 and 1280 px.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { buildApp } from '../../src/http/app.ts';
import { adminPage, openPage } from '../helpers/admin-browser.ts';
import { artifactsDir, launchChromium } from '../helpers/browser.ts';
import { createTestContainer } from '../helpers/container.ts';
import { cleanupPrefix } from '../helpers/redis.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';

/** The publication's site: an article with the pasted snippet, and a thank-you page. */
function startSite(): { server: Server; setSnippet(html: string): void; ready: Promise<string> } {
  let snippet = '';
  const page = (title: string, body: string) =>
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title><style>body{font-family:Georgia,serif;max-width:40rem;margin:0 auto;padding:1rem;line-height:1.5}aside{border-top:2px solid #1d3557;margin-top:2rem;padding-top:1rem}</style></head><body>${body}</body></html>`;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/articles/launch-cadence.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        page(
          'Launch cadence passes 300',
          `<h1>Global launch cadence passes 300 orbital attempts</h1><p>Most launches still come from a handful of sites in the US and China.</p><aside><h2>Subscribe to news and insights</h2>${snippet}</aside>`,
        ),
      );
    } else if (path === '/thanks.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page('Thanks', '<h1>Thanks!</h1><p>Check your inbox to confirm your subscription.</p>'));
    } else {
      res.writeHead(404).end('not here');
    }
  });
  const ready = new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    ),
  );
  return { server, setSnippet: (html) => (snippet = html), ready };
}

async function noSidewaysScroll(page: Page, width: number) {
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(scrollWidth, page.url()).toBeLessThanOrEqual(width);
}

describe('the embedded sign-up form in Chromium, from another origin', () => {
  let sink: SmtpSink;
  let container: Container;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;
  let site: ReturnType<typeof startSite>;
  let siteUrl: string;
  const shots = artifactsDir('embedded-signup');

  beforeAll(async () => {
    site = startSite();
    siteUrl = await site.ready;
    sink = await startSmtpSink();
    container = await createTestContainer({ smtpUrl: sink.url });
    // The publication's website is the static site: its origin is where the form may send people back.
    container.publication.websiteUrl = siteUrl;
    app = await buildApp(container);
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    container.publicUrl = base;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await new Promise((done) => site?.server.close(done));
    await cleanupPrefix(container.redis, container.prefix);
    await container.close();
    await sink.stop();
  });

  it('the operator copies the snippet from the dashboard (390 and 1280 px)', async () => {
    for (const width of [1280, 390]) {
      const { page, errors } = await adminPage(browser, base, width, 900);
      await page.click('nav >> text=Sign-up form');
      await page.waitForURL(`${base}/admin/signup-form`);
      await page.fill('#snippet-redirect', `${siteUrl}/thanks.html`);
      await page.click('#snippet-options button[type=submit]');
      await page.waitForURL(/\/admin\/signup-form\?/);
      const snippet = await page.inputValue('#snippet');
      expect(snippet).toContain(`action="${base}/subscribe"`);
      expect(snippet).toContain(`name="redirect" value="${siteUrl}/thanks.html"`);
      site.setSnippet(snippet);
      // The preview draws the same snippet (a sandboxed frame: its form cannot be sent from there).
      await page
        .frameLocator('iframe.snippet-preview')
        .locator('form.nd-signup button')
        .waitFor({ timeout: 5000 });
      await noSidewaysScroll(page, width);
      await page.screenshot({ path: join(shots, `admin-signup-form-${width}.png`), fullPage: true });
      await page
        .locator('iframe.snippet-preview')
        .screenshot({ path: join(shots, `admin-signup-preview-${width}.png`) });
      expect(errors).toEqual([]);
      await page.close();
    }
  }, 60_000);

  it('a reader signs up on the article page and lands on the site thank-you page (1280 px)', async () => {
    const { page } = await openPage(browser, 1280, 900);
    await page.goto(`${siteUrl}/articles/launch-cadence.html`);
    await page.screenshot({ path: join(shots, 'site-article-1280.png'), fullPage: true });
    await page.fill('#nd-signup-email', 'Reader@Example.com');
    await page.check('input[name=topics][value=lunar]');
    await Promise.all([
      page.waitForURL(`${siteUrl}/thanks.html`),
      page.click('.nd-signup button[type=submit]'),
    ]);
    await page.screenshot({ path: join(shots, 'site-thanks-1280.png'), fullPage: true });
    await sink.waitFor(1);
    const mail = sink.messages[0]!;
    expect(mail.envelopeTo).toEqual(['reader@example.com']);
    expect(mail.parsed.text).toContain(`${base}/c/`);
    expect(await container.subscribers.getByEmail('reader@example.com')).toMatchObject({
      status: 'pending',
      topics: ['lunar'],
    });
    await page.close();
  }, 60_000);

  it('an address our rules refuse gets our words at 390 px; the corrected one still goes back to the site', async () => {
    const { page } = await openPage(browser, 390, 844);
    await page.goto(`${siteUrl}/articles/launch-cadence.html`);
    await noSidewaysScroll(page, 390);
    await page.screenshot({ path: join(shots, 'site-article-390.png'), fullPage: true });
    // The browser's own check lets `a@b` through; ours refuses it (no dot in the domain).
    await page.fill('#nd-signup-email', 'ann@localhost');
    await Promise.all([page.waitForURL(`${base}/subscribe`), page.click('.nd-signup button[type=submit]')]);
    const notice = await page.textContent('.notice[role=alert]');
    expect(notice?.trim()).toMatch(/^(The|Please)[^\n]*\.$/);
    expect(notice).not.toMatch(/Invalid|zod|Error:/);
    await noSidewaysScroll(page, 390);
    await page.screenshot({ path: join(shots, 'refused-390.png'), fullPage: true });
    await page.fill('#email', 'ann@example.com');
    await Promise.all([
      page.waitForURL(`${siteUrl}/thanks.html`),
      page.click('form[action="/subscribe"] button[type=submit]'),
    ]);
    await page.screenshot({ path: join(shots, 'site-thanks-390.png'), fullPage: true });
    await sink.waitFor(2);
    expect(sink.messages.map((m) => m.envelopeTo[0])).toContain('ann@example.com');
    await page.close();
  }, 60_000);
});

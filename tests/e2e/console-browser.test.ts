/**
 * The operator console in Chromium (playwright-core on Debian's chromium), at 390 and 1280 px: every
 * dashboard page and every public page is measured (the document is never wider than the window: no
 * sideways scroll) and photographed into artifactsDir('console'); then an operator's round at 390 px:
 * add a person, upload a CSV with mistakes and read the row report, edit preferences, forget with the
 * confirmation step, add a feed and collect a source now, and go to the queue board and back.
 * The container runs with the embedded outbox (no SMTP_URL), so the outbox pages have a message.
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Container, createContainer } from '../../src/app/container.ts';
import { buildDeps, controlDeps, testSendDeps } from '../../src/app/step-deps.ts';
import { loadConfig } from '../../src/config.ts';
import { previousEditionId } from '../../src/core/edition-window.ts';
import { defaultEditionId, startSend } from '../../src/delivery/edition-control.ts';
import { testSend } from '../../src/delivery/test-send.ts';
import { buildEdition } from '../../src/editions/build-edition.ts';
import { buildApp } from '../../src/http/app.ts';
import { linkUrl } from '../../src/links/subscriber-links.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { ADMIN_TOKEN, adminPage, openPage } from '../helpers/admin-browser.ts';
import { artifactsDir, launchChromium } from '../helpers/browser.ts';
import { seedArticles, seedSubscribers } from '../helpers/delivery-fixtures.ts';
import { cleanupPrefix, testRedisUrl, uniquePrefix } from '../helpers/redis.ts';

const WIDTHS = [390, 1280] as const;
const LONG_EMAIL = 'a-rather-long-local-part.for-wrapping-tests@newsroom.subdomain.example-publication.com';
const LONG_FEED =
  'https://feeds.example-publication.com/category/space-exploration/lunar-missions/feed.xml?format=rss&utm_source=digest';

describe('operator console in a browser', () => {
  let c: Container;
  let app: FastifyInstance;
  let browser: Browser;
  let url: string;
  let sent: string;
  let draft: string;
  let subscriberId: string;
  let pendingId: string;
  let message: string;
  const shots = artifactsDir('console');

  beforeAll(async () => {
    const config = loadConfig({
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: uniquePrefix(),
      DATA_DIR: mkdtempSync(join(tmpdir(), 'nd-console-data-')),
      LINK_SECRET: 'test-link-secret-0123456789',
      ADMIN_TOKEN,
      PUBLIC_URL: 'https://digest.test',
    });
    c = await createContainer(config, createLogger({ level: 'silent', pretty: false }));
    const now = new Date();
    sent = defaultEditionId(c.publication, now);
    draft = previousEditionId(
      new Date(now.getTime() - 7 * 86_400_000),
      c.publication.timezone,
      c.publication.weekStartsOn,
    );
    await seedArticles(c, sent);
    await seedArticles(c, draft);
    const seeded = await seedSubscribers(c, 30, (i) => (i % 7 === 6 ? 'unsubscribed' : 'active'));
    subscriberId = seeded[1]!.id;
    await c.subscribers.create(
      {
        email: LONG_EMAIL,
        name: 'Long Address',
        timezone: 'America/Los_Angeles',
        hour: 6,
        locale: '',
        status: 'active',
      },
      'admin',
    );
    pendingId = (
      await c.subscribers.create(
        { email: 'pending@readers.example', timezone: 'UTC', hour: 8, locale: '' },
        'admin',
      )
    ).subscriber.id;
    await buildEdition(buildDeps(c), draft, now);
    await buildEdition(buildDeps(c), sent, now);
    // A message in the outbox, and an edition whose web version is public (sending, due now).
    await testSend(testSendDeps(c), sent, { to: 'editor@example.com', topics: [], now });
    await startSend(controlDeps(c), sent, { immediate: true, force: true, now });
    const dir = mkdtempSync(join(tmpdir(), 'nd-console-feed-'));
    copyFileSync(join(import.meta.dirname, '../fixtures/feeds/atom.xml'), join(dir, 'atom.xml'));
    await c.sources.add({ url: join(dir, 'atom.xml'), kind: 'file', topics: ['lunar'] }, now);
    const failing = await c.sources.add({ url: LONG_FEED, kind: 'url', topics: ['lunar', 'launch'] }, now);
    await c.sources.recordFetch(failing.id, {
      at: now.toISOString(),
      status: 'error',
      new: 0,
      updated: 0,
      unchanged: 0,
      errors: [
        `HTTP 503 Service Unavailable from ${LONG_FEED} (the server said it is overloaded; try again later)`,
      ],
      durationMs: 812,
    });
    app = await buildApp(c);
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
    message = await fetchOutboxName(url);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await cleanupPrefix(c.redis, c.prefix);
    await c.close();
  });

  /** The newest outbox message's name, read through the dashboard as an operator would. */
  async function fetchOutboxName(base: string): Promise<string> {
    const { page } = await adminPage(browser, base);
    await page.goto(`${base}/admin/outbox`);
    const href = await page.locator('main table a').first().getAttribute('href');
    await page.close();
    return href!.split('/').pop()!;
  }

  const adminPages = () => [
    ['editions', '/admin'],
    ['edition-sending', `/admin/editions/${sent}`],
    ['edition-draft', `/admin/editions/${draft}`],
    ['confirm-send', `/admin/editions/${draft}/confirm?action=send&force=on`],
    ['subscribers', '/admin/subscribers'],
    ['subscribers-active', '/admin/subscribers?status=active'],
    ['subscribers-search', '/admin/subscribers?q=reader1'],
    ['subscribers-growth', '/admin/subscribers/growth'],
    ['subscriber', `/admin/subscribers/${subscriberId}`],
    ['subscriber-pending', `/admin/subscribers/${pendingId}`],
    ['subscriber-forget', `/admin/subscribers/${subscriberId}/forget`],
    ['sources', '/admin/sources'],
    ['signup-form', '/admin/signup-form'],
    ['signup-form-preview', '/admin/signup-form/preview'],
    ['outbox', '/admin/outbox'],
    ['outbox-message', `/admin/outbox/${message}`],
    ['admin-404', '/admin/no-such-page'],
  ];
  const publicPages = () => {
    const link = (purpose: 'unsubscribe' | 'preferences' | 'confirm', id: string) =>
      new URL(linkUrl(c.publicUrl, purpose, id, c.linkKeys, Date.now() / 1000)).pathname;
    return [
      ['subscribe', '/subscribe'],
      ['archive', '/editions'],
      ['web-version', `/editions/${sent}`],
      ['unsubscribe', link('unsubscribe', subscriberId)],
      ['preferences', link('preferences', subscriberId)],
      ['confirm', link('confirm', pendingId)],
      ['public-404', '/no-such-page'],
      ['forged-link-404', '/u/forged.token'],
    ];
  };

  /** The page's width as the reader scrolls it, against the window's. */
  const widths = (page: Page) =>
    page.evaluate(() => ({
      document: document.documentElement.scrollWidth,
      body: document.body.scrollWidth,
      window: window.innerWidth,
    }));

  for (const width of WIDTHS) {
    it(`every dashboard page and public page fits ${width} px without sideways scroll`, async () => {
      const { page: admin, errors } = await adminPage(browser, url, width, 900);
      const { page: reader } = await openPage(browser, width, 900);
      const tooWide: string[] = [];
      const visit = async (page: Page, name: string, path: string) => {
        const res = await page.goto(`${url}${path}`);
        expect(res, path).not.toBeNull();
        const w = await widths(page);
        if (w.document > w.window || w.body > w.window) tooWide.push(`${name} ${path}: ${w.document} px`);
        await page.screenshot({ path: join(shots, `${width}-${name}.png`), fullPage: true });
        return res!.status();
      };
      for (const [name, path] of adminPages()) {
        const status = await visit(admin, `admin-${name}`, path!);
        expect(status, path).toBe(name === 'admin-404' ? 404 : 200);
      }
      for (const [name, path] of publicPages()) {
        const status = await visit(reader, `public-${name}`, path!);
        expect(status, path).toBe(name!.endsWith('404') ? 404 : 200);
      }
      // The login page, logged out.
      await visit(reader, 'admin-login', '/admin/login');
      // The queue board is bull-board's own page (styled by it, not by us), measured all the same.
      await admin.goto(`${url}/admin/queues/`);
      await admin.getByText('Loading').waitFor({ state: 'detached' });
      const board = await widths(admin);
      if (board.document > board.window) tooWide.push(`queue board: ${board.document} px`);
      await admin.screenshot({ path: join(shots, `${width}-admin-queues.png`), fullPage: true });
      expect(tooWide).toEqual([]);
      expect(errors).toEqual([]);
      await admin.close();
      await reader.close();
    }, 120_000);
  }

  it('an operator round at 390 px: add, upload with mistakes, edit, forget, add a feed, collect, the queue board and back', async () => {
    const { page, errors } = await adminPage(browser, url, 390, 900);
    const flash = () => page.textContent('.flash');
    /** Clicks a form's button and waits for the page the POST's redirect leads to. */
    const submit = async (selector: string) => {
      const loaded = page.waitForEvent('load');
      await page.click(selector);
      await loaded;
    };

    await page.goto(`${url}/admin/subscribers`);
    await page.click('a[data-status=unsubscribed]');
    await page.waitForURL(/status=unsubscribed/);
    expect(await page.locator('table.subscriber-list tbody tr').count()).toBe(4);

    await page.fill('#add-email', 'walk-in@example.com');
    await page.check('input[name=topics][value=lunar]');
    await page.fill('#add-timezone', 'Europe/Lisbon');
    await submit('#add-submit');
    await page.waitForURL(/\/admin\/subscribers\/[A-Za-z0-9_-]+$/);
    expect(await flash()).toContain(
      'Added walk-in@example.com as pending: the confirmation email is on its way',
    );
    await page.screenshot({ path: join(shots, 'round-01-added.png'), fullPage: true });

    await page.fill('#pref-hour', '19');
    await page.selectOption('#pref-format', 'text');
    await submit('#save-preferences');
    expect(await flash()).toBe('Preferences saved.');
    expect((await c.subscribers.getByEmail('walk-in@example.com'))!).toMatchObject({
      hour: 19,
      format: 'text',
    });

    await page.click('#forget');
    await page.waitForURL(/\/forget$/);
    await page.screenshot({ path: join(shots, 'round-02-forget.png'), fullPage: true });
    await submit('#confirm-forget');
    await page.waitForURL(`${url}/admin/subscribers`);
    expect(await flash()).toContain('Forgotten: every record of walk-in@example.com is erased');
    expect(await c.subscribers.getByEmail('walk-in@example.com')).toBeUndefined();

    const csv = join(mkdtempSync(join(tmpdir(), 'nd-console-csv-')), 'readers.csv');
    writeFileSync(
      csv,
      'email,name,topics,timezone,hour\nann@example.com,Ann,lunar,Europe/Berlin,7\nbroken,Bob,,,\ncid@example.com,Cid,,EST,\ndee@example.com,Dee,,,31\neve@example.com,Eve,policy;markets,,\n',
    );
    await page.setInputFiles('#import-file', csv);
    await page.check('#import-confirmed');
    await submit('#import-submit');
    await page.waitForSelector('#import-report');
    expect(await page.textContent('[data-field=imported]')).toBe('2');
    expect(await page.textContent('[data-field=rejected]')).toBe('3');
    expect(await page.textContent('table.rejected')).toContain('EST');
    await page.screenshot({ path: join(shots, 'round-03-import-report.png'), fullPage: true });
    expect(await widths(page).then((w) => w.document <= w.window)).toBe(true);

    await page.goto(`${url}/admin/sources`);
    await page.fill('#source-url', 'https://feeds.example/new.xml');
    await page.check('#add-source input[name=topics][value=policy]');
    await submit('#add-source-submit');
    await page.waitForURL(`${url}/admin/sources`);
    expect(await flash()).toContain('Added https://feeds.example/new.xml.');
    await submit('li.source:has-text("atom.xml") button.collect');
    await page.waitForURL(`${url}/admin/sources`);
    expect(await flash()).toMatch(/^Collected .*atom\.xml: \d+ new, \d+ updated, \d+ unchanged\.$/);
    await page.screenshot({ path: join(shots, 'round-04-sources.png'), fullPage: true });
    await submit('li.source:has-text("feeds.example/new.xml") button.remove');
    await page.waitForURL(`${url}/admin/sources`);
    expect(await flash()).toContain('Removed https://feeds.example/new.xml.');

    // The queue board (bull-board's own page) has the way back in its header menu, on a phone too.
    await page.click('a[href="/admin/queues/"]');
    const back = page.locator('a[href="/admin"]', { hasText: 'Back to the dashboard' });
    await page.waitForSelector('header');
    if (!(await back.isVisible())) await page.locator('header ul li').last().locator('button').click();
    await back.click();
    await page.waitForURL(`${url}/admin`);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});

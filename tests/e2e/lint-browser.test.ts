/**
 * In Chromium (playwright-core on Debian's chromium), at 390 and 1280 px:
 * - the edition page's lint panel for a draft whose operator footer lost its unsubscribe link: it
 *   says "Not ready to send", lists the error per variant and shows each HTML part against 102 KB;
 * - a digest with images blocked: every image leaves a sized, calm box (the card's background), no
 *   collapsed link text, and the headline is not repeated by an alt text.
 * Screenshots go to artifactsDir('lint').
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { buildDeps } from '../../src/app/step-deps.ts';
import { defaultEditionId } from '../../src/delivery/edition-control.ts';
import { buildEdition } from '../../src/editions/build-edition.ts';
import { buildApp } from '../../src/http/app.ts';
import { loadPublication, SAMPLE_PUBLICATION_FILE } from '../../src/publication/load-publication.ts';
import { buildVariant } from '../../src/render/build-variant.ts';
import { compilePersonaliser } from '../../src/render/personalise.ts';
import { BUNDLED_TEMPLATES_DIR } from '../../src/render/template-set.ts';
import { FIXTURE_EDITION, friendlyArticles } from '../fixtures/articles.ts';
import { adminPage } from '../helpers/admin-browser.ts';
import { artifactsDir, launchChromium } from '../helpers/browser.ts';
import { createTestContainer } from '../helpers/container.ts';
import { seedArticles, seedSubscribers } from '../helpers/delivery-fixtures.ts';
import { cleanupPrefix } from '../helpers/redis.ts';

const WIDTHS = [390, 1280] as const;

function footerWithoutUnsubscribe(): string {
  // A whole templates folder (the pages' templates are not looked up file by file).
  const dir = mkdtempSync(join(tmpdir(), 'nd-lint-browser-'));
  cpSync(BUNDLED_TEMPLATES_DIR, dir, { recursive: true });
  const footer = readFileSync(join(BUNDLED_TEMPLATES_DIR, 'digest', 'partials', 'footer.mjml.hbs'), 'utf8');
  writeFileSync(
    join(dir, 'digest', 'partials', 'footer.mjml.hbs'),
    footer.replace(/ &middot; <a href="\{\{href links\.unsubscribe\}\}"[^>]*>[^<]*<\/a>/, ''),
  );
  return dir;
}

describe('lint panel and images in a browser', () => {
  let c: Container;
  let app: FastifyInstance;
  let browser: Browser;
  let url: string;
  let edition: string;
  const shots = artifactsDir('lint');

  beforeAll(async () => {
    // Nothing is mailed here: the relay address is never dialled.
    c = await createTestContainer({
      smtpUrl: 'smtp://127.0.0.1:9',
      env: { TEMPLATES_DIR: footerWithoutUnsubscribe() },
    });
    edition = defaultEditionId(c.publication, new Date());
    await seedArticles(c, edition);
    await seedSubscribers(c, 4);
    await buildEdition(buildDeps(c), edition, new Date());
    app = await buildApp(c);
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await cleanupPrefix(c.redis, c.prefix);
    await c.close();
  });

  it('the edition page shows the lint panel: not ready, the error per variant, sizes against 102 KB', async () => {
    for (const width of WIDTHS) {
      const { page } = await adminPage(browser, url, width, 900);
      await page.goto(`${url}/admin/editions/${edition}`);
      const panel = page.locator('#lint');
      await expect
        .poll(() => panel.locator('#lint-verdict').textContent())
        .toMatch(/Not ready to send\.\s+4 errors/);
      const findings = await panel.locator('.lint-findings li.error').allInnerTexts();
      expect(findings).toHaveLength(4);
      for (const f of findings) expect(f).toMatch(/no unsubscribe link in the HTML part/);
      expect(await panel.locator('.lint-variants tbody tr').count()).toBe(4);
      expect(await panel.locator('meter').first().getAttribute('max')).toBe('102');
      // The panel fits the phone's width (its table scrolls inside it).
      const box = (await panel.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(width);
      await panel.scrollIntoViewIfNeeded();
      await panel.screenshot({ path: join(shots, `lint-panel-${width}.png`) });
      await page.close();
    }
  });

  it('a digest with images blocked keeps sized, calm boxes where its images would be', async () => {
    const publication = loadPublication(SAMPLE_PUBLICATION_FILE);
    const variant = (await buildVariant({
      publication,
      edition: FIXTURE_EDITION,
      articles: friendlyArticles(),
      topics: [],
      locale: 'en-GB',
      webUrl: 'https://digest.test/editions/2026-W47',
    }))!;
    const { html } = compilePersonaliser(variant)({
      name: 'Ada',
      email: 'ada@example.com',
      unsubscribeUrl: 'https://digest.test/u/t',
      preferencesUrl: 'https://digest.test/p/t',
    });
    for (const width of WIDTHS) {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      // Images blocked, as a mail client does until the reader allows them.
      await page.route('**/*', (route) =>
        route.request().resourceType() === 'image' ? route.abort() : route.continue(),
      );
      await page.setContent(html, { waitUntil: 'load' });
      const boxes = await page.$$eval('img', (imgs) =>
        imgs.map((img) => {
          const holder = img.closest('.nd-img') as HTMLElement;
          const r = holder.getBoundingClientRect();
          return {
            width: r.width,
            height: r.height,
            background: getComputedStyle(holder).backgroundColor,
            attrs: [img.getAttribute('width'), img.getAttribute('height')],
            alt: img.alt,
            headline: img.closest('.nd-story')?.querySelector('h3')?.textContent ?? '',
            complete: img.complete && img.naturalWidth === 0,
          };
        }),
      );
      await page.screenshot({ path: join(shots, `digest-images-blocked-${width}.png`), fullPage: true });
      // The first screen alone, for a closer look at the boxes.
      await page.evaluate(() => document.querySelector('#topic-lunar')?.scrollIntoView());
      await page.screenshot({ path: join(shots, `digest-images-blocked-${width}-lunar.png`) });
      expect(boxes.length).toBeGreaterThan(1);
      for (const b of boxes) {
        expect(b.complete).toBe(true); // the image did not load
        expect(b.attrs.every((a) => Number(a) > 0)).toBe(true);
        expect(b.width).toBeGreaterThan(60);
        expect(b.height).toBeGreaterThan(40);
        expect(b.background).toBe('rgb(229, 231, 235)');
        expect(b.alt).not.toBe(b.headline);
      }
      await page.close();
    }
  });
});

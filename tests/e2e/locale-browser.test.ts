/**
 * German (long words) and Arabic (right to left) in Chromium at 375 and 800 px: the digest as a reader
 * gets it and the preference center. Nothing may overflow horizontally; Arabic pages and mails say
 * dir="rtl" and start their text on the right. Screenshots go to artifactsDir('locales').
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { buildApp } from '../../src/http/app.ts';
import { subscriberLinks } from '../../src/links/subscriber-links.ts';
import { loadPublication, SAMPLE_PUBLICATION_FILE } from '../../src/publication/load-publication.ts';
import { buildVariant } from '../../src/render/build-variant.ts';
import { compilePersonaliser } from '../../src/render/personalise.ts';
import { FIXTURE_EDITION, friendlyArticles } from '../fixtures/articles.ts';
import { artifactsDir, launchChromium } from '../helpers/browser.ts';
import { createTestContainer } from '../helpers/container.ts';
import { cleanupPrefix } from '../helpers/redis.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';

const WIDTHS = [375, 800];
const LOCALES = ['de', 'ar'] as const;

/** Elements whose box leaves the viewport sideways, and the page's scroll width. */
async function overflow(page: Page) {
  return page.evaluate(() => {
    const vw = document.documentElement.clientWidth;
    const offenders: string[] = [];
    for (const el of Array.from(document.body.querySelectorAll('*'))) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      if (r.right > vw + 0.5 || r.left < -0.5)
        offenders.push(
          `<${el.tagName.toLowerCase()} class="${el.getAttribute('class') ?? ''}"> ${r.left}..${r.right}`,
        );
    }
    return { vw, scrollWidth: document.documentElement.scrollWidth, offenders: offenders.slice(0, 10) };
  });
}

async function direction(page: Page) {
  return page.evaluate(() => ({
    dir: document.documentElement.getAttribute('dir'),
    lang: document.documentElement.getAttribute('lang'),
    h1Align: getComputedStyle(document.querySelector('h1')!).direction,
  }));
}

describe('languages in Chromium', () => {
  let sink: SmtpSink;
  let container: Container;
  let app: FastifyInstance;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    sink = await startSmtpSink();
    container = await createTestContainer({ smtpUrl: sink.url });
    app = await buildApp(container);
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    container.publicUrl = base;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await cleanupPrefix(container.redis, container.prefix);
    await container.close();
    await sink.stop();
  });

  it.each(LOCALES)('the %s digest fits 375 and 800 px, in its direction', async (locale) => {
    const publication = loadPublication(SAMPLE_PUBLICATION_FILE);
    const variant = (await buildVariant({
      publication,
      edition: FIXTURE_EDITION,
      articles: friendlyArticles(),
      topics: [],
      locale,
      webUrl: 'https://digest.test/editions/2026-W47',
    }))!;
    const { html } = compilePersonaliser(variant)({
      name: 'Leserin',
      email: 'leserin.mit.langer.adresse@beispiel-verlag.example',
      unsubscribeUrl: 'https://digest.test/u/token',
      preferencesUrl: 'https://digest.test/p/token',
    });
    for (const width of WIDTHS) {
      const context = await browser.newContext({
        viewport: { width, height: 900 },
        javaScriptEnabled: false,
      });
      const page = await context.newPage();
      // Images blocked (the default of many mail clients): the sized boxes must hold the layout.
      await page.route('**/*', (route) => route.abort());
      await page.setContent(html, { waitUntil: 'load' });
      const d = await direction(page);
      expect(d.lang).toBe(locale);
      expect(d.dir).toBe(locale === 'ar' ? 'rtl' : 'ltr');
      expect(d.h1Align).toBe(locale === 'ar' ? 'rtl' : 'ltr');
      const o = await overflow(page);
      expect(o.offenders, `${locale} ${width}px`).toEqual([]);
      expect(o.scrollWidth, `${locale} ${width}px`).toBeLessThanOrEqual(o.vw);
      await page.screenshot({
        path: join(artifactsDir('locales'), `digest-${locale}-${width}.png`),
        fullPage: true,
      });
      // The first screen alone too: a whole digest scales down to an unreadable strip in a viewer.
      await page.screenshot({ path: join(artifactsDir('locales'), `digest-${locale}-${width}-top.png`) });
      await context.close();
    }
  });

  it.each(LOCALES)(
    'the %s preference center fits 375 and 800 px, in its direction, and saves',
    async (locale) => {
      const { subscriber } = await container.subscribers.create(
        {
          email: `${locale}.leser.mit.einer.langen.adresse@example.com`,
          status: 'active',
          timezone: 'Europe/Berlin',
          hour: 8,
          locale,
        },
        'admin',
      );
      const links = subscriberLinks(base, subscriber.id, container.linkKeys, Math.floor(Date.now() / 1000));
      for (const width of WIDTHS) {
        const context = await browser.newContext({
          viewport: { width, height: 900 },
          timezoneId: 'Europe/Berlin',
        });
        const page = await context.newPage();
        await page.goto(links.preferences);
        const d = await direction(page);
        expect(d.dir).toBe(locale === 'ar' ? 'rtl' : 'ltr');
        expect(d.lang).toBe(locale);
        expect(await page.title()).toContain(locale === 'de' ? 'Ihre Einstellungen' : 'تفضيلاتك');
        const o = await overflow(page);
        expect(o.offenders, `${locale} ${width}px`).toEqual([]);
        expect(o.scrollWidth, `${locale} ${width}px`).toBeLessThanOrEqual(o.vw);
        await page.screenshot({
          path: join(artifactsDir('locales'), `preferences-${locale}-${width}.png`),
          fullPage: true,
        });
        await context.close();
      }
      // Saving from the page keeps the language and answers in it.
      const context = await browser.newContext({
        viewport: { width: 375, height: 900 },
        timezoneId: 'Europe/Berlin',
      });
      const page = await context.newPage();
      await page.goto(links.preferences);
      await page.locator('#hour').selectOption('7');
      await page.locator('form button[type=submit]').first().click();
      await page.getByRole('status').waitFor();
      const notice = (await page.getByRole('status').textContent()) ?? '';
      expect(notice).toContain(locale === 'de' ? 'Gespeichert.' : 'تم الحفظ.');
      // The change reads in the page's direction: before, then after.
      expect(notice).toContain(locale === 'de' ? 'Uhrzeit: 08:00 → 07:00' : 'الساعة: 08:00 ← 07:00');
      expect((await container.subscribers.get(subscriber.id))!.locale).toBe(locale);
      await page.screenshot({
        path: join(artifactsDir('locales'), `preferences-${locale}-saved.png`),
        fullPage: true,
      });
      await context.close();
    },
  );
});

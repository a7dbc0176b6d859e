/**
 * What a reader reads in Chromium is in their language: a German reader whose preference form comes
 * back refused reads why in German (390 px, a phone); an Arabic reader goes from the sign-up form to
 * the confirmation mail, the confirm, preference and unsubscribe pages and the digest, all right to left
 * and in Arabic, at 390 and 1280 px. Screenshots go to artifactsDir('reader-language').
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

const WIDTHS = [390, 1280];
// The English words of the reader's pages and mails: none may show through in another language.
const ENGLISH = /\b(Subscribe|Unsubscribe|Confirm|preferences|Preferences|Please|email address|Save|Week)\b/;

/** Direction, language, sideways overflow and the English words left on a page. */
async function readPage(page: Page) {
  return page.evaluate(() => {
    const html = document.documentElement;
    const vw = html.clientWidth;
    const wide = Array.from(document.body.querySelectorAll('*'))
      .filter((el) => {
        const r = el.getBoundingClientRect();
        return r.width > 0 && r.height > 0 && (r.right > vw + 0.5 || r.left < -0.5);
      })
      .map((el) => el.tagName.toLowerCase())
      .slice(0, 5);
    return {
      dir: html.getAttribute('dir'),
      lang: html.getAttribute('lang'),
      headingDirection: getComputedStyle(document.querySelector('h1') ?? document.body).direction,
      wide,
      fits: html.scrollWidth <= vw,
      text: (() => {
        // What the reader reads: the body's text without its script and style.
        const body = document.body.cloneNode(true) as HTMLElement;
        for (const el of Array.from(body.querySelectorAll('script, style'))) el.remove();
        return body.textContent ?? '';
      })(),
    };
  });
}

describe('a reader’s language in Chromium', () => {
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

  it('a refused German preference form lists its reasons in German at 390 px', async () => {
    const { subscriber } = await container.subscribers.create(
      { email: 'greta@example.com', status: 'active', timezone: 'Europe/Berlin', hour: 8, locale: 'de' },
      'admin',
    );
    const links = subscriberLinks(base, subscriber.id, container.linkKeys, Math.floor(Date.now() / 1000));
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'de-DE' });
    const page = await context.newPage();
    await page.goto(links.preferences);
    // What a crafted or outdated form posts: a name over the limit, an hour and a zone the lists lack.
    await page.evaluate(() => {
      const name = document.querySelector<HTMLInputElement>('#name')!;
      name.removeAttribute('maxlength');
      name.value = 'G'.repeat(120);
      for (const [id, value] of [
        ['hour', '25'],
        ['timezone', 'Mars/Olympus_Mons'],
      ] as const) {
        const select = document.querySelector<HTMLSelectElement>(`#${id}`)!;
        select.add(new Option(value, value, true, true));
      }
    });
    await page.locator('form button[type=submit]').first().click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('de');
    expect(await alert.locator('li').allTextContents()).toEqual([
      'Der Name ist zu lang (höchstens 100 Zeichen).',
      '„Mars/Olympus_Mons“ ist keine Zeitzone, die wir kennen: Bitte wählen Sie eine aus der Liste.',
      'Bitte wählen Sie eine Uhrzeit von 00:00 bis 23:00.',
    ]);
    expect(await alert.textContent()).toContain('Nicht gespeichert:');
    const fits = await page.evaluate(
      () => document.documentElement.scrollWidth <= document.documentElement.clientWidth,
    );
    expect(fits).toBe(true);
    await page.screenshot({ path: join(artifactsDir('reader-language'), 'preferences-de-refused-390.png') });
    expect((await container.subscribers.get(subscriber.id))!.hour).toBe(8);
    await context.close();
  });

  it('an Arabic reader signs up, confirms, manages and reads the digest right to left at 390 and 1280 px', async () => {
    const shots = artifactsDir('reader-language');
    const check = async (page: Page, name: string, width: number) => {
      const r = await readPage(page);
      expect(r.dir, `${name} ${width}`).toBe('rtl');
      expect(r.lang, `${name} ${width}`).toBe('ar');
      expect(r.headingDirection, `${name} ${width}`).toBe('rtl');
      expect(r.wide, `${name} ${width}`).toEqual([]);
      expect(r.fits, `${name} ${width}`).toBe(true);
      expect(r.text, `${name} ${width}`).not.toMatch(ENGLISH);
      await page.screenshot({ path: join(shots, `${name}-ar-${width}.png`), fullPage: true });
      return r.text;
    };
    const contexts = await Promise.all(
      WIDTHS.map((width) => browser.newContext({ viewport: { width, height: 900 }, locale: 'ar' })),
    );
    const pages = await Promise.all(contexts.map((c) => c.newPage()));

    // The sign-up form in Arabic, and its answer.
    sink.messages.length = 0;
    for (const [i, page] of pages.entries()) {
      await page.goto(`${base}/subscribe?locale=ar`);
      expect(await check(page, 'subscribe', WIDTHS[i]!)).toContain('اشترك في Orbit Weekly');
    }
    await pages[0]!.locator('#email').fill('layla@example.com');
    await pages[0]!.locator('form button[type=submit]').click();
    await pages[0]!.getByRole('heading', { name: 'تفقّد بريدك الوارد' }).waitFor();
    await check(pages[0]!, 'subscribe-sent', 390);

    // The confirmation mail, as a mail client shows its HTML.
    await sink.waitFor(1);
    const mail = sink.messages[0]!.parsed;
    expect(mail.subject).toBe('أكّد اشتراكك في Orbit Weekly');
    for (const [i, page] of pages.entries()) {
      await page.setContent(String(mail.html), { waitUntil: 'load' });
      expect(await check(page, 'confirmation-mail', WIDTHS[i]!)).toContain('يُرجى تأكيد اشتراكك');
    }
    const confirmPath = new URL(/https?:\/\/\S+\/c\/[\w.-]+/.exec(mail.text ?? '')![0]).pathname;

    // Confirm: the question, then the answer.
    for (const [i, page] of pages.entries()) {
      await page.goto(`${base}${confirmPath}`);
      await check(page, 'confirm', WIDTHS[i]!);
    }
    await pages[0]!.locator('form button[type=submit]').click();
    await pages[0]!.getByRole('heading', { name: 'تم اشتراكك' }).waitFor();
    await check(pages[0]!, 'confirmed', 390);
    const layla = (await container.subscribers.getByEmail('layla@example.com'))!;
    expect(layla).toMatchObject({ status: 'active', locale: 'ar' });

    // Preferences and unsubscribe.
    const links = subscriberLinks(base, layla.id, container.linkKeys, Math.floor(Date.now() / 1000));
    for (const [i, page] of pages.entries()) {
      await page.goto(links.preferences);
      expect(await check(page, 'preferences', WIDTHS[i]!)).toContain('تفضيلاتك');
      await page.goto(links.unsubscribe);
      expect(await check(page, 'unsubscribe', WIDTHS[i]!)).toContain('إلغاء الاشتراك في Orbit Weekly؟');
    }

    // The digest she gets, with her dates (Riyadh).
    const variant = (await buildVariant({
      publication: loadPublication(SAMPLE_PUBLICATION_FILE),
      edition: FIXTURE_EDITION,
      articles: friendlyArticles(),
      topics: [],
      locale: 'ar',
      webUrl: 'https://digest.test/editions/2026-W47',
    }))!;
    const { html } = compilePersonaliser(variant)({
      name: 'ليلى',
      email: 'layla@example.com',
      unsubscribeUrl: links.unsubscribe,
      preferencesUrl: links.preferences,
      timezone: 'Asia/Riyadh',
    });
    for (const [i, page] of pages.entries()) {
      await page.route('**/*.{png,jpg,jpeg,webp,gif}', (route) => route.abort());
      await page.setContent(html, { waitUntil: 'load' });
      const text = await check(page, 'digest', WIDTHS[i]!);
      expect(text).toContain('أبرز الأخبار');
      await page.screenshot({ path: join(shots, `digest-ar-${WIDTHS[i]}-top.png`) });
    }
    for (const c of contexts) await c.close();
  });
});

/**
 * What a reader reads in Chromium is in their language: a German reader whose preference form comes
 * back refused reads why in German (390 px, a phone). Screenshots go to artifactsDir('reader-language').
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { buildApp } from '../../src/http/app.ts';
import { subscriberLinks } from '../../src/links/subscriber-links.ts';
import { artifactsDir, launchChromium } from '../helpers/browser.ts';
import { createTestContainer } from '../helpers/container.ts';
import { cleanupPrefix } from '../helpers/redis.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';

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
});

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

describe('preference center in Chromium', () => {
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

  it("fills the form (the browser's timezone picked from the suggestion), saves, and the store holds the new state", async () => {
    const { subscriber } = await container.subscribers.create(
      { email: 'browser@example.com', status: 'active', timezone: 'Europe/Berlin', hour: 8, locale: 'en-GB' },
      'admin',
    );
    const links = subscriberLinks(base, subscriber.id, container.linkKeys, Math.floor(Date.now() / 1000));
    const context = await browser.newContext({
      timezoneId: 'America/New_York',
      viewport: { width: 390, height: 844 },
      javaScriptEnabled: true,
    });
    const page = await context.newPage();
    await page.goto(links.preferences);
    expect(await page.title()).toContain('Your preferences');
    // The tiny script offers the browser's zone to a subscriber still on the publication's default;
    // only her click applies it.
    await expect.poll(() => page.locator('#timezone-hint').isVisible()).toBe(true);
    expect(await page.locator('#timezone').inputValue()).toBe('Europe/Berlin');
    await page.getByRole('button', { name: 'America/New_York' }).click();
    expect(await page.locator('#timezone').inputValue()).toBe('America/New_York');

    // Every control is reachable by its label.
    await page.getByLabel('Name').fill('Browser Person');
    await page.getByLabel('Lunar').check();
    await page.getByLabel('Markets').check();
    await page.getByLabel('Pause for 2 weeks').check();
    await page.getByLabel('Plain text only').check();
    await page.getByLabel('Hour').selectOption('7');
    // Keyboard order follows the page: from the name field, Tab reaches the first topic.
    await page.getByLabel('Name').focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.value)).toBe(
      'lunar',
    );

    await page.getByRole('button', { name: 'Save preferences' }).click();
    await page.getByRole('status').waitFor();
    // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText, the text a reader sees
    const notice = await page.getByRole('status').innerText();
    expect(notice).toContain('Topics: everything → Lunar and Markets');
    expect(notice).toContain('Time zone: Europe/Berlin → America/New_York');
    expect(notice).toContain('Hour: 08:00 → 07:00');
    await page.screenshot({ path: join(artifactsDir('preference-center'), 'saved.png'), fullPage: true });

    const saved = (await container.subscribers.get(subscriber.id))!;
    expect(saved).toMatchObject({
      name: 'Browser Person',
      topics: ['lunar', 'markets'],
      format: 'text',
      timezone: 'America/New_York',
      hour: 7,
      status: 'active',
    });
    const pauseDays = (Date.parse(saved.pausedUntil!) - Date.now()) / 86_400_000;
    expect(pauseDays).toBeGreaterThan(13.9);
    expect(pauseDays).toBeLessThan(14.1);
    const last = (await container.subscribers.history(subscriber.id)).at(-1)!;
    expect(last).toMatchObject({ origin: 'link', event: 'preferences' });

    // After saving, the form shows the saved state, and the pause is offered to keep.
    expect(await page.getByLabel('Lunar').isChecked()).toBe(true);
    expect(await page.getByLabel(/Paused until/).isChecked()).toBe(true);
    await context.close();
  });

  it('a reader who changes only her topics keeps her time zone, whatever zone her browser is in', async () => {
    const { subscriber } = await container.subscribers.create(
      { email: 'abroad@example.com', status: 'active', timezone: 'Europe/Berlin', hour: 8, locale: 'en-GB' },
      'admin',
    );
    const links = subscriberLinks(base, subscriber.id, container.linkKeys, Math.floor(Date.now() / 1000));
    const context = await browser.newContext({
      timezoneId: 'America/New_York',
      viewport: { width: 1280, height: 900 },
    });
    const page = await context.newPage();
    await page.goto(links.preferences);
    await expect.poll(() => page.locator('#timezone-hint').isVisible()).toBe(true);
    await page.getByLabel('Lunar').check();
    await page.getByRole('button', { name: 'Save preferences' }).click();
    await page.getByRole('status').waitFor();
    // biome-ignore lint/performance/useDomNodeTextContent: Playwright's innerText, the text a reader sees
    const notice = await page.getByRole('status').innerText();
    expect(notice).toContain('Topics: everything → Lunar');
    expect(notice).not.toContain('Time zone');
    expect(notice).not.toContain('Language');
    await page.screenshot({
      path: join(artifactsDir('preference-center'), 'suggestion-kept.png'),
      fullPage: true,
    });
    expect(await container.subscribers.get(subscriber.id)).toMatchObject({
      topics: ['lunar'],
      timezone: 'Europe/Berlin',
      hour: 8,
    });
    await context.close();
  });

  it('works without JavaScript: unsubscribe and subscribe again from the same page', async () => {
    const { subscriber } = await container.subscribers.create(
      { email: 'nojs@example.com', status: 'active', timezone: 'Asia/Tokyo', hour: 9, locale: 'en-GB' },
      'admin',
    );
    const links = subscriberLinks(base, subscriber.id, container.linkKeys, Math.floor(Date.now() / 1000));
    const context = await browser.newContext({ javaScriptEnabled: false, timezoneId: 'Europe/Paris' });
    const page = await context.newPage();
    await page.goto(links.preferences);
    // No script: the stored zone stays selected.
    expect(await page.locator('#timezone').inputValue()).toBe('Asia/Tokyo');
    await page.getByRole('button', { name: /Unsubscribe from/ }).click();
    await page.getByRole('button', { name: 'Subscribe again' }).waitFor();
    expect((await container.subscribers.get(subscriber.id))!.status).toBe('unsubscribed');
    await page.getByRole('button', { name: 'Subscribe again' }).click();
    await page.getByRole('button', { name: 'Save preferences' }).waitFor();
    expect((await container.subscribers.get(subscriber.id))!.status).toBe('active');
    const events = (await container.subscribers.history(subscriber.id)).map((h) => h.event);
    expect(events).toEqual(['created', 'unsubscribed', 'resubscribed']);
    await context.close();
  });
});

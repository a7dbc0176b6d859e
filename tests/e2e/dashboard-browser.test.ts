/**
 * The dashboard in Chromium (playwright-core on Debian's chromium): log in, start the send of a seeded
 * edition now (not at the readers' hours) and its confirmation step, watch the live progress bar reach 100%, and
 * compare the counts on the page with `editionStatus` (what `digest status --json` prints).
 * Screenshots go to artifactsDir('dashboard') (CI keeps them).
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { type RunningWorkers, startWorkers } from '../../src/app/start-workers.ts';
import { buildDeps, controlDeps } from '../../src/app/step-deps.ts';
import { defaultEditionId, editionStatus } from '../../src/delivery/edition-control.ts';
import { buildEdition } from '../../src/editions/build-edition.ts';
import { buildApp } from '../../src/http/app.ts';
import { openPage } from '../helpers/admin-browser.ts';
import { artifactsDir, launchChromium } from '../helpers/browser.ts';
import { createTestContainer } from '../helpers/container.ts';
import { seedArticles, seedSubscribers } from '../helpers/delivery-fixtures.ts';
import { cleanupPrefix } from '../helpers/redis.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';

const TOKEN = 'test-admin-token-0123456789';
const SUBSCRIBERS = 60;

describe('dashboard in a browser', () => {
  let sink: SmtpSink;
  let c: Container;
  let app: FastifyInstance;
  let workers: RunningWorkers;
  let browser: Browser;
  let url: string;
  let edition: string;
  const shots = artifactsDir('dashboard');

  beforeAll(async () => {
    // Every 7th address answers 550 at RCPT, so the error breakdown has a row.
    sink = await startSmtpSink({ onRcpt: (a) => (/^reader\d*[07]@/.test(a) ? 550 : undefined) });
    c = await createTestContainer({ smtpUrl: sink.url, env: { SEND_BATCH_SIZE: '10', SEND_RATE: '40' } });
    edition = defaultEditionId(c.publication, new Date());
    await seedArticles(c, edition);
    await seedSubscribers(c, SUBSCRIBERS, (i) => (i % 10 === 9 ? 'unsubscribed' : 'active'));
    await buildEdition(buildDeps(c), edition, new Date());
    workers = await startWorkers(c, { workers: true, scheduler: false });
    app = await buildApp(c);
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await workers?.stop();
    await app?.close();
    await cleanupPrefix(c.redis, c.prefix);
    await c.close();
    await sink.stop();
  });

  it('logs in, sends the edition with confirmation, sees the bar reach 100% and counts that match the ledger', async () => {
    const { page, errors } = await openPage(browser, 1200, 1000);

    await page.goto(`${url}/admin`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    await page.fill('#token', 'wrong-token-000000000');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('[role=alert]')).toContain('not valid');
    await page.fill('#token', TOKEN);
    await page.click('button[type=submit]');
    await page.waitForURL(`${url}/admin`);
    await page.screenshot({ path: join(shots, '01-editions.png'), fullPage: true });

    await page.click(`a[href="/admin/editions/${edition}"]`);
    await page.waitForSelector('#send-now');
    // The form offers the readers' hours first; this test sends to everyone now.
    expect(await page.isChecked('#send-at-hours')).toBe(true);
    await page.check('#send-immediately');
    await page.check('input[name=force]');
    await page.click('#send-now');
    await page.waitForURL(/\/confirm\?action=send/);
    expect(await page.textContent('main')).toContain(
      `This mails ${SUBSCRIBERS - SUBSCRIBERS / 10} subscriber(s) now`,
    );
    await page.screenshot({ path: join(shots, '02-confirm.png'), fullPage: true });
    await page.click('#confirm');
    await page.waitForURL(`${url}/admin/editions/${edition}`);
    // The status the page was rendered with (live.js updates the numbers, not this attribute).
    const renderedWith = await page.locator('#progress').getAttribute('data-status');

    // Live updates: the bar moves without a reload (SEND_RATE keeps the send going for a while).
    const progress = page.locator('#send-progress');
    await expect
      .poll(() => progress.evaluate((el) => (el as HTMLProgressElement).value), { timeout: 10_000 })
      .toBeGreaterThan(0);
    await page.screenshot({ path: join(shots, '03-sending.png'), fullPage: true });
    await expect
      .poll(() => progress.evaluate((el) => (el as HTMLProgressElement).value), {
        timeout: 60_000,
        interval: 500,
      })
      .toBe(100);
    await expect.poll(() => page.textContent('[data-field=status]'), { timeout: 15_000 }).toBe('sent');
    // Buttons rendered for `sending` no longer apply: the page offers a reload instead of going stale.
    if (renderedWith === 'sending') await page.waitForSelector('#status-changed:not([hidden])');
    await page.screenshot({ path: join(shots, '04-sent.png'), fullPage: true });

    const truth = await editionStatus(controlDeps(c), edition, new Date());
    expect(truth.status).toBe('sent');
    const shown: Record<string, number> = {};
    for (const cell of await page.locator('[data-count]').all())
      shown[(await cell.getAttribute('data-count'))!] = Number(await cell.textContent());
    expect(shown).toEqual({
      eligible: truth.eligible,
      sent: truth.sent,
      skipped: truth.skipped,
      bounced: truth.bounced,
      failed: truth.failed,
      uncertain: truth.uncertain,
      cancelled: truth.cancelled,
      pending: truth.pending,
      retry: truth.retry,
      sending: truth.sending,
    });
    expect(truth.sent).toBe(sink.messages.length);
    expect(truth.bounced).toBeGreaterThan(0);
    // The error breakdown shows the 550s and the chart has bars.
    // The breakdown comes from the send timeline, which workers flush to Redis about once a second, so it
    // may land after the page stopped updating a finished edition: look again until it is there.
    await expect
      .poll(
        async () => {
          await page.reload();
          return page.textContent('[data-field=errors]');
        },
        { timeout: 10_000, interval: 1_000 },
      )
      .toContain('550');
    expect(await page.locator('[data-field=chart] svg rect').count()).toBeGreaterThan(0);

    await page.goto(`${url}/admin/subscribers`);
    await page.screenshot({ path: join(shots, '05-subscribers.png'), fullPage: true });
    await page.goto(`${url}/admin/queues/`);
    await page.waitForSelector('text=send', { timeout: 15_000 });
    await page.screenshot({ path: join(shots, '06-queues.png'), fullPage: true });
    expect(errors).toEqual([]);
  }, 120_000);
});

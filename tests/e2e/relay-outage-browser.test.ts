/**
 * The edition page during a relay outage, in Chromium at 390 and 1280 px: the live notice says "relay
 * unreachable since HH:MM UTC, next try in N s (last error: ...)" while the relay refuses connections,
 * and goes away by itself once the relay (STARTTLS) answers and the edition is sent. Screenshots go to
 * artifactsDir('relay-outage').
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { type RunningWorkers, startWorkers } from '../../src/app/start-workers.ts';
import { controlDeps } from '../../src/app/step-deps.ts';
import { defaultEditionId, startSend } from '../../src/delivery/edition-control.ts';
import { buildApp } from '../../src/http/app.ts';
import { adminPage } from '../helpers/admin-browser.ts';
import { artifactsDir, launchChromium } from '../helpers/browser.ts';
import { createTestContainer } from '../helpers/container.ts';
import { seedArticles, seedSubscribers } from '../helpers/delivery-fixtures.ts';
import { cleanupPrefix } from '../helpers/redis.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';

describe('relay outage on the edition page', () => {
  let port: number;
  let sink: SmtpSink | undefined;
  let c: Container;
  let app: FastifyInstance;
  let workers: RunningWorkers;
  let browser: Browser;
  let url: string;
  let edition: string;
  const shots = artifactsDir('relay-outage');

  beforeAll(async () => {
    const probe = createServer();
    await new Promise<void>((res) => probe.listen(0, '127.0.0.1', () => res()));
    const addr = probe.address();
    port = typeof addr === 'object' && addr ? addr.port : 0;
    await new Promise((r) => probe.close(() => r(undefined)));
    c = await createTestContainer({ smtpUrl: `smtp://127.0.0.1:${port}`, env: { SEND_BATCH_SIZE: '10' } });
    edition = defaultEditionId(c.publication, new Date());
    await seedArticles(c, edition);
    await seedSubscribers(c, 20);
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
    await sink?.stop();
  });

  it('shows the outage while it lasts and clears it when the relay answers', async () => {
    await startSend(controlDeps(c), edition, { immediate: true, force: true, now: new Date() });
    const { page, errors } = await adminPage(browser, url, 1280, 900);
    await page.goto(`${url}/admin/editions/${edition}`);

    const notice = page.locator('[data-field=relay]');
    await expect.poll(() => notice.isVisible(), { timeout: 20_000 }).toBe(true);
    expect(await notice.textContent()).toMatch(
      /^relay unreachable since \d\d:\d\d UTC, next try in \d+ s \(last error: connection refused \(ECONNREFUSED\)\)$/,
    );
    await page.screenshot({ path: join(shots, '01-outage-1280.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(shots, '02-outage-390.png'), fullPage: true });
    const box = await notice.boundingBox();
    expect(box!.width).toBeLessThanOrEqual(390);

    sink = await startSmtpSink({}, { port });
    await expect.poll(() => page.textContent('[data-field=status]'), { timeout: 60_000 }).toBe('sent');
    await expect.poll(() => notice.isVisible(), { timeout: 10_000 }).toBe(false);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.screenshot({ path: join(shots, '03-sent-1280.png'), fullPage: true });
    expect(sink.messages).toHaveLength(20);
    expect(errors).toEqual([]);
  }, 120_000);
});

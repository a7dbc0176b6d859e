/**
 * The operator's path of README ("Running your own publication"), walked as a person would: the demo
 * (`digest start` on the embedded defaults in a fresh data dir) → their own publication file (`digest
 * publication adopt`) → sources (the dashboard: add a feed, collect now) → import with mistakes (the
 * dashboard's CSV upload and its row report) → a draft → a test send → the send at the readers' hours →
 * watching its progress (the edition page, and `digest status`) → an export (`digest subscribers
 * export`). Real processes (`digest start`, the CLI), the embedded Redis and outbox, Debian's Chromium;
 * screenshots at 390 and 1280 px in artifactsDir('operator-walkthrough'), and no page wider than
 * its window.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dueTime } from '../../src/core/due-time.ts';
import { previousEditionId } from '../../src/core/edition-window.ts';
import { ADMIN_TOKEN, adminPage } from '../helpers/admin-browser.ts';
import { artifactsDir, launchChromium } from '../helpers/browser.ts';
import { DIGEST_BIN } from '../helpers/cli.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'nd-walkthrough-data-'));
const folder = mkdtempSync(join(tmpdir(), 'nd-walkthrough-acme-'));
const acmeFile = join(folder, 'acme.json');
const shots = artifactsDir('operator-walkthrough');
const NOW = new Date();
// The publication's week starts today (UTC), so last week's edition is due today: some readers' hours
// have passed (sent at once), others are still ahead (sent later), whatever the day of the run.
const WEEK_STARTS_ON = NOW.getUTCDay();
const EDITION = previousEditionId(NOW, 'UTC', WEEK_STARTS_ON as 0);
const SEND_DATE = NOW.toISOString().slice(0, 10);

/** The environment of every `digest` this operator runs: the embedded defaults, a fixed admin token. */
const baseEnv = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '/root',
  DATA_DIR: dataDir,
  ADMIN_TOKEN,
  LOG_LEVEL: 'warn',
  DIGEST_FROM_SOURCE: '1',
};
const acmeEnv = { ...baseEnv, PUBLICATION_FILE: acmeFile };

function digest(env: Record<string, string>, ...args: string[]) {
  const r = spawnSync(process.execPath, [DIGEST_BIN, ...args], { env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr.replace(/^\{"level":.*\n/gm, '') };
}

interface Running {
  child: ChildProcess;
  out: () => string;
  url: string;
}

/** `digest start`, ready once it prints its URLs; any free HTTP and inbound SMTP port. */
async function start(env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, [DIGEST_BIN, 'start'], {
    env: { ...env, PORT: '0', INBOUND_SMTP_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`digest start: no start within 90 s:\n${out}`)), 90_000);
    child.stdout!.on('data', () => {
      if (out.includes('Stop with Ctrl-C')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`digest start exited ${code}:\n${out}`)));
  });
  const url = /Admin:\s+(http:\/\/127\.0\.0\.1:\d+)\/admin/.exec(out)?.[1];
  if (!url) throw new Error(`no admin URL in:\n${out}`);
  return { child, out: () => out, url };
}

async function stop(r: Running | undefined): Promise<void> {
  if (!r || r.child.exitCode !== null) return;
  const exited = new Promise((res) => r.child.once('exit', res));
  r.child.kill('SIGINT');
  await exited;
}

/** An RSS feed of `items` (title, topic category, days before today), dated inside last week. */
function feedXml(site: string, items: Array<[string, string, number]>): string {
  const rows = items
    .map(
      ([title, category, daysAgo], i) => `
    <item>
      <title>${title}</title>
      <link>${site}/stories/${i + 1}-${category}</link>
      <guid>${site}/stories/${i + 1}-${category}</guid>
      <pubDate>${new Date(Date.UTC(NOW.getUTCFullYear(), NOW.getUTCMonth(), NOW.getUTCDate()) - daysAgo * 86_400_000 + 9 * 3_600_000).toUTCString()}</pubDate>
      <category>${category}</category>
      <description>${title}. What happened, and why it matters this week.</description>
    </item>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Acme</title><link>${site}/</link><description>Acme stories</description>${rows}
</channel></rss>`;
}

/** A reader whose delivery hour on the send date is `when` (past or future) in one of these zones. */
function readerHour(zones: string[], when: (due: number) => boolean): { timezone: string; hour: number } {
  for (const timezone of zones)
    for (let hour = 0; hour < 24; hour++)
      if (when(dueTime(SEND_DATE, hour, timezone).getTime())) return { timezone, hour };
  throw new Error(`no hour fits in ${zones.join(', ')}`);
}

const now = NOW.getTime();
const dueNow = (due: number) => due < now - 10 * 60_000;
const laterBy = (hours: number) => (due: number) => due > now + hours * 3_600_000;
const READERS = [
  { email: 'tomo@readers.example', name: 'Tomo', topics: 'orbit', ...readerHour(['Asia/Tokyo'], dueNow) },
  { email: 'priya@readers.example', name: 'Priya', topics: '', ...readerHour(['Asia/Kolkata'], dueNow) },
  {
    email: 'anna@readers.example',
    name: 'Anna',
    topics: 'orbit;business',
    ...readerHour(['Europe/Berlin', 'America/New_York'], laterBy(1)),
  },
  {
    email: 'maya@readers.example',
    name: 'Maya',
    topics: 'business',
    ...readerHour(['America/New_York', 'America/Los_Angeles'], laterBy(3)),
  },
  {
    email: 'luis@readers.example',
    name: 'Luis',
    topics: 'orbit',
    timezone: 'America/Los_Angeles',
    hour: 23,
  },
  // Nothing about policy this week: skipped at the build, and the progress says why.
  { email: 'max@readers.example', name: 'Max', topics: 'policy', ...readerHour(['Asia/Tokyo'], dueNow) },
];

let browser: Browser;
let feedServer: Server;
let feedUrl: string;
let demo: Running | undefined;
let acme: Running | undefined;

beforeAll(async () => {
  browser = await launchChromium();
  // A second feed of the operator's, on a web server (this test's, on 127.0.0.1).
  const extra = feedXml('https://acme.example', [
    ['Acme signs a launch contract', 'business', 2],
    ['Satellite makers raise money', 'business', 3],
  ]);
  feedServer = createServer((req, res) => {
    res.writeHead(req.url === '/extra.xml' ? 200 : 404, { 'content-type': 'application/rss+xml' });
    res.end(req.url === '/extra.xml' ? extra : '');
  });
  await new Promise<void>((r) => feedServer.listen(0, '127.0.0.1', r));
  feedUrl = `http://127.0.0.1:${(feedServer.address() as { port: number }).port}/extra.xml`;
}, 60_000);

afterAll(async () => {
  await stop(demo);
  await stop(acme);
  await browser?.close();
  await new Promise((r) => feedServer?.close(r));
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(folder, { recursive: true, force: true });
});

/** Full-page screenshots of the page at both widths (a second, narrow page opens the same URL). */
async function shoot(wide: Page, name: string): Promise<void> {
  const path = new URL(wide.url()).pathname + new URL(wide.url()).search;
  await wide.screenshot({ path: join(shots, `${name}-1280.png`), fullPage: true });
  const narrow = await adminPage(browser, new URL(wide.url()).origin, 390, 844);
  try {
    await narrow.page.goto(`${new URL(wide.url()).origin}${path}`);
    const width = await narrow.page.evaluate(() => document.documentElement.scrollWidth);
    expect(width, `${name} at 390 px`).toBeLessThanOrEqual(390);
    await narrow.page.screenshot({ path: join(shots, `${name}-390.png`), fullPage: true });
    expect(narrow.errors).toEqual([]);
  } finally {
    await narrow.page.close();
  }
}

describe('the operator walk-through', () => {
  it('demo → own publication → sources → import → draft → test send → send at the readers’ hours → progress → export', async () => {
    // 1. The demo: `digest start` on a fresh data dir sends the sample to its outbox.
    demo = await start(baseEnv);
    expect(demo.out()).toMatch(/Sample:\s+\d+ articles collected, \d+ demo subscribers/);
    const d = await adminPage(browser, demo.url);
    await d.page.goto(`${demo.url}/admin/outbox`);
    await expect.poll(() => d.page.locator('table a').count(), { timeout: 60_000 }).toBeGreaterThan(0);
    await shoot(d.page, '01-demo-outbox');
    await d.page.close();
    await stop(demo);

    // 2. Their own publication file (their feed beside it), and the data dir moved to it on purpose.
    writeFileSync(
      join(folder, 'acme-feed.xml'),
      feedXml('https://acme.example', [
        ['The new capsule docks', 'orbit', 1],
        ['A lander finds ice', 'orbit', 2],
        ['Launch window for the Mars probe', 'orbit', 4],
        ['Space insurers count the cost', 'business', 5],
      ]),
    );
    writeFileSync(
      acmeFile,
      JSON.stringify({
        id: 'acme-news',
        name: 'Acme News',
        websiteUrl: 'https://acme.example',
        from: { name: 'Acme News', address: 'news@acme.example' },
        postalAddress: 'Acme, 1 Road Runner Way, Phoenix AZ 85001, USA',
        timezone: 'UTC',
        weekStartsOn: WEEK_STARTS_ON,
        topics: [
          { id: 'orbit', name: 'Orbit' },
          { id: 'business', name: 'Business' },
          { id: 'policy', name: 'Policy' },
        ],
        categoryMap: { orbit: 'orbit', business: 'business', policy: 'policy' },
        defaultHour: 8,
        sources: [{ url: 'acme-feed.xml' }],
      }),
    );
    // `publication show` says whose data this is and the way out.
    const before = digest(acmeEnv, 'publication', 'show');
    expect(before.out + before.err).toMatch(/adopt/);
    const adopted = digest(acmeEnv, 'publication', 'adopt', '--yes');
    expect(adopted.code, adopted.err).toBe(0);
    const show = digest(acmeEnv, 'publication', 'show');
    expect(show.code, show.err).toBe(0);
    expect(show.out).toContain('Acme News');

    acme = await start({ ...acmeEnv, ALLOW_PRIVATE_FEED_HOSTS: 'true' });
    const a = await adminPage(browser, acme.url);
    const { page } = a;

    // 3. Sources: the file's feed is there; add the web feed and collect it now.
    await page.goto(`${acme.url}/admin/sources`);
    await expect(page.locator('body')).toBeDefined();
    expect(await page.textContent('body')).toContain('acme-feed.xml');
    await page.fill('#source-url', feedUrl);
    await page.check('input[name=topics][value=business]');
    await page.click('#add-source-submit');
    await page.waitForURL(/\/admin\/sources/);
    const row = page.locator('li.source', { hasText: feedUrl });
    await row.locator('button.collect').click();
    await page.waitForURL(/\/admin\/sources/);
    expect(await page.textContent('body')).toMatch(/Collected .*extra\.xml: 2 new/);
    // The file's own feed too (the scheduled collect would do it on Monday).
    await page.locator('li.source', { hasText: 'acme-feed.xml' }).locator('button.collect').click();
    await page.waitForURL(/\/admin\/sources/);
    expect(await page.textContent('body')).toMatch(/Collected .*acme-feed\.xml: 4 new/);
    await shoot(page, '02-sources');

    // 4. Import a CSV with mistakes: the good rows go in, the bad ones come back with their reasons.
    const csv = join(folder, 'readers.csv');
    writeFileSync(
      csv,
      [
        'email,name,topics,timezone,hour,status',
        ...READERS.map((r) => `${r.email},${r.name},${r.topics},${r.timezone},${r.hour},`),
        'not-an-email,Nobody,orbit,UTC,8,',
        'eve@readers.example,Eve,orbit,EST,8,',
        'hal@readers.example,Hal,orbit,Europe/Berlin,30,',
      ].join('\n'),
    );
    await page.goto(`${acme.url}/admin/subscribers`);
    await page.setInputFiles('#import-file', csv);
    await page.check('#import-confirmed');
    await page.click('#import-submit');
    await expect.poll(() => page.textContent('[data-field="imported"]')).toBe('6');
    expect(await page.textContent('[data-field="rejected"]')).toBe('3');
    const report = (await page.textContent('table.rejected')) ?? '';
    expect(report).toMatch(/not-an-email|email/);
    expect(report).toMatch(/EST/);
    await page.screenshot({ path: join(shots, '03-import-report-1280.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(shots, '03-import-report-390.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });

    // 5. The draft of last week's edition: nothing is done yet, and the skipped reader is told apart.
    await page.goto(`${acme.url}/admin`);
    await page.fill('#edition', EDITION);
    await page.click('text=Build a draft');
    await page.waitForURL(`${acme.url}/admin/editions/${EDITION}`);
    expect(await page.textContent('#draft-banner')).toContain('Draft');
    expect(await page.textContent('[data-field="percent"]')).toBe('0');
    expect(await page.textContent('#skipped')).toContain('no articles for topics policy: 1');
    await shoot(page, '04-draft');

    // 6. A test send to themselves: one copy in the outbox, no reader touched.
    await page.fill('#to', 'me@acme.example');
    await page.click('text=Test send…');
    await page.click('#confirm');
    await page.waitForURL(new RegExp(`/admin/editions/${EDITION}`));
    await page.goto(`${acme.url}/admin/outbox`);
    expect(await page.textContent('body')).toContain('me@acme.example');
    await shoot(page, '05-test-send-outbox');

    // 7. The send, at each reader's hour (the form's default).
    await page.goto(`${acme.url}/admin/editions/${EDITION}`);
    expect(await page.isChecked('#send-at-hours')).toBe(true);
    await page.click('#send-now');
    await page.click('#confirm');
    await page.waitForURL(new RegExp(`/admin/editions/${EDITION}`));

    // 8. Watching it: the readers whose hour has passed are sent, the others wait for theirs.
    await expect.poll(() => page.textContent('[data-field="done"]'), { timeout: 60_000 }).toBe('2');
    expect(await page.textContent('[data-field="total"]')).toBe('5');
    await expect
      .poll(() => page.textContent('#timing'), { timeout: 10_000 })
      .toMatch(/later: next \d\d:\d\d /);
    expect(await page.textContent('#timing')).toMatch(/last at \d\d:\d\d America\/Los_Angeles/);
    expect(await page.textContent('#skipped')).toContain('no articles for topics policy: 1');
    await shoot(page, '06-sending-progress');
    const status = digest(acmeEnv, 'status', EDITION);
    expect(status.code, status.err).toBe(0);
    expect(status.out).toMatch(
      /2 of 5 done \(40%\): 2 sent · 1 skipped \(no articles for topics policy: 1\) · 3 deliveries later: next/,
    );
    expect(a.errors).toEqual([]);

    // 9. The export, from the command line: the six readers, none of the three bad rows.
    const out = join(folder, 'export.csv');
    const exported = digest(acmeEnv, 'subscribers', 'export', '--output', out);
    expect(exported.code, exported.err).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1 + READERS.length);
    for (const r of READERS) expect(lines.some((l) => l.startsWith(`${r.email},`))).toBe(true);
  }, 600_000);
});

/**
 * The dashboard in Chromium, as the browser tests use it: a page that refuses every request off
 * 127.0.0.1 at once (the previews' images and fonts live on example hosts, and a screenshot waits for
 * web fonts), that records page errors, logged in through the login form with ADMIN_TOKEN.
 */
import type { Browser, Page } from 'playwright-core';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface AdminPage {
  page: Page;
  /** Uncaught errors of the pages' own scripts (a test expects none). */
  errors: string[];
}

/** A new page of `width` × `height`, with off-site requests refused and page errors collected. */
export async function openPage(browser: Browser, width = 1280, height = 900): Promise<AdminPage> {
  const page = await browser.newPage({ viewport: { width, height } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());
  return { page, errors };
}

/** Logs `page` in through the form at `url`/admin/login and waits for the editions page. */
export async function logIn(page: Page, url: string, token = ADMIN_TOKEN): Promise<void> {
  await page.goto(`${url}/admin/login`);
  await page.fill('#token', token);
  await page.click('button[type=submit]');
  await page.waitForURL(`${url}/admin`);
}

/** A new page already logged in to the dashboard at `url`. */
export async function adminPage(
  browser: Browser,
  url: string,
  width = 1280,
  height = 900,
): Promise<AdminPage> {
  const opened = await openPage(browser, width, height);
  await logIn(opened.page, url);
  return opened;
}

/**
 * Debian's Chromium driven by playwright-core (no browser download). Screenshots go to
 * ARTIFACTS_DIR (set by .ci/run to .ci/artifacts) or a temp folder.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Folder for screenshots kept as CI artifacts. */
export function artifactsDir(sub: string): string {
  const base = process.env.ARTIFACTS_DIR ?? join(tmpdir(), 'nd-artifacts');
  const dir = join(base, sub);
  mkdirSync(dir, { recursive: true });
  return dir;
}

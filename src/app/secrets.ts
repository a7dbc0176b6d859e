/**
 * Secrets the embedded default generates once and keeps under DATA_DIR, so links in sent emails keep
 * working across restarts without any configuration. Production sets LINK_KEYS/LINK_SECRET and
 * ADMIN_TOKEN instead.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LinkKey } from '../config.ts';

interface Stored {
  linkSecret: string;
  adminToken: string;
}

export function loadOrCreateSecrets(dataDir: string): Stored {
  const file = join(dataDir, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Stored;
  mkdirSync(dataDir, { recursive: true });
  const stored: Stored = {
    linkSecret: randomBytes(32).toString('base64url'),
    adminToken: randomBytes(24).toString('base64url'),
  };
  writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
  return stored;
}

export function resolveLinkKeys(configured: LinkKey[] | undefined, dataDir: string): LinkKey[] {
  return configured ?? [{ id: 'k1', secret: loadOrCreateSecrets(dataDir).linkSecret }];
}

export function resolveAdminToken(configured: string | undefined, dataDir: string): string {
  return configured ?? loadOrCreateSecrets(dataDir).adminToken;
}

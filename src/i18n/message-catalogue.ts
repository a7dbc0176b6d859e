/**
 * Message catalogues: one flat JSON object per locale, key → ICU message
 * (templates/locales/<tag>.json). An operator's TEMPLATES_DIR/locales/<tag>.json overrides any of its
 * keys, one by one, so a publication can reword a single message and keep the rest. Read once per
 * (folder, locale) and cached: catalogues change with a deploy, not at run time.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors/config-error.ts';
import { BUNDLED_TEMPLATES_DIR } from '../subscribers/templates-dir.ts';
import type { CatalogueLocale } from './locale-tag.ts';

export type Catalogue = Readonly<Record<string, string>>;

const cache = new Map<string, Catalogue>();

export function catalogueFile(locale: CatalogueLocale, root = BUNDLED_TEMPLATES_DIR): string {
  return join(root, 'locales', `${locale}.json`);
}

export function loadCatalogue(locale: CatalogueLocale, operatorDir?: string): Catalogue {
  const key = `${operatorDir ?? ''}\u0000${locale}`;
  let catalogue = cache.get(key);
  if (!catalogue) {
    const own = operatorDir ? catalogueFile(locale, operatorDir) : undefined;
    catalogue = Object.freeze({
      ...readCatalogue(catalogueFile(locale)),
      ...(own && existsSync(own) ? readCatalogue(own) : {}),
    });
    cache.set(key, catalogue);
  }
  return catalogue;
}

/** A missing bundled catalogue is an empty one (every key falls back); a broken one stops the start. */
export function readCatalogue(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`message catalogue ${file} is not valid JSON (${(err as Error).message})`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json))
    throw new ConfigError(`message catalogue ${file} must be one JSON object of "key": "message"`);
  for (const [k, v] of Object.entries(json)) {
    if (typeof v !== 'string')
      throw new ConfigError(`message catalogue ${file}: "${k}" must be a string (an ICU message)`);
  }
  return json as Record<string, string>;
}

/**
 * The message catalogues and the keys the templates and code use agree: every key used is in every
 * full catalogue, and no catalogue keeps a key nobody uses. Keys are found the way they are written:
 * `{{t "key" ...}}` or `(t "key" ...)` in templates/, `t('key'...)` or `refusal('key'...)` (a reason a
 * reader may see, src/i18n/reader-problem.ts) in src/ (a key is always written out whole, never built
 * from parts, so this scan sees every one).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { IntlMessageFormat } from 'intl-messageformat';
import { describe, expect, it } from 'vitest';
import { CATALOGUE_LOCALES } from '../../src/i18n/locale-tag.ts';
import { catalogueFile, readCatalogue } from '../../src/i18n/message-catalogue.ts';
import { BUNDLED_TEMPLATES_DIR } from '../../src/subscribers/templates-dir.ts';

const SRC = join(import.meta.dirname, '../../src');

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path, ext) : ext.test(name) ? [path] : [];
  });
}

function usedKeys(): Map<string, string> {
  const used = new Map<string, string>();
  for (const file of files(BUNDLED_TEMPLATES_DIR, /\.(hbs|mjml)$/)) {
    for (const m of readFileSync(file, 'utf8').matchAll(/[{(]\s*t\s+"([^"]+)"/g)) used.set(m[1]!, file);
  }
  for (const file of files(SRC, /\.ts$/)) {
    for (const m of readFileSync(file, 'utf8').matchAll(/\b(?:t|refusal)\(\s*'([^']+)'/g))
      used.set(m[1]!, file);
  }
  return used;
}

/** What is wrong with one catalogue: keys it lacks (within its scope) and keys nobody uses. */
function catalogueProblems(
  catalogue: Record<string, string>,
  used: Map<string, string>,
  scope: RegExp = /^/,
): string[] {
  const problems: string[] = [];
  for (const [key, where] of used)
    if (scope.test(key) && !(key in catalogue)) problems.push(`lacks "${key}" (used in ${where})`);
  for (const key of Object.keys(catalogue))
    if (!used.has(key)) problems.push(`has "${key}", which nobody uses`);
  return problems;
}

describe('message catalogues', () => {
  const used = usedKeys();

  it('the scan finds the keys of the digest, the mails and the pages', () => {
    expect(used.size).toBeGreaterThan(90);
    for (const key of [
      'digest.topStories',
      'digest.readingTime',
      'mail.confirm.subject',
      'page.notFound.text',
      'reason.email.noAt',
      'reason.hour',
    ])
      expect(used.has(key), key).toBe(true);
  });

  it.each([...CATALOGUE_LOCALES])('%s has every key the templates and code use, and no other', (locale) => {
    const catalogue = readCatalogue(catalogueFile(locale));
    expect(catalogueProblems(catalogue, used)).toEqual([]);
  });

  it.each([...CATALOGUE_LOCALES])('every %s message is valid ICU and formats', (locale) => {
    const values = {
      count: 3,
      minutes: 5,
      weeks: 2,
      chosen: 2,
      b: (c: string[]) => c.join(''),
      a: (c: string[]) => c.join(''),
    };
    for (const [key, message] of Object.entries(readCatalogue(catalogueFile(locale)))) {
      const format = new IntlMessageFormat(message, locale);
      const names = new Set(
        [...message.matchAll(/\{\s*([a-zA-Z]+)\s*[,}]/g)].map((m) => m[1]!).filter((n) => !(n in values)),
      );
      const out = format.format<string>({ ...values, ...Object.fromEntries([...names].map((n) => [n, n])) });
      expect(typeof out === 'string' || Array.isArray(out), `${locale} ${key}`).toBe(true);
    }
  });

  it('fails a catalogue that lacks a used key or keeps an unused one', () => {
    const fake = new Map([
      ['digest.readMore', 'x.hbs'],
      ['page.field.name', 'y.ts'],
    ]);
    expect(catalogueProblems({ 'digest.readMore': 'Read more', 'digest.gone': 'Gone' }, fake)).toEqual([
      'lacks "page.field.name" (used in y.ts)',
      'has "digest.gone", which nobody uses',
    ]);
    // A partial catalogue answers only for its scope.
    expect(catalogueProblems({ 'digest.readMore': 'اقرأ المزيد' }, fake, /^digest\./)).toEqual([]);
  });
});

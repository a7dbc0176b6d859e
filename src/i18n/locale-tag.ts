/**
 * Locale tags (pure): which languages have a message catalogue, which tag a person may give (a BCP 47
 * tag whose language, or language and region, has a catalogue: `de`, `de-AT`, `pt-BR`, `en-GB`), and
 * which way a language is written. One check for every entry (publication file, CSV, sign-up form,
 * preference center, CLI), so each refuses the same tags with the same line.
 */

import { type Refusal, refusal } from './reader-problem.ts';

/** The bundled catalogues (templates/locales/<tag>.json). `en` is the last fallback of every key. */
export const CATALOGUE_LOCALES = ['en', 'de', 'fr', 'es', 'pt-BR', 'ar'] as const;
export type CatalogueLocale = (typeof CATALOGUE_LOCALES)[number];
export const FALLBACK_LOCALE: CatalogueLocale = 'en';

/** Languages written right to left (CLDR's character order), of those a catalogue may be added for. */
const RTL_LANGUAGES = new Set(['ar', 'he', 'fa', 'ur', 'ps', 'yi', 'dv', 'ckb', 'sd', 'ug']);

export type LocaleCheck = { ok: true; value: string } | Refusal;

/** The catalogue a tag reads from: its own (`pt-BR`), else its language's (`de-AT` → `de`, `pt` → `pt-BR`). */
export function catalogueOf(tag: string): CatalogueLocale | undefined {
  const lower = tag.toLowerCase();
  const exact = CATALOGUE_LOCALES.find((c) => c.toLowerCase() === lower);
  if (exact) return exact;
  const language = lower.split('-')[0];
  return CATALOGUE_LOCALES.find((c) => c.toLowerCase().split('-')[0] === language);
}

/**
 * A locale as a person or a file gives it: trimmed, `_` read as `-`, canonical case (`pt-br` →
 * `pt-BR`). Empty means "the publication's" and gives `fallback` (an empty string for a subscriber).
 */
export function checkLocale(value: unknown, fallback = ''): LocaleCheck {
  if (value === undefined || value === null) return { ok: true, value: fallback };
  if (typeof value !== 'string')
    return refusal('reason.locale', 'locale must be text', { locale: String(value).slice(0, 40) });
  const text = value.trim().replace(/_/g, '-');
  if (!text) return { ok: true, value: fallback };
  const shown = text.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 40);
  let canonical: string | undefined;
  try {
    canonical = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(text)
      ? Intl.getCanonicalLocales(text)[0]
      : undefined;
  } catch {
    canonical = undefined;
  }
  if (!canonical || !catalogueOf(canonical))
    return refusal(
      'reason.locale',
      `unknown locale "${shown}" (one of ${CATALOGUE_LOCALES.join(', ')}, or a regional form such as de-AT)`,
      { locale: shown },
    );
  return { ok: true, value: canonical };
}

/** The locale a reader gets: their own, else the publication's. */
export const readerLocale = (subscriberLocale: string | undefined, publicationLocale: string): string =>
  subscriberLocale || publicationLocale;

export const textDirection = (tag: string): 'ltr' | 'rtl' =>
  RTL_LANGUAGES.has(tag.toLowerCase().split('-')[0] ?? '') ? 'rtl' : 'ltr';

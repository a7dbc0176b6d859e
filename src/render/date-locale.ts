/**
 * BCP 47 tag → date-fns locale (pure lookup). `en-GB` → enGB, `pt-BR` → ptBR, `de-AT` → de when
 * there is no regional variant, anything unknown → enGB, so a typo never stops a build.
 */
import type { Locale } from 'date-fns';
import * as locales from 'date-fns/locale';

const table = locales as unknown as Record<string, Locale>;

export function dateLocale(tag: string): Locale {
  const [language = '', region = ''] = tag.replace('_', '-').split('-');
  const lang = language.toLowerCase();
  return table[lang + region.toUpperCase()] ?? table[lang] ?? locales.enGB;
}

/** A tag safe to put in `lang=""` (letters, digits and hyphens), `en-GB` when the input is not one. */
export function htmlLang(tag: string): string {
  return /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(tag) ? tag : 'en-GB';
}

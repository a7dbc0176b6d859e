/**
 * A reader's messages: `t(key, values)` formats the key's ICU message (plurals by CLDR rules through
 * intl-messageformat, numbers and lists by Intl) from the first catalogue that has the key: the
 * reader's locale, then the publication's, then English. The fallback is per key, so a catalogue
 * that lacks one message still shows every other message in its language. One translator per
 * (locale, fallback, folder), cached with its compiled messages: a variant's render formats a message
 * dozens of times, never parses it twice.
 */
import { IntlMessageFormat } from 'intl-messageformat';
import { ConfigError } from '../errors/config-error.ts';
import { type CatalogueLocale, catalogueOf, FALLBACK_LOCALE, textDirection } from './locale-tag.ts';
import { loadCatalogue } from './message-catalogue.ts';

export type MessageValues = Record<string, string | number | undefined>;
/** Rich-text tags a message may hold (`<b>…</b>`, `<a>…</a>`): each gets its chunks, returns markup. */
export type MessageTags = Record<string, (chunks: string[]) => string>;

export interface Translator {
  /** The tag formats use (`de-AT`, `en-GB`): the reader's own. */
  readonly locale: string;
  readonly dir: 'ltr' | 'rtl';
  t(key: string, values?: MessageValues, tags?: MessageTags): string;
}

export class MissingMessageError extends Error {
  readonly code = 'EMESSAGE_MISSING';
  constructor(key: string) {
    super(`message "${key}" is in no catalogue (not even templates/locales/en.json)`);
    this.name = 'MissingMessageError';
  }
}

const translators = new Map<string, Translator>();

export function createTranslator(
  locale: string,
  options: { fallback?: string | undefined; templatesDir?: string | undefined } = {},
): Translator {
  const cacheKey = `${locale}\u0000${options.fallback ?? ''}\u0000${options.templatesDir ?? ''}`;
  let translator = translators.get(cacheKey);
  if (!translator) {
    translator = buildTranslator(locale, options.fallback, options.templatesDir);
    translators.set(cacheKey, translator);
  }
  return translator;
}

function buildTranslator(locale: string, fallback: string | undefined, dir: string | undefined): Translator {
  // Each catalogue in the chain formats with the tag it is written for: the reader's own for theirs
  // (`de-AT` keeps Austrian month names), the catalogue's tag for a fallback (English plurals for an
  // English message).
  const chain: Array<{ catalogue: CatalogueLocale; formatTag: string }> = [];
  for (const tag of [locale, fallback, FALLBACK_LOCALE]) {
    const catalogue = tag ? catalogueOf(tag) : undefined;
    if (catalogue && !chain.some((c) => c.catalogue === catalogue))
      chain.push({ catalogue, formatTag: chain.length === 0 ? tag! : catalogue });
  }
  const compiled = new Map<string, IntlMessageFormat>();
  const compile = (key: string): IntlMessageFormat => {
    let format = compiled.get(key);
    if (format) return format;
    for (const { catalogue, formatTag } of chain) {
      const message = loadCatalogue(catalogue, dir)[key];
      if (message === undefined) continue;
      try {
        format = new IntlMessageFormat(message, formatTag);
      } catch (err) {
        throw new ConfigError(`message "${key}" in ${catalogue}.json: ${(err as Error).message}`);
      }
      compiled.set(key, format);
      return format;
    }
    throw new MissingMessageError(key);
  };
  return {
    locale,
    dir: textDirection(locale),
    t(key, values = {}, tags = {}) {
      const out = compile(key).format<string>({ ...values, ...tags });
      return Array.isArray(out) ? out.join('') : String(out);
    },
  };
}

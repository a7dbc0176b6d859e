/**
 * The language choices of the sign-up form and the preference center (pure): "the publication's
 * language" (stored as an empty locale, so it follows the publication) and each catalogue, named in
 * its own language ("Deutsch", "Français") so a reader finds theirs whatever the page is written in.
 */
import { CATALOGUE_LOCALES, catalogueOf } from './locale-tag.ts';
import type { Translator } from './translator.ts';

export interface LocaleOption {
  value: string;
  label: string;
  /** The option's own language, for `<option lang>` (screen readers pronounce it right). */
  lang: string;
  selected: boolean;
}

export function localeOptions(
  selected: string,
  publicationLocale: string,
  messages: Translator,
): LocaleOption[] {
  const ownName = (tag: string) => {
    const name = new Intl.DisplayNames([tag], { type: 'language' }).of(tag) ?? tag;
    return name.charAt(0).toLocaleUpperCase(tag) + name.slice(1);
  };
  const readerName = new Intl.DisplayNames([messages.locale], { type: 'language' }).of(publicationLocale);
  // A stored tag finer than its catalogue (en-GB: British dates, English words) is offered as itself
  // and stays selected: saving the form without touching the language must not turn it into `en`.
  const own = selected && !(CATALOGUE_LOCALES as readonly string[]).includes(selected) ? selected : undefined;
  const chosen = selected && !own ? catalogueOf(selected) : undefined;
  return [
    {
      value: '',
      label: messages.t('page.language.publication', { language: readerName ?? publicationLocale }),
      lang: messages.locale,
      selected: !selected,
    },
    ...(own ? [{ value: own, label: ownName(own), lang: own, selected: true }] : []),
    ...CATALOGUE_LOCALES.map((tag) => ({
      value: tag,
      label: ownName(tag),
      lang: tag,
      selected: chosen === tag,
    })),
  ];
}

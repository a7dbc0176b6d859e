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
  const chosen = selected ? catalogueOf(selected) : undefined;
  return [
    {
      value: '',
      label: messages.t('page.language.publication', { language: readerName ?? publicationLocale }),
      lang: messages.locale,
      selected: !selected,
    },
    ...CATALOGUE_LOCALES.map((tag) => ({
      value: tag,
      label: ownName(tag),
      lang: tag,
      selected: chosen === tag,
    })),
  ];
}

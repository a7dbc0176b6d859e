/**
 * The subscriber-facing pages (templates/pages/*.hbs inside the `layout` partial), compiled once when
 * the app is built and rendered in the reader's language: `data.locale` is the subscriber's locale
 * (empty or absent: the publication's), and every word comes through `{{t "key"}}` from the message
 * catalogues (the operator's TEMPLATES_DIR/locales override them). Every page gets the publication
 * (name, brandColor, postal address) for its look, and `lang`/`dir` for its direction.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import type { Publication } from '../../domain/publication.ts';
import { readerLocale } from '../../i18n/locale-tag.ts';
import { messageHelpers } from '../../i18n/template-messages.ts';
import { createTranslator, type Translator } from '../../i18n/translator.ts';
import { htmlLang } from '../../render/date-locale.ts';
import { postalLine } from '../../render/postal-line.ts';
import { BUNDLED_TEMPLATES_DIR } from '../../subscribers/templates-dir.ts';

export type PageName =
  | 'subscribe'
  | 'subscribe-sent'
  | 'confirm'
  | 'preferences'
  | 'unsubscribe'
  | 'not-found'
  | 'problem';
const PAGES: PageName[] = [
  'subscribe',
  'subscribe-sent',
  'confirm',
  'preferences',
  'unsubscribe',
  'not-found',
  'problem',
];
/** Pages added after operators may have copied templates/: a TEMPLATES_DIR without one uses ours. */
const NEWER_PAGES: ReadonlySet<PageName> = new Set(['problem']);

export interface SubscriberPages {
  render(page: PageName, data: Record<string, unknown> & { locale?: string | undefined }): string;
  /** The messages of a subscriber's locale (empty: the publication's). */
  messages(locale: string | undefined): Translator;
}

export function loadSubscriberPages(
  templatesDir: string,
  publication: Publication,
  /** The operator's TEMPLATES_DIR, whose locales/ override catalogue messages. */
  operatorDir?: string,
): SubscriberPages {
  const hb = Handlebars.create();
  const dir = join(templatesDir, 'pages');
  hb.registerPartial('layout', readFileSync(join(dir, 'layout.hbs'), 'utf8'));
  const footerLine = postalLine(publication.name, publication.postalAddress);
  const file = (p: PageName) => {
    const own = join(dir, `${p}.hbs`);
    return NEWER_PAGES.has(p) && !existsSync(own) ? join(BUNDLED_TEMPLATES_DIR, 'pages', `${p}.hbs`) : own;
  };
  const compiled = new Map(PAGES.map((p) => [p, hb.compile(readFileSync(file(p), 'utf8'))]));
  const messages = (locale: string | undefined) =>
    createTranslator(readerLocale(locale, publication.locale), {
      fallback: publication.locale,
      templatesDir: operatorDir,
    });
  return {
    messages,
    render(page, data) {
      const m = messages(data.locale);
      return compiled.get(page)!(
        // `rtl`: a right-to-left page isolates values (<bdi>) and turns its arrows, so "08:00 → 07:00"
        // is not reordered into the opposite change.
        {
          publication,
          postalLine: footerLine,
          lang: htmlLang(m.locale),
          dir: m.dir,
          rtl: m.dir === 'rtl',
          ...data,
        },
        { helpers: messageHelpers(hb, m, 'html') },
      );
    },
  };
}

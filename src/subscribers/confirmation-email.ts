/**
 * The double opt-in emails (templates/confirm/): `confirm` carries the confirmation link; `manage`
 * goes to an address that is already known (active or unsubscribed) with its preference link, so
 * the sign-up form never reveals whether an address is subscribed. Both are written in the reader's
 * language (their locale, else the publication's; catalogue keys `mail.*`). MJML is compiled once per
 * (kind, locale) per process, the publication's fields and words filled in first; per message only
 * the link is filled in. The subscriber's name is never put into these emails: the form accepts any
 * text from anyone.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import mjml2html from 'mjml';
import type { Publication } from '../domain/publication.ts';
import { readerLocale } from '../i18n/locale-tag.ts';
import { messageHelpers } from '../i18n/template-messages.ts';
import { createTranslator } from '../i18n/translator.ts';
import { htmlLang } from '../render/date-locale.ts';
import { postalLine } from '../render/postal-line.ts';

export type ConfirmationKind = 'confirm' | 'manage';

export interface ConfirmationMessage {
  subject: string;
  html: string;
  text: string;
}

export interface ConfirmationEmails {
  /** `locale`: the subscriber's (empty: the publication's). */
  render(kind: ConfirmationKind, url: string, locale?: string): Promise<ConfirmationMessage>;
}

interface Compiled {
  subject: string;
  html: Handlebars.TemplateDelegate;
  text: Handlebars.TemplateDelegate;
}

const SLOT: Record<ConfirmationKind, string> = { confirm: 'confirmUrl', manage: 'preferencesUrl' };

export function createConfirmationEmails(
  templatesDir: string,
  publication: Publication,
  /** The operator's TEMPLATES_DIR, whose locales/ override catalogue messages. */
  operatorDir?: string,
): ConfirmationEmails {
  const hb = Handlebars.create();
  const compiled = new Map<string, Promise<Compiled>>();

  async function compile(kind: ConfirmationKind, locale: string): Promise<Compiled> {
    const slot = SLOT[kind];
    const messages = createTranslator(locale, { fallback: publication.locale, templatesDir: operatorDir });
    const data = {
      publication,
      postalLine: postalLine(publication.name, publication.postalAddress),
      lang: htmlLang(locale),
      dir: messages.dir,
      start: messages.dir === 'rtl' ? 'right' : 'left',
      [slot]: `{{${slot}}}`,
    };
    const source = readFileSync(join(templatesDir, 'confirm', `${kind}.mjml`), 'utf8');
    // First pass: everything that is the same for every recipient; the link slot stays a placeholder.
    const mjml = hb.compile(source, { strict: true })(data, {
      helpers: messageHelpers(hb, messages, 'html'),
    });
    const result = await mjml2html(mjml, { validationLevel: 'strict' });
    const text = readFileSync(join(templatesDir, 'confirm', `${kind}.txt.hbs`), 'utf8');
    return {
      subject:
        kind === 'confirm'
          ? messages.t('mail.confirm.subject', { publication: publication.name })
          : messages.t('mail.manage.subject', { publication: publication.name }),
      html: hb.compile(result.html, { strict: true }),
      // Plain text: nothing is HTML-escaped.
      text: hb.compile(
        hb.compile(text, { noEscape: true })(data, { helpers: messageHelpers(hb, messages, 'text') }),
        { strict: true, noEscape: true },
      ),
    };
  }

  return {
    async render(kind, url, locale) {
      const tag = readerLocale(locale, publication.locale);
      const key = `${kind}@${tag}`;
      let entry = compiled.get(key);
      if (!entry) {
        entry = compile(kind, tag);
        compiled.set(key, entry);
        entry.catch(() => compiled.delete(key));
      }
      const t = await entry;
      const data = { [SLOT[kind]]: url };
      return { subject: t.subject, html: t.html(data), text: t.text(data) };
    },
  };
}

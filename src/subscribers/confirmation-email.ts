/**
 * The double opt-in emails (templates/confirm/): `confirm` carries the confirmation link; `manage`
 * goes to an address that is already known (active or unsubscribed) with its preference link, so
 * the sign-up form never reveals whether an address is subscribed. MJML is compiled once per process
 * (the publication's fields filled in first); per message only the link is filled in. The
 * subscriber's name is never put into these emails: the form accepts any text from anyone.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import mjml2html from 'mjml';
import type { Publication } from '../domain/publication.ts';

export type ConfirmationKind = 'confirm' | 'manage';

export interface ConfirmationMessage {
  subject: string;
  html: string;
  text: string;
}

export interface ConfirmationEmails {
  render(kind: ConfirmationKind, url: string): Promise<ConfirmationMessage>;
}

interface Compiled {
  html: Handlebars.TemplateDelegate;
  text: Handlebars.TemplateDelegate;
}

const SLOT: Record<ConfirmationKind, string> = { confirm: 'confirmUrl', manage: 'preferencesUrl' };

export function createConfirmationEmails(templatesDir: string, publication: Publication): ConfirmationEmails {
  const hb = Handlebars.create();
  const compiled = new Map<ConfirmationKind, Promise<Compiled>>();
  const lang = publication.locale.split('-')[0] ?? 'en';

  async function compile(kind: ConfirmationKind): Promise<Compiled> {
    const slot = SLOT[kind];
    const source = readFileSync(join(templatesDir, 'confirm', `${kind}.mjml`), 'utf8');
    // First pass: everything that is the same for every recipient; the link slot stays a placeholder.
    const mjml = hb.compile(source, { strict: true })({ publication, lang, [slot]: `{{${slot}}}` });
    const result = await mjml2html(mjml, { validationLevel: 'strict' });
    const text = readFileSync(join(templatesDir, 'confirm', `${kind}.txt.hbs`), 'utf8');
    return {
      html: hb.compile(result.html, { strict: true }),
      // Plain text: nothing is HTML-escaped.
      text: hb.compile(hb.compile(text, { noEscape: true })({ publication, [slot]: `{{${slot}}}` }), {
        strict: true,
        noEscape: true,
      }),
    };
  }

  return {
    async render(kind, url) {
      let entry = compiled.get(kind);
      if (!entry) {
        entry = compile(kind);
        compiled.set(kind, entry);
        entry.catch(() => compiled.delete(kind));
      }
      const t = await entry;
      const data = { [SLOT[kind]]: url };
      return {
        subject:
          kind === 'confirm'
            ? `Confirm your subscription to ${publication.name}`
            : `Your ${publication.name} subscription`,
        html: t.html(data),
        text: t.text(data),
      };
    },
  };
}

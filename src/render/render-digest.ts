/**
 * One digest rendered from an edition's articles: choose and order the articles, fill the
 * templates, run MJML once, make the result mail-safe. Email mode leaves the per-recipient slots as
 * Handlebars placeholders (build-variant.ts); web mode is the public version with no personal data.
 */
import { compileMjml } from './compile-mjml.ts';
import { buildDigestModel, type DigestModel, type ModelInput, type RenderMode } from './digest-model.ts';
import { mailSafeHtml } from './mail-safe-html.ts';
import { mailSafeText } from './mail-safe-text.ts';
import { restoreSlots } from './recipient-slots.ts';
import { loadDigestTemplates } from './template-set.ts';

export interface RenderInput extends ModelInput {
  templatesDir?: string | undefined;
}

export interface RenderedDigest {
  model: DigestModel;
  subject: string;
  preheader: string;
  /** Handlebars source in email mode; final HTML in web mode. */
  html: string;
  text: string;
}

export async function renderDigest(input: RenderInput, mode: RenderMode): Promise<RenderedDigest | null> {
  const model = buildDigestModel(input, mode);
  if (!model) return null;
  const templates = loadDigestTemplates(input.templatesDir);
  model.subject = oneLine(templates.subject(model));
  model.preheader = oneLine(templates.preheader(model));
  const mjml = templates.layout(model);
  const html = mailSafeHtml(await compileMjml(mjml));
  const text = mailSafeText(templates.text(model));
  return {
    model,
    subject: model.subject,
    preheader: model.preheader,
    html: mode === 'email' ? restoreSlots(html) : html,
    text: mode === 'email' ? restoreSlots(text) : text,
  };
}

/** Subject and preheader are header-bound plain text: no CR/LF, no control characters, one space. */
export const oneLine = (value: string): string =>
  value
    .replace(/[\u0000-\u001F\u007F\u2028\u2029]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

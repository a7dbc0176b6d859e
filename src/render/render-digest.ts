/**
 * One digest rendered from an edition's articles: choose and order the articles, fill the
 * templates, run MJML once, make the result mail-safe. Email mode leaves the per-recipient slots as
 * Handlebars placeholders (build-variant.ts); web mode is the public version with no personal data.
 *
 * The size budget (size-budget.ts) holds by construction: an email whose HTML comes out over it is
 * rendered again with fewer stories per section (in proportion to the excess), down to one, and the footer is part of every
 * render. The publication's cap (maxPerSection) keeps an ordinary week to a single MJML run.
 */
import { messageHelpers } from '../i18n/template-messages.ts';
import { compileMjml } from './compile-mjml.ts';
import { type DateSlot, formatDateSlots } from './date-slots.ts';
import {
  buildDigestModel,
  type DigestModel,
  digestTranslator,
  type ModelInput,
  type RenderMode,
} from './digest-model.ts';
import { mailSafeHtml } from './mail-safe-html.ts';
import { mailSafeText } from './mail-safe-text.ts';
import { fillDateSentinels, restoreSlots } from './recipient-slots.ts';
import { HTML_BUDGET_BYTES, htmlBytes } from './size-budget.ts';
import { loadDigestTemplates } from './template-set.ts';

export type RenderInput = ModelInput;

export interface RenderedDigest {
  model: DigestModel;
  subject: string;
  preheader: string;
  /** Handlebars source in email mode; final HTML in web mode. */
  html: string;
  text: string;
  /** The date slots `{{dates.[N]}}` of an email's html and text refer to (date-slots.ts). */
  dates: DateSlot[];
}

export async function renderDigest(
  input: RenderInput,
  mode: RenderMode,
  budget = HTML_BUDGET_BYTES,
): Promise<RenderedDigest | null> {
  let cap = input.publication.maxPerSection;
  for (;;) {
    const rendered = await renderOnce(input, mode, cap);
    const bytes = rendered ? htmlBytes(rendered.html) : 0;
    if (!rendered || mode === 'web' || cap <= 1 || bytes <= budget) return rendered;
    // Cards are most of the bytes: scale the longest section down in proportion (a step at least).
    const longest = Math.max(1, ...rendered.model.sections.map((s) => s.articles.length));
    cap = Math.max(1, Math.min(longest - 1, Math.floor((longest * budget) / bytes)));
  }
}

async function renderOnce(input: RenderInput, mode: RenderMode, cap: number): Promise<RenderedDigest | null> {
  const model = buildDigestModel(input, mode, cap);
  if (!model) return null;
  const templates = loadDigestTemplates(input.templatesDir);
  // The reader's language reaches every template and partial as the `t` helper (one compiled
  // template set for every locale).
  const messages = digestTranslator(input);
  const plain = { helpers: messageHelpers(templates.htmlEnv, messages, 'text') };
  const marked = { helpers: messageHelpers(templates.htmlEnv, messages, 'html') };
  // A header is the same for every reader: a date in the subject is the publication's. The preheader
  // is part of the HTML and keeps its date slots (U+001F); the stored copy is the publication's.
  const ownDates = formatDateSlots(model.dates, model.lang, input.publication.timezone);
  model.subject = oneLine(
    fillDateSentinels(input.editorial?.subject || templates.subject(model, plain), ownDates),
  ).slice(0, 200);
  model.preheader = oneLine(templates.preheader(model, plain), SLOT_MARK);
  const mjml = templates.layout(model, marked);
  const html = mailSafeHtml(await compileMjml(mjml));
  const text = mailSafeText(templates.text(model, plain));
  return {
    model,
    subject: model.subject,
    preheader: fillDateSentinels(model.preheader, ownDates),
    html: mode === 'email' ? restoreSlots(html) : html,
    text: mode === 'email' ? restoreSlots(text) : text,
    dates: model.dates,
  };
}

const SLOT_MARK = '\u001F';

/**
 * Subject and preheader are header-bound plain text: no CR/LF, no control characters, one space.
 * `keep` spares the slot mark (data never holds it: cleanText), so a preheader keeps its date slots.
 */
export const oneLine = (value: string, keep?: typeof SLOT_MARK): string =>
  value
    .replace(keep ? /[\u0000-\u001E\u007F\u2028\u2029]+/g : /[\u0000-\u001F\u007F\u2028\u2029]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

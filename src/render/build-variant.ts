/**
 * The build step's rendering for one variant: the edition's articles in, one compiled template out.
 * MJML runs here, once per variant; `compilePersonaliser` (personalise.ts) then fills the recipient's
 * slots in microseconds. A CompiledVariant is plain JSON (the delivery engine stores it in Redis).
 */
import type { Article } from '../domain/article.ts';
import type { Publication } from '../domain/publication.ts';
import type { DateSlot } from './date-slots.ts';
import type { Editorial } from './digest-model.ts';
import { renderDigest } from './render-digest.ts';
import { variantKey } from './variant-key.ts';

export interface VariantInput {
  publication: Publication;
  /** ISO instants, [start, end). */
  edition: { id: string; windowStart: string; windowEnd: string };
  /** The edition's frozen article list. */
  articles: Article[];
  /** The variant's topic ids; [] = everything. */
  topics: string[];
  /** The readers' BCP 47 locale, e.g. 'en-GB' or 'de': words, dates, direction and the html lang attribute. */
  locale: string;
  /** Absolute URL of the edition's web version ("view in browser", "N more stories"). */
  webUrl: string;
  /** The operator's templates folder (TEMPLATES_DIR), else the bundled templates/. */
  templatesDir?: string | undefined;
  /** The editor's pin, note and subject for this edition. */
  editorial?: Editorial | undefined;
}

export interface CompiledVariant {
  key: string;
  topics: string[];
  /** Articles of this variant (shown, or counted in a section's "N more stories"). */
  articleCount: number;
  /** Plain text, CR/LF stripped, the same for every recipient. */
  subject: string;
  preheader: string;
  /**
   * Handlebars source of the final HTML (after MJML): pure ASCII, lines of at most 500 characters,
   * whose only placeholders are {{recipient.name}}, {{recipient.email}}, {{links.unsubscribe}},
   * {{links.preferences}} and {{dates.[N]}}.
   */
  html: string;
  /** Handlebars source of the text part (UTF-8), same placeholders. */
  text: string;
  /** The readers' locale: how the date slots are written. */
  locale?: string | undefined;
  /** The publication's zone: the dates of a reader without one (date-slots.ts). */
  timeZone?: string | undefined;
  /**
   * What `{{dates.[N]}}` stands for, formatted per reader's zone at send time. Absent in variants
   * stored before dates were per reader (their dates are written in).
   */
  dates?: DateSlot[] | undefined;
}

/** Null when the variant has no articles: its deliveries are skipped, no email is sent. */
export async function buildVariant(input: VariantInput): Promise<CompiledVariant | null> {
  const rendered = await renderDigest(input, 'email');
  if (!rendered) return null;
  return {
    key: variantKey(input.topics, input.locale),
    topics: [...input.topics],
    articleCount: rendered.model.articleCount,
    subject: rendered.subject,
    preheader: rendered.preheader,
    html: rendered.html,
    text: rendered.text,
    locale: input.locale,
    timeZone: input.publication.timezone,
    dates: rendered.dates,
  };
}

/**
 * The data the digest templates see (pure): the chosen articles as cards, headings, colours, labels
 * and links. Everything is plain, cleaned text (templates escape it); every URL has passed
 * `safeHttpUrl` and is undefined otherwise. In email mode the recipient and their links are slot
 * sentinels (recipient-slots.ts); the web version has neither.
 */
import type { Article } from '../domain/article.ts';
import type { Publication } from '../domain/publication.ts';
import { createTranslator, type Translator } from '../i18n/translator.ts';
import { type ArticleChoice, chooseArticles, OTHER_SECTION } from './choose-articles.ts';
import { linkColour, masthead } from './contrast.ts';
import { htmlLang } from './date-locale.ts';
import { type DateSlot, DateSlotBook, formatDateSlots } from './date-slots.ts';
import { editionHeading } from './edition-heading.ts';
import { postalLine } from './postal-line.ts';
import { cleanText, dateSentinel, slotData } from './recipient-slots.ts';
import { safeHttpUrl } from './safe-url.ts';

export type RenderMode = 'email' | 'web';

export interface ModelInput {
  publication: Publication;
  edition: { id: string; windowStart: string; windowEnd: string };
  articles: Article[];
  topics: string[];
  /** The reader's locale (BCP 47): messages, dates, plurals, direction and the html lang attribute. */
  locale: string;
  webUrl: string;
  /** The operator's templates folder (TEMPLATES_DIR): its locales/ override catalogue messages. */
  templatesDir?: string | undefined;
  /** What the editor set for this edition (src/editions/): applied to every variant alike. */
  editorial?: Editorial | undefined;
  /** The sign-up form (`<PUBLIC_URL>/subscribe`): the web version's readers may not be subscribers yet. */
  subscribeUrl?: string | undefined;
}

export interface Editorial {
  /** Article id shown first among the top stories of every variant that has it. */
  pinned?: string | undefined;
  /** The editor's note, already rendered safely (src/editions/editor-note.ts). */
  note?: { html: string; text: string } | undefined;
  /** Replaces the subject the subject template makes. */
  subject?: string | undefined;
}

export interface Card {
  id: string;
  title: string;
  url: string | undefined;
  source: string;
  author: string;
  date: string;
  readingTime: string;
  image: { src: string; alt: string } | undefined;
  brief: string[];
  /** The summary's paragraphs (kept apart: issue 21 found them run together), empty with a brief. */
  summary: string[];
}

export interface Section {
  id: string;
  anchor: string;
  name: string;
  description: string;
  articles: Card[];
  more: number;
  moreUrl: string | undefined;
  moreLabel: string;
}

export interface DigestModel {
  mode: RenderMode;
  web: boolean;
  lang: string;
  /** `ltr` or `rtl` (Arabic): the html dir attribute, MJML's direction, and which side text starts. */
  dir: 'ltr' | 'rtl';
  /** The side text starts on (`left`, or `right` in a right-to-left language) and the other side. */
  start: 'left' | 'right';
  end: 'left' | 'right';
  publication: {
    name: string;
    description: string;
    websiteUrl: string | undefined;
    /** The website's host name, the link text of `websiteUrl` (the footer names the publication once). */
    websiteHost: string | undefined;
    postalAddress: string;
    /** The footer's last line: the postal address, led by the publication's name unless it holds it. */
    postalLine: string;
  };
  edition: { id: string; heading: string; weekLabel: string; range: string };
  colours: Record<'brand' | 'onBrand' | 'link' | 'text' | 'muted' | 'background' | 'card' | 'rule', string>;
  webUrl: string | undefined;
  /** Web mode only: the sign-up form, linked from the masthead and the footer. */
  subscribeUrl: string | undefined;
  topStories: Card[];
  sections: Section[];
  /** Articles of the variant: shown, or counted in a section's "N more stories". */
  articleCount: number;
  /** Stories this email (or page) shows: what its preheader counts. */
  storyCount: number;
  /** Image boxes in CSS pixels (16:9): the sized placeholder a blocked image leaves. */
  images: typeof IMAGE_BOXES;
  /** "Lunar and Launch", or "every topic" for the `all` variant. */
  topicsLine: string;
  /** Topics the reader chose (0 = everything): a language whose grammar differs for "every topic" selects on it. */
  topicCount: number;
  /**
   * The dates shown. In email mode the model's dates (cards, edition heading and range) are slot
   * sentinels, filled per reader's time zone at send time; the web version's are written out in the
   * publication's zone.
   */
  dates: DateSlot[];
  /** Filled by the subject and preheader templates before the layout renders. */
  subject: string;
  preheader: string;
  /** The editor's note: HTML (safe markup from markdown-it, raw HTML off) and text. */
  note: { html: string; text: string } | undefined;
  recipient?: { name: string; email: string };
  links?: { unsubscribe: string; preferences: string };
}

/** Light theme; every text colour passes WCAG AA on the background it is used on (contrast.test.ts). */
export const PALETTE = {
  text: '#1f2933',
  muted: '#4b5563',
  background: '#f3f4f6',
  card: '#ffffff',
  rule: '#e5e7eb',
} as const;

const MAX_BULLETS = 5;

/** A top story's image fills the 552 px content column; a section's thumbnail sits beside the text. */
export const IMAGE_BOXES = {
  feature: { width: 552, height: 311 },
  thumb: { width: 144, height: 81 },
} as const;

export function buildDigestModel(
  input: ModelInput,
  mode: RenderMode,
  /** The size budget's lower cap (render-digest.ts); the publication's own otherwise. */
  maxPerSection = input.publication.maxPerSection,
): DigestModel | null {
  const { publication } = input;
  const choice: ArticleChoice = chooseArticles(input.articles, {
    topicOrder: publication.topics.map((t) => t.id),
    topics: input.topics,
    topStories: publication.topStories,
    // The web version is where "N more stories" leads, so it shows every article.
    maxPerSection: mode === 'web' ? Number.POSITIVE_INFINITY : maxPerSection,
    pinned: input.editorial?.pinned,
  });
  if (choice.total === 0) return null;

  const lang = htmlLang(input.locale);
  const messages = digestTranslator(input);
  const webUrl = safeHttpUrl(input.webUrl);
  const websiteUrl = safeHttpUrl(publication.websiteUrl);
  const book: DateSlotBook = new DateSlotBook(
    mode === 'email'
      ? dateSentinel
      : (i): string => formatDateSlots([book.slots[i]!], lang, publication.timezone)[0]!,
  );
  const toCard = cardMaker(book, messages);
  const window = { id: input.edition.id, start: input.edition.windowStart, end: input.edition.windowEnd };
  // The week's number and word do not depend on the zone; its days do.
  const heading = {
    ...editionHeading(input.edition, publication.timezone, lang),
    range: book.add({ kind: 'range', ...window }),
    heading: book.add({ kind: 'heading', ...window }),
  };
  const topicName = (id: string) =>
    id === OTHER_SECTION
      ? messages.t('digest.alsoThisWeek')
      : (publication.topics.find((t) => t.id === id)?.name ?? id);
  const chosenNames = input.topics.map(topicName);
  const top = masthead(publication.brandColor);

  return {
    mode,
    web: mode === 'web',
    lang,
    dir: messages.dir,
    start: messages.dir === 'rtl' ? 'right' : 'left',
    end: messages.dir === 'rtl' ? 'left' : 'right',
    publication: {
      name: cleanText(publication.name, 120),
      description: cleanText(publication.description, 500),
      websiteUrl,
      websiteHost: websiteUrl ? new URL(websiteUrl).host : undefined,
      postalAddress: cleanText(publication.postalAddress, 300),
      postalLine: postalLine(cleanText(publication.name, 120), cleanText(publication.postalAddress, 300)),
    },
    edition: { id: input.edition.id, ...heading },
    colours: {
      ...PALETTE,
      brand: top.background,
      onBrand: top.text,
      link: linkColour(publication.brandColor, PALETTE.card),
    },
    webUrl,
    subscribeUrl: mode === 'web' ? safeHttpUrl(input.subscribeUrl) : undefined,
    topStories: choice.topStories.map(toCard),
    sections: choice.sections.map((s) => {
      const name = topicName(s.topicId);
      const anchor = `topic-${s.topicId}`;
      return {
        id: s.topicId,
        anchor,
        name: cleanText(name, 60),
        description: cleanText(publication.topics.find((t) => t.id === s.topicId)?.description, 200),
        articles: s.articles.map(toCard),
        more: s.more,
        moreUrl: webUrl ? `${webUrl}#${anchor}` : undefined,
        moreLabel: messages.t('digest.moreStories', { count: s.more, topic: name }),
      };
    }),
    articleCount: choice.total,
    storyCount: choice.topStories.length + choice.sections.reduce((n, s) => n + s.articles.length, 0),
    images: IMAGE_BOXES,
    topicsLine: chosenNames.length
      ? new Intl.ListFormat(lang, { type: 'conjunction' }).format(chosenNames)
      : messages.t('digest.everyTopic'),
    topicCount: chosenNames.length,
    dates: book.slots,
    subject: '',
    preheader: '',
    note: input.editorial?.note,
    ...(mode === 'email' ? slotData() : {}),
  };
}

/** The reader's messages; the publication's locale is the fallback of every key, then English. */
export function digestTranslator(input: ModelInput): Translator {
  return createTranslator(input.locale, {
    fallback: input.publication.locale,
    templatesDir: input.templatesDir,
  });
}

function cardMaker(dates: DateSlotBook, messages: Translator) {
  return (article: Article): Card => {
    const url = safeHttpUrl(article.url);
    const title = cleanText(article.title, 300) || messages.t('digest.untitled');
    const imageSrc = safeHttpUrl(article.imageUrl);
    const published = new Date(article.publishedAt);
    const brief = article.brief
      .map((b) => cleanText(b, 300))
      .filter(Boolean)
      .slice(0, MAX_BULLETS);
    return {
      id: article.id,
      title,
      url,
      source: url ? new URL(url).hostname.replace(/^www\./, '') : cleanText(article.sourceId, 80),
      author: cleanText(article.author, 120),
      date: Number.isNaN(published.getTime()) ? '' : dates.add({ kind: 'day', at: published.toISOString() }),
      readingTime: messages.t('digest.readingTime', {
        minutes: Math.max(1, Math.round(article.readingMinutes || 1)),
      }),
      image: imageSrc ? { src: imageSrc, alt: imageAlt(article.imageAlt, title) } : undefined,
      brief,
      summary: brief.length ? [] : summaryParagraphs(article.summary),
    };
  };
}

/**
 * The headline sits beside every image and is the article's link, so the image's alt describes the
 * picture or is empty (decorative): a screen reader must not read the headline twice, and a blocked
 * image must not turn into a second copy of it.
 */
export function imageAlt(alt: string | undefined, title: string): string {
  const text = cleanText(alt, 300);
  const plain = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, ' ')
      .trim();
  const a = plain(text);
  const t = plain(title);
  return !a || t.includes(a) || a.includes(t) ? '' : text;
}

/** Up to 600 characters of the summary, in its paragraphs (blank-line separated, Article.summary). */
function summaryParagraphs(summary: string): string[] {
  const out: string[] = [];
  let left = 600;
  for (const paragraph of summary.split(/\n\s*\n/)) {
    const text = cleanText(paragraph, left);
    if (!text) continue;
    out.push(text);
    left -= text.length;
    if (left <= 0) break;
  }
  return out;
}

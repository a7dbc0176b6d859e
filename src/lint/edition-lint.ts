/**
 * Pre-send lint of an edition (pure): per variant, what would make a reader's copy clipped, broken or
 * unlawful, found before anybody gets it. Plain data in (the compiled variants as a reader gets them,
 * the publication's postal address, and the answers of the optional link check), findings out.
 *
 * Errors block the send unless forced (src/lint/send-gate.ts); warnings are for the editor's eye.
 *
 *   html-size       the HTML part as sent is over Gmail's 102 KB clip (error) or the 90 KB budget (warning)
 *   text-part       no text/plain part, or an empty one (error)
 *   image-size      an image without width and height: it collapses while images are blocked (error)
 *   image-alt       an image without an alt attribute (error), or whose alt repeats the text beside it,
 *                   read twice by a screen reader (warning; a decorative image takes alt="")
 *   unsubscribe     no unsubscribe link in the HTML or the text part (error)
 *   postal-address  the publication's postal address missing from a part (error; CAN-SPAM)
 *   broken-link     a link or image answering 4xx/5xx, or not answering in time (error; opt-in check)
 */
import { Parser } from 'htmlparser2';
import { CLIP_LIMIT_BYTES, HTML_BUDGET_BYTES } from '../render/size-budget.ts';

export type LintLevel = 'error' | 'warning';
export type LintCode =
  | 'html-size'
  | 'text-part'
  | 'image-size'
  | 'image-alt'
  | 'unsubscribe'
  | 'postal-address'
  | 'broken-link';

export interface LintFinding {
  level: LintLevel;
  code: LintCode;
  /** The variant key, or undefined for a finding about the edition (a link used by several variants). */
  variant: string | undefined;
  /** One readable line. */
  message: string;
}

/** A variant as one reader gets it: both parts filled for a sample recipient. */
export interface LintVariant {
  key: string;
  /** The HTML part as sent (filled), or '' when the variant sends none. */
  html: string;
  /** The text part as sent (filled); '' or missing counts as missing. */
  text: string | undefined;
  /** The unsubscribe URL the sample recipient's copy carries. */
  unsubscribeUrl: string;
}

/** The answer of the link check for one URL. */
export interface LinkAnswer {
  url: string;
  /** HTTP status of the final answer (after redirects), when there was one. */
  status?: number | undefined;
  /** Why there was no usable answer: "timed out after 5 s", "not a public address"... */
  error?: string | undefined;
}

export interface LintInput {
  editionId: string;
  postalAddress: string;
  variants: LintVariant[];
  /** The link check's answers; undefined when it was not asked for. */
  links?: LinkAnswer[] | undefined;
}

export interface LintReport {
  editionId: string;
  ok: boolean;
  errors: number;
  warnings: number;
  variants: Array<{ key: string; htmlBytes: number; textBytes: number; images: number; links: number }>;
  /** Undefined when the network check was not asked for. */
  linksChecked: number | undefined;
  findings: LintFinding[];
}

/** Characters either side of an image within which its alt must not repeat the text. */
const BESIDE = 400;
/** Shorter alt texts ("Map", "Photo") are too short to call a copy. */
const MIN_COPY = 12;

export function lintEdition(input: LintInput): LintReport {
  const findings: LintFinding[] = [];
  const variants: LintReport['variants'] = [];
  const docs = input.variants.map((v) => readHtml(v.html));
  input.variants.forEach((v, i) => {
    const doc = docs[i]!;
    const add = (level: LintLevel, code: LintCode, message: string) =>
      findings.push({ level, code, variant: v.key, message });
    const htmlBytes = Buffer.byteLength(v.html, 'utf8');
    const textBytes = Buffer.byteLength(v.text ?? '', 'utf8');
    variants.push({ key: v.key, htmlBytes, textBytes, images: doc.images.length, links: doc.links.size });

    if (htmlBytes > CLIP_LIMIT_BYTES) {
      add(
        'error',
        'html-size',
        `HTML part is ${kb(htmlBytes)}: Gmail clips over ${kb(CLIP_LIMIT_BYTES)} and hides the rest, footer and unsubscribe link included`,
      );
    } else if (htmlBytes > HTML_BUDGET_BYTES) {
      add('warning', 'html-size', `HTML part is ${kb(htmlBytes)}, over the ${kb(HTML_BUDGET_BYTES)} budget`);
    }
    if (!v.text?.trim())
      add('error', 'text-part', 'no text part: plain-text readers and spam filters expect one');

    for (const img of doc.images) {
      const name = shortUrl(img.src);
      if (!img.width || !img.height) {
        add(
          'error',
          'image-size',
          `image ${name} has no width and height: it collapses when images are blocked`,
        );
      }
      if (img.alt === undefined) {
        add('error', 'image-alt', `image ${name} has no alt attribute (alt="" if it is decorative)`);
        continue;
      }
      const alt = plain(img.alt);
      if (
        alt.length >= MIN_COPY &&
        plain(doc.text.slice(Math.max(0, img.at - BESIDE), img.at + BESIDE)).includes(alt)
      ) {
        add(
          'warning',
          'image-alt',
          `image ${name}: its alt repeats the text beside it ("${clip(img.alt)}"); screen readers read it twice, use alt=""`,
        );
      }
    }

    const unsubscribe = v.unsubscribeUrl;
    if (v.html && !doc.links.has(unsubscribe))
      add('error', 'unsubscribe', 'no unsubscribe link in the HTML part');
    if (v.text?.trim() && !v.text.includes(unsubscribe)) {
      add('error', 'unsubscribe', 'no unsubscribe link in the text part');
    }
    const address = plain(input.postalAddress);
    if (!address) add('error', 'postal-address', 'the publication has no postal address');
    else {
      if (v.html && !plain(doc.text).includes(address)) {
        add('error', 'postal-address', 'the postal address is missing from the HTML part');
      }
      if (v.text?.trim() && !plain(v.text).includes(address)) {
        add('error', 'postal-address', 'the postal address is missing from the text part');
      }
    }
  });

  if (input.links) {
    const usedBy = linkUsers(input.variants, docs);
    for (const answer of input.links) {
      const why =
        answer.error ??
        (answer.status !== undefined && answer.status >= 400 ? `answers HTTP ${answer.status}` : undefined);
      if (!why) continue;
      const users = usedBy.get(answer.url) ?? [];
      findings.push({
        level: 'error',
        code: 'broken-link',
        variant: users.length === 1 ? users[0] : undefined,
        message: `${answer.url} ${why}${users.length > 1 ? ` (in ${users.length} variants)` : ''}`,
      });
    }
  }

  const errors = findings.filter((f) => f.level === 'error').length;
  return {
    editionId: input.editionId,
    ok: errors === 0,
    errors,
    warnings: findings.length - errors,
    variants,
    linksChecked: input.links?.length,
    findings,
  };
}

/** Every http(s) link and image of the variants, once, minus the reader's own (personal) links. */
export function checkableLinks(variants: LintVariant[], personal: (url: string) => boolean): string[] {
  return [
    ...linkUsers(
      variants,
      variants.map((v) => readHtml(v.html)),
    ).keys(),
  ].filter((url) => /^https?:\/\//i.test(url) && !personal(url));
}

function linkUsers(variants: LintVariant[], docs: ReadHtml[]): Map<string, string[]> {
  const users = new Map<string, string[]>();
  for (const [i, v] of variants.entries()) {
    const doc = docs[i]!;
    for (const url of [...doc.links, ...doc.images.map((i) => i.src)]) {
      const list = users.get(url) ?? [];
      if (!list.includes(v.key)) list.push(v.key);
      users.set(url, list);
    }
  }
  return users;
}

interface ReadHtml {
  images: Array<{ src: string; alt: string | undefined; width: string; height: string; at: number }>;
  links: Set<string>;
  /** The visible text in document order (no <style>, <title> or <head>). */
  text: string;
}

function readHtml(html: string): ReadHtml {
  const out: ReadHtml = { images: [], links: new Set(), text: '' };
  let hidden = 0;
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (name === 'style' || name === 'title' || name === 'head' || name === 'script') hidden++;
        if (name === 'a' && attrs.href) out.links.add(attrs.href);
        if (name === 'img') {
          out.images.push({
            src: attrs.src ?? '',
            alt: attrs.alt,
            width: attrs.width ?? '',
            height: attrs.height ?? '',
            at: out.text.length,
          });
        }
      },
      ontext(text) {
        if (!hidden) out.text += text;
      },
      onclosetag(name) {
        if (name === 'style' || name === 'title' || name === 'head' || name === 'script') hidden--;
        // Block ends separate words ("Lunar</h2><p>News" is two words, not "LunarNews").
        out.text += ' ';
      },
    },
    { decodeEntities: true, lowerCaseAttributeNames: true },
  );
  parser.end(html);
  return out;
}

const plain = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const clip = (s: string) => (s.length > 60 ? `${s.slice(0, 59)}…` : s);
const shortUrl = (url: string) => clip(url || '(no src)');

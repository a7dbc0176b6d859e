/**
 * The per-recipient render (the send step's hot path): a compiled variant's Handlebars sources are
 * compiled once, then each recipient costs two template calls that join a few strings.
 *
 * HTML values are escaped here, ASCII-only (non-ASCII as character references), and handed to
 * Handlebars as SafeStrings, so a recipient called "Zoë" keeps the body 7bit-clean. The text part is
 * compiled without HTML escaping: "Tom & Jerry" stays "Tom & Jerry" in plain text. The dates are the
 * reader's, formatted once per (variant, zone) by `dateFiller`.
 */
import Handlebars from 'handlebars';
import type { CompiledVariant } from './build-variant.ts';
import { dateFiller } from './date-slots.ts';

export interface Recipient {
  name: string;
  email: string;
  unsubscribeUrl: string;
  preferencesUrl: string;
  /** The reader's IANA zone: the digest's dates are theirs. Empty or unknown: the publication's. */
  timezone?: string | undefined;
}

export type Personaliser = (r: Recipient) => { html: string; text: string };

const env = Handlebars.create();
const OPTIONS = { knownHelpersOnly: true, strict: false } as const;

export function compilePersonaliser(v: CompiledVariant): Personaliser {
  const html = env.compile(v.html, OPTIONS);
  const text = env.compile(v.text, { ...OPTIONS, noEscape: true });
  const datesIn = dateFiller(v);
  return (r) => {
    const safe = (value: string) => new env.SafeString(escapeHtmlAscii(value));
    const dates = datesIn(r.timezone);
    return {
      html: html({
        recipient: { name: safe(oneLine(r.name)), email: safe(r.email) },
        links: {
          unsubscribe: safe(httpOnly(r.unsubscribeUrl)),
          preferences: safe(httpOnly(r.preferencesUrl)),
        },
        dates: dates.map(safe),
      }),
      text: text({
        recipient: { name: oneLine(r.name), email: r.email },
        links: { unsubscribe: httpOnly(r.unsubscribeUrl), preferences: httpOnly(r.preferencesUrl) },
        dates,
      }),
    };
  };
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtmlAscii(value: string): string {
  return value.replace(/[&<>"']|[^\x00-\x7f]/gu, (ch) => ESCAPES[ch] ?? `&#${ch.codePointAt(0)};`);
}

export const oneLine = (value: string) => value.replace(/[\r\n\u2028\u2029]+/g, ' ');

/** Links come from the delivery engine's signer; anything but http(s) is a bug, never a link. */
export function httpOnly(url: string): string {
  if (!/^https?:\/\/[^\s]+$/i.test(url)) throw new TypeError(`recipient link is not an http(s) URL: ${url}`);
  return url;
}

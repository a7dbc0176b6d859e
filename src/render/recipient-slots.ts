/**
 * The per-recipient slots of a compiled variant. At build time the templates see sentinels instead of
 * the recipient's values; the sentinels pass Handlebars, MJML and the mail-safe rewriting untouched
 * and are then replaced by the only placeholders a compiled variant may hold:
 * `{{recipient.name}}`, `{{recipient.email}}`, `{{links.unsubscribe}}`, `{{links.preferences}}`, and
 * `{{dates.[N]}}` for the N-th date slot (date-slots.ts: dates are in each reader's time zone).
 *
 * A sentinel is framed by U+001F, a control character that `cleanText` removes from every piece of
 * article and publication data, so no article can forge a slot.
 */
export const SLOT_NAMES = [
  'recipient.name',
  'recipient.email',
  'links.unsubscribe',
  'links.preferences',
] as const;
export type SlotName = (typeof SLOT_NAMES)[number];

const MARK = '\u001F';
export const slotSentinel = (name: SlotName): string => `${MARK}slot:${name}${MARK}`;
export const isSlotSentinel = (value: unknown): boolean =>
  typeof value === 'string' && SLOT_NAMES.some((n) => value === slotSentinel(n));
/** The N-th date slot of a variant (its `dates` list). */
export const dateSentinel = (i: number): string => `${MARK}date:${i}${MARK}`;
const DATE_SENTINEL = new RegExp(`${MARK}date:(\\d+)${MARK}`, 'g');

/** The recipient and links as templates see them while a variant is built. */
export function slotData() {
  return {
    recipient: { name: slotSentinel('recipient.name'), email: slotSentinel('recipient.email') },
    links: { unsubscribe: slotSentinel('links.unsubscribe'), preferences: slotSentinel('links.preferences') },
  };
}

/** Sentinels → Handlebars placeholders. Throws if a sentinel was mangled on the way (a template bug). */
export function restoreSlots(source: string): string {
  let out = source;
  for (const name of SLOT_NAMES) out = out.split(slotSentinel(name)).join(`{{${name}}}`);
  out = out.replace(DATE_SENTINEL, '{{dates.[$1]}}');
  if (out.includes(MARK)) throw new Error('a per-recipient slot was split or altered while rendering');
  return out;
}

/** Date sentinels → the given strings: for text that leaves the variant whole (the subject, the stored preheader). */
export function fillDateSentinels(source: string, dates: readonly string[]): string {
  return source.replace(DATE_SENTINEL, (_m, i: string) => dates[Number(i)] ?? '');
}

/** Plain text for templates: no control characters (so no forged sentinels), one line, trimmed. */
export function cleanText(value: unknown, max = 2000): string {
  if (typeof value !== 'string') return '';
  const text = value
    .replace(/[\u0000-\u001F\u007F-\u009F\u2028\u2029]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > max ? `${text.slice(0, max - 1).trimEnd()}\u2026` : text;
}

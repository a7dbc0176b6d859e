/**
 * The per-recipient slots of a compiled variant. At build time the templates see sentinels instead of
 * the recipient's values; the sentinels pass Handlebars, MJML and the mail-safe rewriting untouched
 * and are then replaced by the only placeholders a compiled variant may hold:
 * `{{recipient.name}}`, `{{recipient.email}}`, `{{links.unsubscribe}}`, `{{links.preferences}}`.
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
  if (out.includes(MARK)) throw new Error('a per-recipient slot was split or altered while rendering');
  return out;
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

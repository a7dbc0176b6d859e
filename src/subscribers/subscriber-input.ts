/**
 * Validation of one subscriber as an operator or a form gives it (a CSV row, `subscribers add`, the
 * admin API, the sign-up form): raw strings in, a NewSubscriber or one readable reason out. Pure.
 */

import { type CheckedTimeZone, canonicalTimeZone } from '../core/time-zone-name.ts';
import { splitTopicList } from '../core/topic-list.ts';
import type { Publication } from '../domain/publication.ts';
import { type Consent, SUBSCRIBER_STATUSES, type SubscriberStatus } from '../domain/subscriber.ts';
import { checkLocale } from '../i18n/locale-tag.ts';
import { type Refusal, refusal } from '../i18n/reader-problem.ts';
import { checkEmail } from './normalise-email.ts';
import type { NewSubscriber } from './subscriber-store.ts';

export interface RawSubscriber {
  email?: unknown;
  name?: unknown;
  /** Topic ids separated by `;` or `,`, or an array of them. */
  topics?: unknown;
  timezone?: unknown;
  hour?: unknown;
  status?: unknown;
  /** A BCP 47 tag with a catalogue (`de`, `pt-BR`); empty = the publication's. */
  locale?: unknown;
}

/** A value, or why it is refused (in English for operators, and as a catalogue key for readers). */
export type Checked<T> = { ok: true; value: T } | Refusal;

export const MAX_NAME_LENGTH = 100;
const SUPPRESSED_ON_IMPORT: ReadonlySet<SubscriberStatus> = new Set([
  'unsubscribed',
  'bounced',
  'complained',
]);

// Constructing an Intl.DateTimeFormat per row is the slow part of a 100k-row import; names repeat.
const zoneCache = new Map<string, CheckedTimeZone>();
export function checkedTimeZone(name: string): CheckedTimeZone {
  let checked = zoneCache.get(name);
  if (checked === undefined) {
    checked = canonicalTimeZone(name);
    if (zoneCache.size < 10_000) zoneCache.set(name, checked);
  }
  return checked;
}

/** One line for an operator: which address, and why it is refused. */
export function emailProblem(given: unknown, reason: string): string {
  const shown = String(given ?? '')
    .replace(/[\u0000-\u001f\u007f]/g, ' ')
    .trim()
    .slice(0, 80);
  return shown ? `invalid email address "${shown}": it ${reason}` : 'the email address is missing';
}

/** Trimmed, control characters removed, at most MAX_NAME_LENGTH; a reason when it is too long. */
export function cleanName(value: unknown): Checked<string> {
  if (value === undefined || value === null) return { ok: true, value: '' };
  if (typeof value !== 'string') return refusal('reason.name.text', 'name must be text');
  const name = value.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  if (name.length > MAX_NAME_LENGTH)
    return refusal('reason.name.tooLong', `name is longer than ${MAX_NAME_LENGTH} characters`, {
      max: MAX_NAME_LENGTH,
    });
  return { ok: true, value: name };
}

/** Topic ids of the publication (case-insensitive); an empty list means everything. */
export function checkTopics(value: unknown, publication: Publication): Checked<string[]> {
  const list =
    value === undefined || value === null || value === ''
      ? []
      : Array.isArray(value)
        ? value
        : typeof value === 'string'
          ? splitTopicList(value)
          : undefined;
  if (!list) return refusal('reason.topics.list', 'topics must be a list of topic ids separated by ; or ,');
  const known = new Set(publication.topics.map((t) => t.id));
  const topics: string[] = [];
  for (const item of list) {
    if (typeof item !== 'string') return refusal('reason.topics.list', 'topics must be text');
    const id = item.trim().toLowerCase();
    if (!id) continue;
    if (!known.has(id))
      return refusal(
        'reason.topics.unknown',
        `unknown topic "${item.trim()}" (known: ${[...known].join(', ')})`,
        {
          topic: item.trim().slice(0, 60),
        },
      );
    if (!topics.includes(id)) topics.push(id);
  }
  return { ok: true, value: topics };
}

export function checkHour(value: unknown, fallback: number): Checked<number> {
  if (value === undefined || value === null || value === '') return { ok: true, value: fallback };
  const text = String(value).trim();
  if (!/^\d{1,2}$/.test(text) || Number(text) > 23)
    return refusal('reason.hour', `hour "${text}" is not a whole hour from 0 to 23`, {
      hour: text.slice(0, 20),
    });
  return { ok: true, value: Number(text) };
}

export function checkTimezone(value: unknown, fallback: string): Checked<string> {
  if (value === undefined || value === null || value === '') return { ok: true, value: fallback };
  // The canonical IANA name is stored (`europe/paris` → `Europe/Paris`); abbreviations are refused.
  const zone = String(value).trim();
  const checked = checkedTimeZone(zone);
  return checked.ok
    ? checked
    : refusal('reason.timezone', checked.reason, {
        zone: zone.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 60),
      });
}

/**
 * An operator's subscriber: the row's own status wins; otherwise `active` with `confirmed` (consent
 * given to the operator) or `pending`. Unsubscribed, bounced and complained rows are suppressed.
 */
export function checkOperatorSubscriber(
  raw: RawSubscriber,
  publication: Publication,
  options: { confirmed: boolean; method: string; now: Date },
): Checked<NewSubscriber> {
  const checked = checkEmail(raw.email);
  if (!checked.ok) return { ok: false, reason: emailProblem(raw.email, checked.reason) };
  const email = checked.email;
  const name = cleanName(raw.name);
  if (!name.ok) return name;
  const topics = checkTopics(raw.topics, publication);
  if (!topics.ok) return topics;
  const timezone = checkTimezone(raw.timezone, publication.timezone);
  if (!timezone.ok) return timezone;
  const hour = checkHour(raw.hour, publication.defaultHour);
  if (!hour.ok) return hour;
  const locale = checkLocale(raw.locale);
  if (!locale.ok) return locale;
  let status: SubscriberStatus = options.confirmed ? 'active' : 'pending';
  if (raw.status !== undefined && raw.status !== null && raw.status !== '') {
    const given = String(raw.status).trim().toLowerCase();
    if (!(SUBSCRIBER_STATUSES as readonly string[]).includes(given))
      return { ok: false, reason: `unknown status "${given}" (one of ${SUBSCRIBER_STATUSES.join(', ')})` };
    status = given as SubscriberStatus;
  }
  const consent: Consent | undefined =
    status === 'active'
      ? {
          at: options.now.toISOString(),
          method: options.confirmed ? `${options.method} --confirmed` : options.method,
          ip: undefined,
        }
      : undefined;
  return {
    ok: true,
    value: {
      email,
      name: name.value,
      status,
      topics: topics.value,
      timezone: timezone.value,
      hour: hour.value,
      locale: locale.value,
      consent,
      suppress: SUPPRESSED_ON_IMPORT.has(status),
    },
  };
}

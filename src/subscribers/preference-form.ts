/**
 * The preference center as plain data (pure; `now` comes in): what the page shows for a subscriber,
 * and the change a submitted form asks for, validated field by field.
 */
import type { Publication } from '../domain/publication.ts';
import type { DigestFormat, Subscriber } from '../domain/subscriber.ts';
import { localeOptions } from '../i18n/locale-options.ts';
import { checkLocale } from '../i18n/locale-tag.ts';
import { type Refusal, refusal } from '../i18n/reader-problem.ts';
import type { Translator } from '../i18n/translator.ts';
import { checkHour, checkTimezone, checkTopics, cleanName } from './subscriber-input.ts';
import type { SubscriberPatch } from './subscriber-store.ts';

export const PAUSE_WEEKS = [1, 2, 4] as const;
const WEEK_MS = 7 * 24 * 3600 * 1000;

export type PreferenceAction = 'save' | 'unsubscribe' | 'resubscribe';

export type PreferenceRequest =
  | { ok: true; action: 'save'; patch: SubscriberPatch }
  | { ok: true; action: 'unsubscribe' }
  | { ok: true; action: 'resubscribe' }
  /** Each refused field: `problemText` says it in the reader's language. */
  | { ok: false; errors: Refusal[] };

/** True while a pause is in force. */
export const isPaused = (s: Subscriber, now: Date): boolean =>
  s.pausedUntil !== undefined && Date.parse(s.pausedUntil) > now.getTime();

let zoneList: string[] | undefined;
/** Every IANA zone this runtime knows, plus UTC (which Intl lists under Etc). */
export function timezoneOptions(): string[] {
  zoneList ??= [...new Set(['UTC', ...Intl.supportedValuesOf('timeZone')])].sort();
  return zoneList;
}

/** `messages`: the subscriber's language (their locale, else the publication's). */
export function preferenceView(s: Subscriber, publication: Publication, now: Date, messages: Translator) {
  const paused = isPaused(s, now);
  const zones = timezoneOptions().includes(s.timezone)
    ? timezoneOptions()
    : [s.timezone, ...timezoneOptions()];
  return {
    subscriber: { email: s.email, name: s.name },
    unsubscribed: s.status === 'unsubscribed',
    suppressed: s.status === 'bounced' || s.status === 'complained',
    topics: publication.topics.map((t) => ({ ...t, checked: s.topics.includes(t.id) })),
    frequencies: [
      ...(paused
        ? [
            {
              value: 'keep',
              label: messages.t('page.frequency.pausedUntil', {
                date: formatDate(s.pausedUntil!, s.timezone, messages.locale),
              }),
              checked: true,
            },
          ]
        : []),
      {
        value: 'weekly',
        label: paused ? messages.t('page.frequency.weeklyEndPause') : messages.t('page.frequency.weekly'),
        checked: !paused,
      },
      ...PAUSE_WEEKS.map((w) => ({
        value: `pause-${w}`,
        label: messages.t('page.frequency.pause', { weeks: w }),
        checked: false,
      })),
    ],
    formatHtml: s.format === 'html',
    locales: localeOptions(s.locale, publication.locale, messages),
    timezones: zones.map((z) => ({ value: z, selected: z === s.timezone })),
    // Only a subscriber still on the publication's default zone is offered the browser's zone, as a
    // suggestion to click: it is never applied by itself (a reader abroad keeps her zone).
    detectTimezone: s.timezone === publication.timezone,
    hours: Array.from({ length: 24 }, (_, h) => ({
      value: h,
      label: `${String(h).padStart(2, '0')}:00`,
      selected: h === s.hour,
    })),
  };
}

type FormBody = Record<string, unknown>;

export function parsePreferenceForm(
  body: FormBody,
  current: Subscriber,
  publication: Publication,
  now: Date,
): PreferenceRequest {
  const action = body.action ?? 'save';
  if (action === 'unsubscribe') return { ok: true, action };
  if (action === 'resubscribe') return { ok: true, action };
  if (action !== 'save') return { ok: false, errors: [refusal('reason.action', 'unknown action')] };

  const errors: Refusal[] = [];
  const patch: SubscriberPatch = {};
  const name = cleanName(body.name ?? current.name);
  if (name.ok) patch.name = name.value;
  else errors.push(name);
  const topics = checkTopics(body.topics ?? [], publication);
  if (topics.ok) patch.topics = topics.value;
  else errors.push(topics);
  const timezone = checkTimezone(body.timezone, current.timezone);
  if (timezone.ok) patch.timezone = timezone.value;
  else errors.push(timezone);
  const hour = checkHour(body.hour, current.hour);
  if (hour.ok) patch.hour = hour.value;
  else errors.push(hour);
  const format = body.format ?? current.format;
  if (format === 'html' || format === 'text') patch.format = format as DigestFormat;
  else errors.push(refusal('reason.format', 'format must be html or text'));
  // A form from before the language choice existed keeps the stored locale.
  const locale = checkLocale(body.locale ?? current.locale);
  if (locale.ok) patch.locale = locale.value;
  else errors.push(locale);

  const frequency = body.frequency ?? (isPaused(current, now) ? 'keep' : 'weekly');
  const pause = /^pause-(\d+)$/.exec(String(frequency));
  if (frequency === 'weekly') patch.pausedUntil = undefined;
  else if (frequency === 'keep') patch.pausedUntil = isPaused(current, now) ? current.pausedUntil : undefined;
  else if (pause && (PAUSE_WEEKS as readonly number[]).includes(Number(pause[1])))
    patch.pausedUntil = new Date(now.getTime() + Number(pause[1]) * WEEK_MS).toISOString();
  else errors.push(refusal('reason.frequency', 'frequency must be weekly or a pause of 1, 2 or 4 weeks'));

  return errors.length ? { ok: false, errors } : { ok: true, action: 'save', patch };
}

/** Each shown field's label, in the reader's language. */
function fieldLabel(field: string, messages: Translator): string {
  switch (field) {
    case 'name':
      return messages.t('page.field.name');
    case 'topics':
      return messages.t('page.field.topics');
    case 'pausedUntil':
      return messages.t('page.change.pausedUntil');
    case 'format':
      return messages.t('page.field.format');
    case 'timezone':
      return messages.t('page.field.timezone');
    case 'hour':
      return messages.t('page.field.hour');
    case 'status':
      return messages.t('page.change.status');
    case 'locale':
      return messages.t('page.field.language');
    default:
      return field;
  }
}

/** History changes as lines a person reads ("Hour: 08:00 → 07:00"), in the reader's language. */
export function describeChanges(
  changes: Record<string, [unknown, unknown]> | undefined,
  publication: Publication,
  timezone: string,
  messages: Translator,
): Array<{ label: string; before: string; after: string }> {
  const show = (field: string, v: unknown): string => {
    if (v === null || v === undefined || v === '') {
      if (field === 'pausedUntil') return messages.t('page.change.notPaused');
      if (field === 'locale') return messages.t('page.change.publicationLanguage');
      return messages.t('page.change.none');
    }
    if (field === 'topics') {
      const ids = v as string[];
      return ids.length
        ? new Intl.ListFormat(messages.locale, { type: 'conjunction' }).format(
            ids.map((id) => publication.topics.find((t) => t.id === id)?.name ?? id),
          )
        : messages.t('page.change.everything');
    }
    if (field === 'hour') return `${String(v).padStart(2, '0')}:00`;
    if (field === 'format')
      return v === 'html' ? messages.t('page.format.html') : messages.t('page.format.text');
    if (field === 'pausedUntil') return formatDate(String(v), timezone, messages.locale);
    if (field === 'locale')
      return new Intl.DisplayNames([messages.locale], { type: 'language' }).of(String(v)) ?? String(v);
    if (field === 'status') return statusName(String(v), messages);
    return String(v);
  };
  return Object.entries(changes ?? {}).map(([field, [before, after]]) => ({
    label: fieldLabel(field, messages),
    before: show(field, before),
    after: show(field, after),
  }));
}

function statusName(status: string, messages: Translator): string {
  switch (status) {
    case 'active':
      return messages.t('page.status.active');
    case 'unsubscribed':
      return messages.t('page.status.unsubscribed');
    case 'pending':
      return messages.t('page.status.pending');
    default:
      return status;
  }
}

/** A date in the reader's language and time zone ("4 December 2026", "4. Dezember 2026"). */
function formatDate(iso: string, timezone: string, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: timezone }).format(new Date(iso));
}

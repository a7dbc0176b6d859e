/**
 * The preference center as plain data (pure; `now` comes in): what the page shows for a subscriber,
 * and the change a submitted form asks for, validated field by field.
 */
import type { Publication } from '../domain/publication.ts';
import type { DigestFormat, Subscriber } from '../domain/subscriber.ts';
import { checkHour, checkTimezone, checkTopics, cleanName } from './subscriber-input.ts';
import type { SubscriberPatch } from './subscriber-store.ts';

export const PAUSE_WEEKS = [1, 2, 4] as const;
const WEEK_MS = 7 * 24 * 3600 * 1000;

export type PreferenceAction = 'save' | 'unsubscribe' | 'resubscribe';

export type PreferenceRequest =
  | { ok: true; action: 'save'; patch: SubscriberPatch }
  | { ok: true; action: 'unsubscribe' }
  | { ok: true; action: 'resubscribe' }
  | { ok: false; errors: string[] };

/** True while a pause is in force. */
export const isPaused = (s: Subscriber, now: Date): boolean =>
  s.pausedUntil !== undefined && Date.parse(s.pausedUntil) > now.getTime();

let zoneList: string[] | undefined;
/** Every IANA zone this runtime knows, plus UTC (which Intl lists under Etc). */
export function timezoneOptions(): string[] {
  zoneList ??= [...new Set(['UTC', ...Intl.supportedValuesOf('timeZone')])].sort();
  return zoneList;
}

export function preferenceView(s: Subscriber, publication: Publication, now: Date) {
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
        ? [{ value: 'keep', label: `Paused until ${formatDate(s.pausedUntil!, s.timezone)}`, checked: true }]
        : []),
      { value: 'weekly', label: paused ? 'Every week (end the pause now)' : 'Every week', checked: !paused },
      ...PAUSE_WEEKS.map((w) => ({
        value: `pause-${w}`,
        label: `Pause for ${w} week${w > 1 ? 's' : ''}`,
        checked: false,
      })),
    ],
    formatHtml: s.format === 'html',
    timezones: zones.map((z) => ({ value: z, selected: z === s.timezone })),
    // Only a subscriber still on the publication's default zone gets the browser's zone preselected.
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
  if (action !== 'save') return { ok: false, errors: ['unknown action'] };

  const errors: string[] = [];
  const patch: SubscriberPatch = {};
  const name = cleanName(body.name ?? current.name);
  if (name.ok) patch.name = name.value;
  else errors.push(name.reason);
  const topics = checkTopics(body.topics ?? [], publication);
  if (topics.ok) patch.topics = topics.value;
  else errors.push(topics.reason);
  const timezone = checkTimezone(body.timezone, current.timezone);
  if (timezone.ok) patch.timezone = timezone.value;
  else errors.push(timezone.reason);
  const hour = checkHour(body.hour, current.hour);
  if (hour.ok) patch.hour = hour.value;
  else errors.push(hour.reason);
  const format = body.format ?? current.format;
  if (format === 'html' || format === 'text') patch.format = format as DigestFormat;
  else errors.push('format must be html or text');

  const frequency = body.frequency ?? (isPaused(current, now) ? 'keep' : 'weekly');
  const pause = /^pause-(\d+)$/.exec(String(frequency));
  if (frequency === 'weekly') patch.pausedUntil = undefined;
  else if (frequency === 'keep') patch.pausedUntil = isPaused(current, now) ? current.pausedUntil : undefined;
  else if (pause && (PAUSE_WEEKS as readonly number[]).includes(Number(pause[1])))
    patch.pausedUntil = new Date(now.getTime() + Number(pause[1]) * WEEK_MS).toISOString();
  else errors.push('frequency must be weekly or a pause of 1, 2 or 4 weeks');

  return errors.length ? { ok: false, errors } : { ok: true, action: 'save', patch };
}

const LABELS: Record<string, string> = {
  name: 'Name',
  topics: 'Topics',
  pausedUntil: 'Paused until',
  format: 'Format',
  timezone: 'Time zone',
  hour: 'Hour',
  status: 'Subscription',
};

/** History changes as lines a person reads ("Hour: 08:00 → 07:00"). */
export function describeChanges(
  changes: Record<string, [unknown, unknown]> | undefined,
  publication: Publication,
  timezone: string,
): Array<{ label: string; before: string; after: string }> {
  const show = (field: string, v: unknown): string => {
    if (v === null || v === undefined || v === '') return field === 'pausedUntil' ? 'not paused' : '(none)';
    if (field === 'topics') {
      const ids = v as string[];
      return ids.length
        ? ids.map((id) => publication.topics.find((t) => t.id === id)?.name ?? id).join(', ')
        : 'everything';
    }
    if (field === 'hour') return `${String(v).padStart(2, '0')}:00`;
    if (field === 'format') return v === 'html' ? 'designed email' : 'plain text';
    if (field === 'pausedUntil') return formatDate(String(v), timezone);
    return String(v);
  };
  return Object.entries(changes ?? {}).map(([field, [before, after]]) => ({
    label: LABELS[field] ?? field,
    before: show(field, before),
    after: show(field, after),
  }));
}

function formatDate(iso: string, timezone: string): string {
  return new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: timezone }).format(new Date(iso));
}

/**
 * Export of every subscriber as CSV (csv-stringify; the columns import reads come first, so an
 * export imports again) or as a JSON array, streamed page by page so memory stays flat.
 */
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { Subscriber } from '../domain/subscriber.ts';
import { guardFormula } from './csv-formula-guard.ts';
import type { SubscriberStore } from './subscriber-store.ts';

export type ExportFormat = 'csv' | 'json';

export const EXPORT_COLUMNS = [
  'email',
  'name',
  'topics',
  'timezone',
  'hour',
  'status',
  'id',
  'format',
  'paused_until',
  'locale',
  'consent_at',
  'consent_method',
  'consent_ip',
  'created_at',
  'updated_at',
] as const;

export async function* allSubscribers(store: SubscriberStore, pageSize = 500): AsyncGenerator<Subscriber> {
  let cursor = '0';
  do {
    const page = await store.scanIds(cursor, pageSize);
    cursor = page.cursor;
    for (const s of await store.getMany(page.ids)) if (s) yield s;
  } while (cursor !== '0');
}

export function toRow(s: Subscriber): Record<(typeof EXPORT_COLUMNS)[number], string | number> {
  return {
    email: s.email,
    name: s.name,
    topics: s.topics.join(';'),
    timezone: s.timezone,
    hour: s.hour,
    status: s.status,
    id: s.id,
    format: s.format,
    paused_until: s.pausedUntil ?? '',
    locale: s.locale,
    consent_at: s.consent?.at ?? '',
    consent_method: s.consent?.method ?? '',
    consent_ip: s.consent?.ip ?? '',
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  };
}

export function exportSubscribers(store: SubscriberStore, format: ExportFormat): Readable {
  if (format === 'csv') {
    const rows = Readable.from(
      (async function* () {
        for await (const s of allSubscribers(store)) yield toRow(s);
      })(),
    );
    // Cells starting with = + - @ are prefixed so a spreadsheet never runs them as formulas; the
    // import takes the prefix off again (csv-formula-guard.ts).
    return rows.pipe(
      stringify({ header: true, columns: [...EXPORT_COLUMNS], cast: { string: guardFormula } }),
    );
  }
  return Readable.from(
    (async function* () {
      let first = true;
      yield '[';
      for await (const s of allSubscribers(store)) {
        yield `${first ? '\n' : ',\n'}${JSON.stringify(s)}`;
        first = false;
      }
      yield '\n]\n';
    })(),
  );
}

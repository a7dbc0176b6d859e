import { describe, expect, it } from 'vitest';
import type { Subscriber } from '../../src/domain/subscriber.ts';
import { problemText } from '../../src/i18n/reader-problem.ts';
import { createTranslator } from '../../src/i18n/translator.ts';
import { loadPublication, SAMPLE_PUBLICATION_FILE } from '../../src/publication/load-publication.ts';
import {
  describeChanges,
  parsePreferenceForm,
  preferenceView,
} from '../../src/subscribers/preference-form.ts';

const publication = loadPublication(SAMPLE_PUBLICATION_FILE);
const now = new Date('2026-11-20T10:00:00Z');
const english = createTranslator('en-GB');
const german = createTranslator('de', { fallback: 'en-GB' });
const subscriber: Subscriber = {
  id: 'AbCdEfGhIjKlMnOp',
  email: 'ann@example.com',
  name: 'Ann',
  status: 'active',
  topics: ['lunar'],
  frequency: 'weekly',
  pausedUntil: undefined,
  format: 'html',
  timezone: 'Europe/Berlin',
  hour: 8,
  locale: 'en-GB',
  consent: undefined,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};
const save = (body: Record<string, unknown>, s = subscriber) =>
  parsePreferenceForm({ action: 'save', ...body }, s, publication, now);

describe('preference form', () => {
  it('turns a valid form into a patch; a pause starts at now', () => {
    const r = save({
      name: ' Ann  Lee ',
      topics: ['launch', 'POLICY'],
      frequency: 'pause-4',
      format: 'text',
      timezone: 'Asia/Tokyo',
      hour: '23',
    });
    expect(r).toEqual({
      ok: true,
      action: 'save',
      patch: {
        name: 'Ann  Lee',
        topics: ['launch', 'policy'],
        pausedUntil: '2026-12-18T10:00:00.000Z',
        format: 'text',
        timezone: 'Asia/Tokyo',
        hour: 23,
        locale: 'en-GB',
      },
    });
  });

  it('no topics ticked means everything; a single topic arrives as a string', () => {
    expect(save({}).ok && (save({}) as { patch: { topics: string[] } }).patch.topics).toEqual([]);
    expect((save({ topics: 'markets' }) as { patch: { topics: string[] } }).patch.topics).toEqual([
      'markets',
    ]);
  });

  it('lists every bad field', () => {
    const r = save({
      topics: ['gardening'],
      hour: '24',
      timezone: 'Mars/Base',
      format: 'pdf',
      frequency: 'pause-3',
      name: 'x'.repeat(101),
    });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors).toHaveLength(6);
    // Each in the reader's words: operators' English stays in `reason`, the page shows the catalogue's.
    expect(!r.ok && r.errors.map((e) => problemText(e, german))).toEqual([
      'Der Name ist zu lang (höchstens 100 Zeichen).',
      'Ein Thema „gardening“ gibt es nicht: Bitte wählen Sie aus der Liste.',
      '„Mars/Base“ ist keine Zeitzone, die wir kennen: Bitte wählen Sie eine aus der Liste.',
      'Bitte wählen Sie eine Uhrzeit von 00:00 bis 23:00.',
      'Bitte wählen Sie „Gestaltete E-Mail“ oder „Nur Text“.',
      'Bitte wählen Sie „Jede Woche“ oder eine Pause von 1, 2 oder 4 Wochen.',
    ]);
    expect(!r.ok && r.errors[3]!.reason).toBe('hour "24" is not a whole hour from 0 to 23');
  });

  it('keeps a running pause when asked, ends it with weekly', () => {
    const paused = { ...subscriber, pausedUntil: '2026-12-01T00:00:00.000Z' };
    expect(
      (save({ frequency: 'keep' }, paused) as { patch: { pausedUntil?: string } }).patch.pausedUntil,
    ).toBe(paused.pausedUntil);
    expect(
      (save({ frequency: 'weekly' }, paused) as { patch: { pausedUntil?: string } }).patch.pausedUntil,
    ).toBeUndefined();
    const view = preferenceView(paused, publication, now, english);
    expect(view.frequencies[0]).toMatchObject({
      value: 'keep',
      checked: true,
      label: 'Paused until 1 December 2026',
    });
  });

  it('passes unsubscribe and resubscribe through, refuses unknown actions', () => {
    expect(parsePreferenceForm({ action: 'unsubscribe' }, subscriber, publication, now)).toEqual({
      ok: true,
      action: 'unsubscribe',
    });
    expect(parsePreferenceForm({ action: 'drop-table' }, subscriber, publication, now).ok).toBe(false);
  });

  it('offers the browser zone only to a subscriber on the publication default', () => {
    expect(preferenceView(subscriber, publication, now, english).detectTimezone).toBe(true);
    expect(
      preferenceView({ ...subscriber, timezone: 'Asia/Tokyo' }, publication, now, english).detectTimezone,
    ).toBe(false);
    const zones = preferenceView(subscriber, publication, now, english).timezones;
    expect(zones.filter((z) => z.selected).map((z) => z.value)).toEqual(['Europe/Berlin']);
    expect(zones.some((z) => z.value === 'UTC')).toBe(true);
  });

  it('describes changes in words', () => {
    expect(
      describeChanges(
        { topics: [[], ['lunar', 'markets']], hour: [8, 7], format: ['html', 'text'] },
        publication,
        'UTC',
        english,
      ),
    ).toEqual([
      { label: 'Topics', before: 'everything', after: 'Lunar and Markets' },
      { label: 'Hour', before: '08:00', after: '07:00' },
      { label: 'Format', before: 'Designed email (HTML)', after: 'Plain text only' },
    ]);
  });

  it("describes changes and pauses in the reader's language, and saves a chosen locale", () => {
    expect(
      describeChanges(
        {
          topics: [[], ['lunar', 'markets']],
          locale: ['', 'de'],
          pausedUntil: [undefined, '2026-12-01T00:00:00Z'],
        },
        publication,
        'Europe/Berlin',
        german,
      ),
    ).toEqual([
      { label: 'Themen', before: 'alle Themen', after: 'Lunar und Markets' },
      { label: 'Sprache', before: 'Sprache des Newsletters', after: 'Deutsch' },
      { label: 'Pausiert bis', before: 'nicht pausiert', after: '1. Dezember 2026' },
    ]);
    const view = preferenceView({ ...subscriber, locale: 'de' }, publication, now, german);
    expect(view.frequencies.map((f) => f.label)).toEqual([
      'Jede Woche',
      '1 Woche pausieren',
      '2 Wochen pausieren',
      '4 Wochen pausieren',
    ]);
    expect(view.locales.find((l) => l.selected)).toMatchObject({ value: 'de', label: 'Deutsch' });
    expect((save({ locale: 'pt-br' }) as { patch: { locale?: string } }).patch.locale).toBe('pt-BR');
    expect((save({ locale: '' }) as { patch: { locale?: string } }).patch.locale).toBe('');
    const refused = save({ locale: 'klingon' });
    expect(!refused.ok && refused.errors[0]!.reason).toMatch(
      /^unknown locale "klingon" \(one of en, de, fr, es, pt-BR, ar/,
    );
    expect(!refused.ok && problemText(refused.errors[0]!, german)).toBe(
      '„klingon“ ist keine Sprache, die wir anbieten: Bitte wählen Sie eine aus der Liste.',
    );
  });
});

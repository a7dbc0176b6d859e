import { describe, expect, it } from 'vitest';
import type { Subscriber } from '../../src/domain/subscriber.ts';
import { loadPublication, SAMPLE_PUBLICATION_FILE } from '../../src/publication/load-publication.ts';
import {
  describeChanges,
  parsePreferenceForm,
  preferenceView,
} from '../../src/subscribers/preference-form.ts';

const publication = loadPublication(SAMPLE_PUBLICATION_FILE);
const now = new Date('2026-11-20T10:00:00Z');
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
  });

  it('keeps a running pause when asked, ends it with weekly', () => {
    const paused = { ...subscriber, pausedUntil: '2026-12-01T00:00:00.000Z' };
    expect(
      (save({ frequency: 'keep' }, paused) as { patch: { pausedUntil?: string } }).patch.pausedUntil,
    ).toBe(paused.pausedUntil);
    expect(
      (save({ frequency: 'weekly' }, paused) as { patch: { pausedUntil?: string } }).patch.pausedUntil,
    ).toBeUndefined();
    const view = preferenceView(paused, publication, now);
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

  it('preselects the browser zone only for a subscriber on the publication default', () => {
    expect(preferenceView(subscriber, publication, now).detectTimezone).toBe(true);
    expect(preferenceView({ ...subscriber, timezone: 'Asia/Tokyo' }, publication, now).detectTimezone).toBe(
      false,
    );
    const zones = preferenceView(subscriber, publication, now).timezones;
    expect(zones.filter((z) => z.selected).map((z) => z.value)).toEqual(['Europe/Berlin']);
    expect(zones.some((z) => z.value === 'UTC')).toBe(true);
  });

  it('describes changes in words', () => {
    expect(
      describeChanges(
        { topics: [[], ['lunar', 'markets']], hour: [8, 7], format: ['html', 'text'] },
        publication,
        'UTC',
      ),
    ).toEqual([
      { label: 'Topics', before: 'everything', after: 'Lunar, Markets' },
      { label: 'Hour', before: '08:00', after: '07:00' },
      { label: 'Format', before: 'designed email', after: 'plain text' },
    ]);
  });
});

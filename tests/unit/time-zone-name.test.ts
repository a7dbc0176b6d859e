/** Time zones as people type them: one stored IANA form, abbreviations refused with a suggestion. */
import { describe, expect, it } from 'vitest';
import { canonicalTimeZone } from '../../src/core/time-zone-name.ts';
import { loadPublication, SAMPLE_PUBLICATION_FILE } from '../../src/publication/load-publication.ts';
import { checkOperatorSubscriber } from '../../src/subscribers/subscriber-input.ts';

const publication = loadPublication(SAMPLE_PUBLICATION_FILE);
const add = (timezone: string) =>
  checkOperatorSubscriber({ email: 'ada@example.com', timezone }, publication, {
    confirmed: true,
    method: 'test',
    now: new Date('2026-11-20T10:00:00Z'),
  });

describe('canonicalTimeZone', () => {
  it('stores the IANA name in its own case, whatever case was typed', () => {
    expect(canonicalTimeZone('europe/paris')).toEqual({ ok: true, value: 'Europe/Paris' });
    expect(canonicalTimeZone(' AMERICA/NEW_YORK ')).toEqual({ ok: true, value: 'America/New_York' });
    expect(canonicalTimeZone('utc')).toEqual({ ok: true, value: 'UTC' });
    expect(canonicalTimeZone('US/Eastern')).toEqual({ ok: true, value: 'America/New_York' });
  });

  it('refuses abbreviations with the IANA name people usually mean', () => {
    const cases: Array<[string, string]> = [
      ['EST', 'America/New_York'],
      ['PST', 'America/Los_Angeles'],
      ['CET', 'Europe/Paris'],
      ['est', 'America/New_York'],
      ['EST5EDT', 'America/New_York'],
    ];
    for (const [abbreviation, suggestion] of cases) {
      const checked = canonicalTimeZone(abbreviation);
      expect(checked.ok).toBe(false);
      if (!checked.ok) {
        expect(checked.reason).toContain(`"${abbreviation}" is an abbreviation`);
        expect(checked.reason).toContain(suggestion);
      }
    }
  });

  it('says an unknown name is unknown, in one line', () => {
    expect(canonicalTimeZone('Mars/Olympus')).toEqual({
      ok: false,
      reason: 'unknown timezone "Mars/Olympus" (an IANA name such as Europe/Berlin or UTC)',
    });
  });
});

describe('a subscriber added or imported', () => {
  it('is stored with the canonical zone, and an abbreviation is refused', () => {
    const ok = add('europe/berlin');
    expect(ok.ok && ok.value.timezone).toBe('Europe/Berlin');
    const refused = add('EST');
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.reason).toMatch(/abbreviation.*America\/New_York/);
  });
});

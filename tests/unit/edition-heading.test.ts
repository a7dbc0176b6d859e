import { describe, expect, it } from 'vitest';
import { editionWindow } from '../../src/core/edition-window.ts';
import { dateLocale } from '../../src/render/date-locale.ts';
import { editionHeading } from '../../src/render/edition-heading.ts';

const edition = (id: string, tz = 'Europe/Berlin') => {
  const w = editionWindow(id, tz, 1);
  return { id, windowStart: w.start.toISOString(), windowEnd: w.end.toISOString() };
};

describe('editionHeading', () => {
  it('"Week 47 · 16–22 November 2026" in en-GB', () => {
    expect(editionHeading(edition('2026-W47'), 'Europe/Berlin', 'en-GB').heading).toBe(
      'Week 47 · 16–22 November 2026',
    );
  });

  it('spans months and years with the locale’s own range style', () => {
    expect(editionHeading(edition('2026-W49'), 'Europe/Berlin', 'en-GB').range).toBe(
      '30 November\u2009–\u20096 December 2026',
    );
    expect(editionHeading(edition('2026-W53'), 'Europe/Berlin', 'en-GB').range).toBe(
      '28 December 2026\u2009–\u20093 January 2027',
    );
  });

  it('speaks German for de-DE', () => {
    const h = editionHeading(edition('2026-W47'), 'Europe/Berlin', 'de-DE');
    expect(h.heading).toBe('Woche 47 · 16.–22. November 2026');
  });

  it('the last day is the one before the window end, in the publication timezone (DST week)', () => {
    // The week of the autumn DST change in Berlin is 169 hours long and still ends on Sunday.
    expect(editionHeading(edition('2026-W43'), 'Europe/Berlin', 'en-GB').range).toBe('19–25 October 2026');
    expect(editionHeading(edition('2026-W47', 'Pacific/Auckland'), 'Pacific/Auckland', 'en-GB').range).toBe(
      '16–22 November 2026',
    );
  });
});

describe('dateLocale', () => {
  it('maps BCP 47 tags to date-fns locales, falling back to the language, then en-GB', () => {
    expect(dateLocale('en-GB').code).toBe('en-GB');
    expect(dateLocale('pt-BR').code).toBe('pt-BR');
    expect(dateLocale('de-AT').code).toBe('de-AT');
    expect(dateLocale('de-CH').code).toBe('de');
    expect(dateLocale('fr-BE').code).toBe('fr');
    expect(dateLocale('xx-YY').code).toBe('en-GB');
  });
});

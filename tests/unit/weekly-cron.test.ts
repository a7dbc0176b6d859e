/** The weekly schedule's cron: parsed by cron-parser, and it must fire once a week. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { checkWeeklyCron } from '../../src/core/weekly-cron.ts';
import { ConfigError } from '../../src/errors/config-error.ts';

describe('checkWeeklyCron', () => {
  it('accepts one day a week, also across a daylight-saving change', () => {
    expect(checkWeeklyCron('0 6 * * 1')).toEqual({ ok: true, value: '0 6 * * 1' });
    expect(checkWeeklyCron(' 30  7 * *  SUN', 'Europe/Berlin')).toEqual({ ok: true, value: '30 7 * * SUN' });
    expect(checkWeeklyCron('0 2 * * 0', 'America/New_York').ok).toBe(true);
  });

  it('refuses a daily, twice-weekly or monthly cron in our words', () => {
    expect(checkWeeklyCron('0 7 * * *')).toEqual({
      ok: false,
      reason:
        '"0 7 * * *" does not run once a week (runs 7 times a week): give one day of the week, such as "0 6 * * 1" (Mondays at 06:00)',
    });
    expect(checkWeeklyCron('0 7 * * 1,4')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('2 times a week'),
    });
    expect(checkWeeklyCron('0 7 1 * *')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('does not run once a week'),
    });
  });

  it('refuses what does not parse without the library wording', () => {
    const checked = checkWeeklyCron('61 7 * * 1');
    expect(checked).toEqual({
      ok: false,
      reason: '"61 7 * * 1" is not a valid cron such as "0 6 * * 1" (Mondays at 06:00)',
    });
    expect(checkWeeklyCron('0 7 * *')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('not a 5-field cron'),
    });
  });

  it('SCHEDULE_CRON=0 7 * * * is refused by the configuration with one line', () => {
    expect(() => loadConfig({ SCHEDULE_CRON: '0 7 * * *' })).toThrow(ConfigError);
    expect(() => loadConfig({ SCHEDULE_CRON: '0 7 * * *' })).toThrow(
      /^SCHEDULE_CRON must be a weekly 5-field cron/,
    );
  });
});

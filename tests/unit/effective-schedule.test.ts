/** Which weekly schedule holds, and the conflict reported (pure; src/publication/effective-schedule.ts). */
import { describe, expect, it } from 'vitest';
import { effectiveSchedule } from '../../src/publication/effective-schedule.ts';

const file = { cron: '0 6 * * 1', timezone: 'Europe/Berlin', origin: 'file' as const };
const stored = {
  cron: '0 9 * * 3',
  timezone: 'Europe/Berlin',
  fileCron: '0 6 * * 1',
  at: '2026-11-30T10:00:00Z',
};

describe('effectiveSchedule', () => {
  it("is the file's with nothing stored, or a stored one equal to it", () => {
    expect(effectiveSchedule(file, undefined)).toEqual({ ...file, conflict: undefined });
    expect(effectiveSchedule(file, { ...stored, cron: file.cron })).toEqual({ ...file, conflict: undefined });
  });
  it('is the stored one while the file is unchanged, and says it differs from the file', () => {
    const s = effectiveSchedule(file, stored);
    expect(s).toMatchObject({ cron: '0 9 * * 3', origin: 'stored' });
    expect(s.conflict).toBe(
      'schedule: "0 9 * * 3" in Europe/Berlin stored by digest schedule set on 2026-11-30 is used; the publication file says "0 6 * * 1" in Europe/Berlin (digest schedule reset goes back to the file)',
    );
  });
  it('is the file once the file changed after the schedule was stored, and says so', () => {
    const s = effectiveSchedule({ ...file, cron: '0 7 * * 1' }, stored);
    expect(s).toMatchObject({ cron: '0 7 * * 1', origin: 'file' });
    expect(s.conflict).toMatch(/^schedule: the publication file's scheduleCron changed to "0 7 \* \* 1"/);
  });
  it('is SCHEDULE_CRON over both, naming the stored one it hides', () => {
    const s = effectiveSchedule({ ...file, cron: '0 5 * * 1', origin: 'env' }, stored);
    expect(s).toMatchObject({ cron: '0 5 * * 1', origin: 'env' });
    expect(s.conflict).toMatch(
      /^schedule: SCHEDULE_CRON "0 5 \* \* 1" in Europe\/Berlin is used; it hides "0 9/,
    );
  });
});

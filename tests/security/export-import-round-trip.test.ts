/**
 * Issue 18 #7: `=calc@readers.example` was exported as `'=calc@readers.example` (the CSV-injection
 * guard) and imported back as that different, valid address. The import now takes our guard off
 * again, and the guard is one-to-one (src/subscribers/csv-formula-guard.ts), so every address and name
 * survives export then import.
 */
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPublication, SAMPLE_PUBLICATION_FILE } from '../../src/publication/load-publication.ts';
import { guardFormula, unguardFormula } from '../../src/subscribers/csv-formula-guard.ts';
import { importSubscribersCsv } from '../../src/subscribers/csv-import.ts';
import { createRedisSubscriberStore } from '../../src/subscribers/redis-subscriber-store.ts';
import { exportSubscribers } from '../../src/subscribers/subscriber-export.ts';
import { cleanupPrefix, testRedis, uniquePrefix } from '../helpers/redis.ts';

const publication = loadPublication(SAMPLE_PUBLICATION_FILE);
const PEOPLE = [
  { email: '=calc@readers.example', name: '=HYPERLINK("http://evil.example")' },
  { email: '+plus@readers.example', name: '+1 555' },
  { email: '-dash@readers.example', name: '-minus' },
  { email: "'=quoted@readers.example", name: "'=already quoted" },
  { email: "''+two@readers.example", name: "''@two" },
  { email: "o'neil@readers.example", name: "'plain quote" },
  { email: 'plain@readers.example', name: '@handle' },
];

describe('export then import is a round trip (issue 18 #7)', () => {
  const redis = testRedis();
  const prefixes: string[] = [];
  const store = () => {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    return createRedisSubscriberStore(redis, prefix);
  };
  afterAll(async () => {
    for (const p of prefixes) await cleanupPrefix(redis, p);
    redis.disconnect();
  });

  it('the guard is undone exactly, for every cell', () => {
    for (const value of [...PEOPLE.flatMap((p) => [p.email, p.name]), '', "'", "''", '\tx', 'a=b']) {
      expect(unguardFormula(guardFormula(value))).toBe(value);
    }
  });

  it('guarded addresses and names come back as they were; no cell of the export runs as a formula', async () => {
    const source = store();
    for (const p of PEOPLE)
      await source.create({ ...p, status: 'active', timezone: 'UTC', hour: 8, locale: 'en-GB' }, 'admin');
    const csv = await text(exportSubscribers(source, 'csv'));
    expect(csv).toContain("'=calc@readers.example");
    for (const line of csv.trim().split('\n').slice(1))
      for (const cell of line.split(',')) expect(cell.replace(/^"/, '')).not.toMatch(/^[=+\-@]/);

    const target = store();
    const report = await importSubscribersCsv(
      Readable.from([csv]),
      { store: target, publication },
      {
        confirmed: false,
        now: new Date(),
      },
    );
    expect(report.rejected).toEqual([]);
    expect(report.imported).toBe(PEOPLE.length);
    for (const p of PEOPLE) expect(await target.getByEmail(p.email), p.email).toMatchObject(p);
    expect(await target.getByEmail("'=calc@readers.example")).toBeUndefined();
  });
});

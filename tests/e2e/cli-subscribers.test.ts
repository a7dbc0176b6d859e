/** `digest subscribers ...` through the real binary on the test Redis. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { digestCli } from '../helpers/cli.ts';
import { cleanupPrefix, testRedis, uniquePrefix } from '../helpers/redis.ts';

const prefix = uniquePrefix();
const dataDir = mkdtempSync(join(tmpdir(), 'nd-cli-subscribers-'));

const run = digestCli({ prefix, dataDir });
const digest = (...args: string[]) => run('subscribers', ...args);

afterAll(async () => {
  const redis = testRedis();
  await cleanupPrefix(redis, prefix);
  await redis.quit();
});

describe('digest subscribers', () => {
  it('imports a CSV with bad rows, lists, shows, exports, forgets', () => {
    const csv = join(dataDir, 'readers.csv');
    writeFileSync(
      csv,
      [
        'email,name,topics,timezone,hour,status',
        'ann@example.com,Ann,lunar;launch,Europe/Paris,7,',
        'bad-address,X,,,,',
        'bob@example.com,Bob,,Mars/Olympus,8,',
        'cid@example.com,Cid,,,25,',
        'ANN@example.com,Dup,,,,',
        'dee@example.com,Dee,,,,unsubscribed',
      ].join('\n'),
    );
    const imported = digest('import', csv, '--confirmed');
    expect(imported.code).toBe(1); // some rows were rejected
    expect(imported.out).toContain('imported 2 of 6 rows; 4 rejected');
    expect(imported.out).toContain('line 3: invalid email address "bad-address"');
    expect(imported.out).toContain('line 4: unknown timezone "Mars/Olympus"');
    expect(imported.out).toContain('line 5: hour "25" is not a whole hour');
    expect(imported.out).toContain('line 6: duplicate of line 2');

    const list = digest('list', '--status', 'active', '--json');
    expect(list.code).toBe(0);
    expect(
      list.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).email),
    ).toEqual(['ann@example.com']);

    const added = digest(
      'add',
      'Eve@Example.com',
      '--name',
      'Eve',
      '--topics',
      'markets',
      '--hour',
      '6',
      '--json',
    );
    // Without --confirmed the double opt-in mail goes out at once; this runner's relay (127.0.0.1:2525)
    // answers nobody, so Eve is added all the same and the command says so with exit 1
    // (tests/integration/confirm-resend.test.ts sends it through a real relay).
    expect(added.code, added.err).toBe(1);
    expect(JSON.parse(added.out)).toMatchObject({
      created: true,
      subscriber: { email: 'eve@example.com', status: 'pending', hour: 6 },
      confirmation: 'not-sent',
      // The relay's failure in our words, not hidden behind a guess.
      confirmationError: 'connection refused (ECONNREFUSED)',
    });
    const addedText = digest('add', 'Fay@Example.com');
    expect(addedText.out).toContain(
      'the confirmation email was not sent: connection refused (ECONNREFUSED); once the relay takes it: digest subscribers confirm-resend --email fay@example.com',
    );
    const badAdd = digest('add', 'x@example.com', '--hour', '30');
    expect(badAdd.code).toBe(2);
    // One line (the test Redis runs without AOF, so a JSON warning may precede it).
    expect(badAdd.err.trim().split('\n').at(-1)).toBe('digest: hour "30" is not a whole hour from 0 to 23');
    expect(badAdd.err).not.toMatch(/\bat .*\.ts:\d+/);
    const badLocale = digest('add', 'y@example.com', '--locale', 'xx');
    expect(badLocale.code).toBe(2);
    expect(badLocale.err.trim().split('\n').at(-1)).toBe(
      'digest: unknown locale "xx" (one of en, de, fr, es, pt-BR, ar, or a regional form such as de-AT)',
    );
    const german = digest('add', 'z@example.com', '--locale', 'de-at', '--json');
    expect(JSON.parse(german.out).subscriber.locale).toBe('de-AT');

    const show = digest('show', 'ann@example.com');
    expect(show.code).toBe(0);
    expect(show.out).toContain('consent: ');
    expect(show.out).toMatch(/import\s+created/);

    const out = join(dataDir, 'export.csv');
    expect(digest('export', '--output', out).code).toBe(0);
    const exported = readFileSync(out, 'utf8').trim().split('\n');
    expect(exported[0]).toMatch(/^email,name,topics,timezone,hour,status/);
    expect(exported).toHaveLength(6); // header, ann, dee, eve, fay, z

    const refused = digest('forget', 'dee@example.com');
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('--yes');
    const forgotten = digest('forget', 'dee@example.com', '--yes', '--json');
    expect(forgotten.code).toBe(0);
    expect(JSON.parse(forgotten.out)).toEqual({ forgotten: expect.any(String), suppressed: true });
    expect(digest('show', 'dee@example.com').code).toBe(1);
    const again = digest('add', 'dee@example.com');
    expect(again.code).toBe(2);
    expect(again.err).toContain('suppression list');
    expect(again.err).not.toMatch(/\bat .*\.ts:\d+/);
  }, 180_000);

  it('--help works on every subcommand', () => {
    for (const sub of ['add', 'import', 'export', 'show', 'list', 'forget']) {
      const r = digest(sub, '--help');
      expect(r.code).toBe(0);
      expect(r.out).toContain(`Usage: digest subscribers ${sub}`);
    }
  }, 120_000);
});

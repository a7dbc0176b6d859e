/**
 * One publication per data dir, through the real `digest` binary on the test Redis. The demo's data
 * (its sources, articles, six demo subscribers, a built W47, a stored schedule) meets a new
 * PUBLICATION_FILE: every command refuses in one line naming both publications and the way out;
 * `publication show` says whose data it is; `publication adopt --yes` keeps the operator's own
 * subscriber and drops the demo's sources, articles, editions and subscribers; then the file's
 * sources and schedule hold, and what the CLI stores beside them is reported as a conflict.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SAMPLE_PUBLICATION_FILE } from '../../src/publication/load-publication.ts';
import { publicationKeys } from '../../src/redis/key-layout.ts';
import { digestCli } from '../helpers/cli.ts';
import { cleanupPrefix, testRedis, uniquePrefix } from '../helpers/redis.ts';

const prefix = uniquePrefix();
const dataDir = mkdtempSync(join(tmpdir(), 'nd-cli-publication-'));
const demo = digestCli({ prefix, dataDir });
const folder = mkdtempSync(join(tmpdir(), 'nd-acme-'));
const acmeFile = join(folder, 'acme.json');
const acmeFeed = join(folder, 'acme-feed.xml');
const acme = digestCli({ prefix, dataDir, env: { PUBLICATION_FILE: acmeFile } });

function writeAcme(changes: Record<string, unknown> = {}): void {
  writeFileSync(
    acmeFile,
    JSON.stringify({
      id: 'acme-news',
      name: 'Acme News',
      websiteUrl: 'https://acme.example',
      from: { name: 'Acme News', address: 'news@acme.example' },
      postalAddress: 'Acme, 1 Road Runner Way, Phoenix AZ 85001, USA',
      timezone: 'America/Phoenix',
      topics: [
        { id: 'orbit', name: 'Orbit' },
        { id: 'business', name: 'Business' },
      ],
      topicAliases: { markets: 'business' },
      scheduleCron: '0 7 * * 1',
      sources: [{ url: 'acme-feed.xml' }],
      ...changes,
    }),
  );
}

afterAll(async () => {
  const redis = testRedis();
  await cleanupPrefix(redis, prefix);
  await redis.quit();
});

describe('one publication per data dir', () => {
  it('refuses another publication on the demo data, adopts it on purpose, then the file holds', async () => {
    copyFileSync(join(dirname(SAMPLE_PUBLICATION_FILE), 'feed.xml'), acmeFeed);
    writeAcme();
    // The demo's data, as the first `digest start` leaves it (without its send to the outbox).
    expect(demo('collect').code).toBe(0);
    const csv = join(dirname(SAMPLE_PUBLICATION_FILE), 'subscribers.csv');
    // The demo's pending row gets its opt-in mail, which the runner's dead relay refuses (exit 1).
    expect(demo('subscribers', 'import', csv, '--confirmed').out).toContain('imported 6 of 6 rows');
    expect(demo('subscribers', 'add', 'me@own.example', '--topics', 'policy', '--confirmed').code).toBe(0);
    expect(demo('build', '2026-W47').code).toBe(0);
    expect(demo('schedule', 'set', '0 9 * * 3').code).toBe(0);

    // Another publication on it: one line, exit 2, both named, the way out given.
    const refused = acme('status');
    expect(refused.code).toBe(2);
    const lines = refused.err.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(
      'belongs to the publication "orbit-weekly" (Orbit Weekly), not to "acme-news"',
    );
    expect(lines[0]).toContain('digest publication adopt --yes');
    expect(lines[0]).toContain('or use a new REDIS_PREFIX');
    expect(refused.out).toBe('');
    // `digest start` refuses the same way, before it listens or starts a worker.
    const start = acme('start');
    expect(start.code).toBe(2);
    expect(start.err.trim().split('\n')).toHaveLength(1);
    expect(start.err).toContain('belongs to the publication "orbit-weekly"');

    // Data written before owners were recorded counts as its editions' publication.
    const redis = testRedis();
    await redis.del(publicationKeys(prefix).owner);
    expect(acme('sources', 'list').err).toContain('belongs to the publication "orbit-weekly"');
    expect(demo('status', '2026-W47').code).toBe(0); // the demo itself claims it again

    const shown = acme('publication', 'show');
    expect(shown.code).toBe(0);
    expect(shown.out).toContain('data: belongs to ANOTHER publication, orbit-weekly');

    expect(acme('publication', 'adopt').code).toBe(2); // --yes is required
    const adopted = acme('publication', 'adopt', '--yes', '--json');
    expect(adopted.code).toBe(0);
    expect(JSON.parse(adopted.out)).toMatchObject({
      adopted: true,
      from: { id: 'orbit-weekly' },
      to: { id: 'acme-news' },
      kept: { subscribers: 1, noKnownTopic: 1 },
      dropped: { sources: 1, articles: 12, editions: 1, demoSubscribers: 6 },
    });

    // Now the data is acme's: its own subscriber kept (listed: "policy" is no topic of acme's),
    // no demo edition, the file's source only, the file's schedule.
    const stranded = acme('subscribers', 'list', '--no-known-topic');
    expect(stranded.code).toBe(0);
    expect(stranded.out).toContain('1 subscriber(s) with no known topic');
    expect(stranded.out).toContain('me@own.example');
    expect(acme('status', '2026-W47').err).toContain('edition 2026-W47 does not exist');
    expect(acme('collect').code).toBe(0);
    expect(acme('build', '2026-W47').code).toBe(0);
    const status = acme('status', '2026-W47');
    expect(status.code).toBe(0);
    expect(status.out).toMatch(/warning: 1 subscriber\(s\) chose only topics the publication no longer has/);
    const sources = acme('sources', 'list');
    expect(sources.out).toContain(acmeFeed);
    expect(sources.out).toContain('(publication file)');
    expect(sources.out).not.toContain('space-tech');
    expect(acme('schedule', 'show').out).toContain(
      'weekly: "0 7 * * 1" in America/Phoenix (publication file)',
    );

    // Stored beside the file, and reported.
    expect(acme('schedule', 'set', '0 9 * * 3').code).toBe(0);
    let show = acme('publication', 'show').out;
    expect(show).toMatch(/schedule\s+"0 9 \* \* 3" in America\/Phoenix\s+\[stored by the CLI\/dashboard/);
    expect(show).toContain('warning: schedule: "0 9 * * 3" in America/Phoenix stored by digest schedule set');
    // A later edit of the file wins, and the stored one is still reported until reset.
    writeAcme({ scheduleCron: '0 8 * * 1' });
    show = acme('publication', 'show').out;
    expect(show).toMatch(/schedule\s+"0 8 \* \* 1" in America\/Phoenix\s+\[publication file\]/);
    expect(show).toContain('the publication file\'s scheduleCron changed to "0 8 * * 1"');
    expect(acme('status', '2026-W47').out).toContain(
      "warning: schedule: the publication file's scheduleCron changed",
    );
    expect(acme('schedule', 'reset').code).toBe(0);
    expect(acme('publication', 'show').out).not.toContain('warning: schedule');

    // A file source removed by hand stays removed, and says so; a source added by hand is shown beside.
    expect(acme('sources', 'remove', acmeFeed).code).toBe(0);
    expect(acme('collect').code).toBe(0);
    show = acme('publication', 'show').out;
    expect(show).toContain('publication file, REMOVED by an operator: not collected');
    expect(show).toContain(`warning: source ${acmeFeed}: named by the publication file but removed`);
    const mine = join(folder, 'mine.xml');
    copyFileSync(acmeFeed, mine);
    expect(acme('sources', 'add', mine).code).toBe(0);
    show = acme('publication', 'show').out;
    expect(show).toContain(`${mine}  [stored by the CLI/dashboard]`);
    expect(acme('sources', 'add', acmeFeed).code).toBe(0);
    expect(acme('publication', 'show').out).not.toContain('REMOVED');
    // The file is the configuration: a source taken out of it goes.
    writeAcme({ scheduleCron: '0 8 * * 1', sources: [] });
    expect(acme('collect').code).toBe(0);
    const after = acme('sources', 'list').out;
    expect(after).not.toContain(acmeFeed);
    expect(after).toContain(mine);
    expect(JSON.parse(readFileSync(acmeFile, 'utf8')).id).toBe('acme-news');
    await redis.quit();
  }, 300_000);
});

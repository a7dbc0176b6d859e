/** The collect commands through the real `digest` binary on the test Redis. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { digestCli } from '../helpers/cli.ts';
import { cleanupPrefix, testRedis, uniquePrefix } from '../helpers/redis.ts';

const prefix = uniquePrefix();
const dataDir = mkdtempSync(join(tmpdir(), 'nd-cli-collect-'));

const digest = digestCli({ prefix, dataDir });

afterAll(async () => {
  const redis = testRedis();
  await cleanupPrefix(redis, prefix);
  await redis.quit();
});

describe('digest sources / collect / articles', () => {
  it('collects the sample, reports a broken source, lists the week and adds articles from a file', () => {
    const broken = join(dataDir, 'broken.rss');
    writeFileSync(broken, '<head><title>Document Moved</title></head><body>Object Moved</body>');
    const added = digest('sources', 'add', broken, '--topic', 'lunar', '--json');
    expect(added.code, added.err).toBe(0);
    expect(JSON.parse(added.out)).toMatchObject({ url: broken, kind: 'file', topics: ['lunar'] });

    // A JSON Feed with one good item and one whose url is a number (outside the week listed below).
    const typed = join(dataDir, 'typed.json');
    const jsonItem = { id: 't1', title: 'Typed', date_published: '2026-10-01T08:00:00Z' };
    writeFileSync(
      typed,
      JSON.stringify({
        version: 'https://jsonfeed.org/version/1.1',
        title: 'Typed',
        items: [
          { ...jsonItem, url: 'https://typed.example/1' },
          { ...jsonItem, id: 't2', url: 42 },
        ],
      }),
    );
    expect(digest('sources', 'add', typed).code).toBe(0);

    const collected = digest('collect', '--json');
    expect(collected.code).toBe(1); // one source failed
    const reports = JSON.parse(collected.out) as Array<{
      url: string;
      new: number;
      status: string;
      errors: string[];
    }>;
    expect(reports.find((r) => r.url.endsWith('samples/space-tech/feed.xml'))).toMatchObject({
      new: 12,
      status: 'ok',
    });
    expect(reports.find((r) => r.url === broken)).toMatchObject({
      status: 'error',
      errors: [expect.stringMatching(/not a feed/)],
    });
    expect(reports.find((r) => r.url === typed)).toMatchObject({
      status: 'ok',
      new: 1,
      refused: 1,
      errors: ['item 2 refused: url is a number, not a string'],
    });
    const printed = digest('collect');
    expect(printed.out).toContain(
      'ok: new 0, updated 0, unchanged 1, refused 1 (item 2 refused: url is a number, not a string)',
    );
    expect(printed.out).toMatch(/3 source\(s\), 0 new article\(s\), 1 failed, 1 item\(s\) refused\./);

    const file = join(dataDir, 'a.json');
    writeFileSync(
      file,
      JSON.stringify({ title: 'Pushed', url: 'https://push.example/p', publishedAt: '2026-11-20T10:00:00Z' }),
    );
    const pushed = digest('articles', 'add', '--file', file);
    expect([pushed.code, pushed.out.trim()]).toEqual([0, 'new 1, updated 0, unchanged 0']);

    const listed = digest('articles', 'list', '--edition', '2026-W47', '--json');
    expect(listed.code, listed.err).toBe(0);
    const week = JSON.parse(listed.out) as { articles: Array<{ title: string; brief: string[] }> };
    expect(week.articles).toHaveLength(13);
    expect(week.articles[0]!.title).toBe('IM-1 Odysseus: the first commercial lander on the Moon');

    const since = digest(
      'articles',
      'list',
      '--since',
      '2020-01-01',
      '--source',
      'api',
      '--limit',
      '1',
      '--json',
    );
    expect(since.code, since.err).toBe(0);
    const fromApi = JSON.parse(since.out) as { articles: Array<{ sourceId: string }> };
    expect(fromApi.articles.map((a) => a.sourceId)).toEqual(['api']);
    const badSince = digest('articles', 'list', '--since', 'yesterday');
    expect([badSince.code, badSince.err.trim()]).toEqual([
      2,
      'digest: --since "yesterday" is not a past date such as 2026-11-01',
    ]);

    const bad = digest('articles', 'list', '--edition', '2026-W99');
    expect(bad.code).toBe(2);
    expect(bad.err.trim().split('\n').at(-1)).toBe(
      'digest: --edition: "2026-W99" is not an edition id like 2026-W47',
    );

    const removed = digest('sources', 'remove', broken, '--json');
    expect(removed.code).toBe(0);
    expect(JSON.parse(removed.out)).toEqual({ removed: broken });
    expect(digest('sources', 'remove', typed).code).toBe(0);
    const list = digest('sources', 'list', '--json');
    expect((JSON.parse(list.out) as Array<{ url: string }>).map((s) => s.url)).toEqual([
      expect.stringMatching(/samples\/space-tech\/feed\.xml$/),
    ]);
  }, 240_000);
});

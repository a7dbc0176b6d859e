/**
 * One default edition everywhere, through the real `digest` binary: with no edition built, `status`
 * means last week; once the demo's 2026-W47 is built (weeks ago), `status`, `articles list` and
 * `preview` all mean 2026-W47, the newest edition that exists; `digest --help` says so.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { previousEditionId } from '../../src/core/edition-window.ts';
import { loadPublication, SAMPLE_PUBLICATION_FILE } from '../../src/publication/load-publication.ts';
import { digestCli } from '../helpers/cli.ts';
import { cleanupPrefix, testRedis, uniquePrefix } from '../helpers/redis.ts';

const prefix = uniquePrefix();
const dataDir = mkdtempSync(join(tmpdir(), 'nd-cli-default-edition-'));
const digest = digestCli({ prefix, dataDir });

afterAll(async () => {
  const redis = testRedis();
  await cleanupPrefix(redis, prefix);
  await redis.quit();
});

describe('the default edition', () => {
  it('is the newest edition that exists, else last week, in every command', () => {
    const p = loadPublication(SAMPLE_PUBLICATION_FILE);
    const lastWeek = previousEditionId(new Date(), p.timezone, p.weekStartsOn);
    expect(digest('status').err).toContain(`edition ${lastWeek} does not exist`);

    expect(digest('collect').code).toBe(0);
    expect(digest('build', '2026-W47').code).toBe(0);
    const status = digest('status');
    expect(status.code).toBe(0);
    expect(status.out).toMatch(/^edition 2026-W47: draft/);
    const articles = digest('articles', 'list');
    expect(articles.code).toBe(0);
    expect(articles.out).toMatch(/^2026-W47: 12 article\(s\)/);
    const preview = digest('preview', '--out', join(dataDir, 'preview'));
    expect(preview.code).toBe(0);
    expect(preview.out).toMatch(/^edition 2026-W47 · /);

    // Commander wraps help text at the terminal's width.
    const help = digest('--help').out.replace(/\s+/g, ' ');
    expect(help).toContain(
      'A command that takes an edition and is given none uses the newest edition that exists (draft, sending, sent...), else last week.',
    );
    expect(digest('status', '--help').out.replace(/\s+/g, ' ')).toContain(
      '(default: the newest edition, else last week)',
    );
  }, 180_000);
});

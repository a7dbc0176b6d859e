/**
 * The editor's week through the real `digest` binary: build a draft, edit it, build it again, see the
 * status say so; every bad flag answers one readable line and exit code 2.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { startRuntime } from '../../src/app/runtime.ts';
import { type CliResult, digestCli } from '../helpers/cli.ts';
import { createTestContainer } from '../helpers/container.ts';
import { seedArticles, seedSubscribers } from '../helpers/delivery-fixtures.ts';
import { cleanupPrefix } from '../helpers/redis.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';

const EDITION = '2026-W47';
let sink: SmtpSink;
let c: Container;
let digest: (...args: string[]) => CliResult;
let ids: string[];

beforeAll(async () => {
  sink = await startSmtpSink();
  c = await createTestContainer({ smtpUrl: sink.url, env: { PORT: '0' } });
  ids = (await seedArticles(c, EDITION, 1)).map((a) => a.id);
  await seedArticles(c, '2026-W46', 1);
  await seedSubscribers(c, 4);
  digest = digestCli({
    prefix: c.prefix,
    dataDir: mkdtempSync(join(tmpdir(), 'nd-cli-editor-')),
    env: { SMTP_URL: sink.url },
  });
});
afterAll(async () => {
  await cleanupPrefix(c.redis, c.prefix);
  await c.close();
  await sink.stop();
});

/** One line on stderr, in our words, exit code 2. */
function refused(r: CliResult, message: RegExp | string) {
  expect(r.code).toBe(2);
  expect(r.err.trim().split('\n')).toHaveLength(1);
  expect(r.err).not.toMatch(/\bat .+:\d+|ZodError|TypeError/);
  if (typeof message === 'string') expect(r.err.trim()).toBe(`digest: ${message}`);
  else expect(r.err).toMatch(message);
}

describe('digest build / edit / approve / reopen', () => {
  it('builds a draft, applies edits on the next build, and says what it is', () => {
    const first = digest('build', EDITION, '--json');
    expect(first.err).toBe('');
    expect(JSON.parse(first.out)).toMatchObject({
      edition: EDITION,
      status: 'draft',
      generation: 1,
      recipients: 4,
    });

    const note = join(mkdtempSync(join(tmpdir(), 'nd-note-')), 'note.md');
    writeFileSync(note, "A **big** week for the Moon.\n\n- Artemis\n- Chang'e");
    const edited = digest(
      'edit',
      EDITION,
      '--exclude',
      ids[0]!,
      '--pin',
      ids[1]!,
      '--note-file',
      note,
      '--subject',
      'Moon week',
      '--json',
    );
    expect(edited.err).toBe('');
    expect(JSON.parse(edited.out)).toMatchObject({
      edits: {
        excluded: [ids[0]],
        pinned: ids[1],
        subject: 'Moon week',
        note: expect.stringContaining('**big**'),
      },
      pending: true,
    });
    const second = JSON.parse(digest('build', EDITION, '--json').out);
    expect(second).toMatchObject({ generation: 2, articles: ids.length - 1 });
  }, 300_000);

  it("prints the preview link of the running server (its PUBLIC_URL), not one made of the CLI's PORT", async () => {
    // The server: HTTP only, on any free port, with this test container's PUBLIC_URL.
    const server = await startRuntime(c, { http: true, workers: false, scheduler: false });
    try {
      // The CLI runs with neither PUBLIC_URL nor PORT: before, it printed http://127.0.0.1:8080/...
      const r = digest('build', EDITION);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain(`preview: https://digest.test/admin/editions/${EDITION}`);
    } finally {
      await server.stop();
    }
  });

  it('answers bad input with one line', () => {
    refused(digest('build', 'nope'), '"nope" is not an edition id; use the form 2026-W47');
    refused(
      digest('edit', EDITION, '--exclude', 'x y'),
      '--exclude "x y" is not an article id (see digest articles list --json)',
    );
    refused(
      digest('edit', EDITION, '--note', 'a', '--note-file', 'b.md'),
      'give either --note or --note-file, not both',
    );
    refused(
      digest('reopen', EDITION),
      `edition ${EDITION} is draft; only a cancelled edition can be reopened`,
    );
    refused(
      digest('approve', '2026-W40'),
      'edition 2026-W40 does not exist (build it first: digest build 2026-W40)',
    );
  }, 300_000);
});

/**
 * `digest lint` and the send gate through the real CLI: an operator's footer template that lost its
 * unsubscribe link makes `digest lint` exit 1 and `digest send` refuse (nobody is mailed, the edition
 * stays unsent) until `--force`.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { defaultEditionId } from '../../src/delivery/edition-control.ts';
import { BUNDLED_TEMPLATES_DIR } from '../../src/render/template-set.ts';
import { DIGEST_BIN, digestCli } from '../helpers/cli.ts';
import { createTestContainer } from '../helpers/container.ts';
import { seedArticles, seedSubscribers } from '../helpers/delivery-fixtures.ts';
import { testRedisUrl } from '../helpers/redis.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';
import { testTls } from '../helpers/test-tls.ts';

let sink: SmtpSink | undefined;
let c: Container | undefined;
afterAll(async () => {
  await c?.close();
  await sink?.stop();
});

/** The bundled footer without its unsubscribe link: a plausible operator mistake. */
function brokenTemplates(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nd-lint-templates-'));
  mkdirSync(join(dir, 'digest', 'partials'), { recursive: true });
  const footer = readFileSync(join(BUNDLED_TEMPLATES_DIR, 'digest', 'partials', 'footer.mjml.hbs'), 'utf8');
  const without = footer.replace(/ &middot; <a href="\{\{href links\.unsubscribe\}\}"[^>]*>[^<]*<\/a>/, '');
  expect(without).not.toBe(footer);
  writeFileSync(join(dir, 'digest', 'partials', 'footer.mjml.hbs'), without);
  return dir;
}

function cliAsync(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [DIGEST_BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', ...env },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.once('exit', (code) => resolve({ code, out, err }));
  });
}

describe('digest lint and the send gate', () => {
  it('lint exits 1 on an error; send refuses without --force and sends with it', async () => {
    sink = await startSmtpSink();
    c = await createTestContainer({ smtpUrl: sink.url });
    const edition = defaultEditionId(c.publication, new Date());
    await seedArticles(c, edition, 1);
    await seedSubscribers(c, 3);
    const env = {
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: c.prefix,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'nd-cli-lint-')),
      LOG_LEVEL: 'error',
      SMTP_URL: sink.url,
      SMTP_TLS_CA_FILE: (await testTls()).caFile,
      LINK_SECRET: 'test-link-secret-0123456789',
      PUBLIC_URL: 'https://digest.test',
      TEMPLATES_DIR: brokenTemplates(),
      MAX_EDITION_AGE_DAYS: '13',
    };
    // Nothing is mailed by these, so the sink need not answer while they block this process.
    const cli = digestCli({ prefix: c.prefix, dataDir: env.DATA_DIR, env });

    const notBuilt = cli('lint', edition);
    expect(notBuilt.code).toBe(2);
    expect(notBuilt.err).toMatch(/is not built yet/);

    const refused = cli('send', '--edition', edition, '--now');
    expect(refused.code, refused.err).toBe(1);
    expect(refused.err).toMatch(new RegExp(`edition ${edition} was not sent: lint found 3 errors`));
    expect(refused.err).toMatch(/no unsubscribe link in the HTML part.*--force/);
    expect(refused.err).not.toMatch(/\n\s+at /); // one line, no stack
    expect((await c.editions.get(edition))?.status).toBe('draft');

    const lint = cli('lint', edition, '--json');
    expect(lint.code).toBe(1);
    const report = JSON.parse(lint.out);
    // Three readers, three topic sets: three variants, each without its link.
    expect(report).toMatchObject({ ok: false, errors: 3, warnings: 0 });
    expect(
      report.findings.map((f: { code: string; variant: string }) => `${f.code} ${f.variant}`).sort(),
    ).toEqual([
      'unsubscribe launch+lunar@en-GB',
      'unsubscribe lunar@en-GB',
      'unsubscribe markets+policy@en-GB',
    ]);
    for (const v of report.variants) expect(v.htmlBytes).toBeLessThan(102 * 1024);

    const text = cli('lint', edition);
    expect(text.code).toBe(1);
    expect(text.out).toMatch(
      /NOT ready to send[\s\S]*error {3}\[lunar@en-GB\] no unsubscribe link in the HTML part/,
    );
    expect(sink.messages).toHaveLength(0);

    // Asynchronously: the SMTP sink lives in this process and must answer while the CLI sends.
    const forced = await cliAsync(env, 'send', '--edition', edition, '--now', '--force', '--json');
    expect(forced.code, forced.err).toBe(0);
    expect(JSON.parse(forced.out)).toMatchObject({ status: 'sent', sent: 3 });
    expect(sink.messages).toHaveLength(3);

    // Linting the sent edition says it was sent, never "ready to send".
    const afterSend = cli('lint', edition);
    expect(afterSend.out).toMatch(
      new RegExp(`^edition ${edition} was sent already: errors below in what went out`),
    );
    expect(afterSend.out).not.toMatch(/ready to send/);
  }, 180_000);
});

/**
 * Long CLI commands on a real Redis and SMTP sink: `digest send --now --wait` prints progress lines
 * and no control characters when piped, draws a bar with rate and ETA in a real pseudo-terminal
 * (util-linux `script`), and exits 1 when deliveries failed, 2 on bad usage.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { editionIdFor, editionWindow } from '../../src/core/edition-window.ts';
import { defaultEditionId } from '../../src/delivery/edition-control.ts';
import { createTestContainer } from '../helpers/container.ts';
import { seedArticles, seedSubscribers } from '../helpers/delivery-fixtures.ts';
import { cleanupPrefix, testRedisUrl } from '../helpers/redis.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';

const bin = join(import.meta.dirname, '../../bin/digest.js');
// Every control character but newline (tab included: our output never needs one).
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

function run(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.once('exit', (code) => resolve({ code, out, err }));
  });
}

/** Runs the command inside a pseudo-terminal, so stdout and stderr are a real TTY. */
function runInTty(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; out: string }> {
  const quoted = [process.execPath, bin, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  return new Promise((resolve) => {
    const child = spawn('script', ['-qfec', quoted, '/dev/null'], {
      env: { ...env, COLUMNS: '120', LINES: '40', TERM: 'xterm-256color' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.once('exit', (code) => resolve({ code, out }));
  });
}

describe('CLI progress and exit codes', () => {
  let sink: SmtpSink;
  let c: Container;
  let env: Record<string, string>;
  let lastWeek: string;
  let weekBefore: string;

  beforeAll(async () => {
    // reader5 is refused after DATA (554): a failed delivery.
    sink = await startSmtpSink({
      onData: (to) => (to.includes('reader5@readers.example') ? 554 : undefined),
    });
    c = await createTestContainer({ smtpUrl: sink.url });
    lastWeek = defaultEditionId(c.publication, new Date());
    const tz = c.publication.timezone;
    weekBefore = editionIdFor(new Date(editionWindow(lastWeek, tz).start.getTime() - 1), tz);
    await seedArticles(c, lastWeek);
    await seedArticles(c, weekBefore);
    await seedSubscribers(c, 40);
    env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/root',
      REDIS_URL: testRedisUrl(),
      REDIS_PREFIX: c.prefix,
      SMTP_URL: sink.url,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'nd-cli-progress-')),
      LINK_SECRET: 'test-link-secret-0123456789',
      ADMIN_TOKEN: 'test-admin-token-0123456789',
      PUBLIC_URL: 'https://digest.test',
      // Slow enough that the send takes a few seconds and progress is reported along the way.
      SEND_RATE: '10',
      SEND_BATCH_SIZE: '5',
      LOG_LEVEL: 'warn',
    };
  });
  afterAll(async () => {
    await cleanupPrefix(c.redis, c.prefix);
    await c.close();
    await sink.stop();
  });

  it('piped: plain progress lines, no control characters, exit 1 because a delivery failed', async () => {
    const r = await run(['send', '--edition', weekBefore, '--now', '--wait', '--force'], env);
    expect(r.err).not.toMatch(CONTROL);
    expect(r.out).not.toMatch(CONTROL);
    const lines = r.err.split('\n').filter((l) => l.startsWith(`sending ${weekBefore}: `));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    // Done is sent + failed for good; the failure is named beside the sent.
    expect(lines.at(-1)).toMatch(/: 40\/40 \(100%\) \d+\/s sent 39 · 1 failed$/);
    expect(r.out).toContain(`edition ${weekBefore}: sent`);
    expect(r.out).toContain('failed 1');
    expect(r.code).toBe(1);
  }, 90_000);

  it('--json prints one JSON object and nothing else on stdout', async () => {
    const r = await run(['status', weekBefore, '--json'], env);
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.out);
    expect(parsed).toMatchObject({ edition: weekBefore, status: 'sent', sent: 39, failed: 1 });
    expect(r.out.trim().split('\n')).toHaveLength(1);
  }, 30_000);

  it('on a TTY: a bar with counts, rate and ETA', async () => {
    const r = await runInTty(['send', '--edition', lastWeek, '--now', '--wait', '--force'], env);
    expect(r.out).toMatch(/sending \S+ \[[█░]+\] \d+% \| \d+\/40 \| \d+\/s \| ETA /);
    // cli-progress redraws in place: carriage returns or cursor sequences, which piped output never has.
    expect(r.out).toMatch(CONTROL);
    expect(r.code).toBe(1);
  }, 90_000);

  it('bad usage exits 2 with one line and no stack trace', async () => {
    const r = await run(['status', 'not-an-edition'], env);
    expect(r.code).toBe(2);
    // (Above it, pino's JSON warning about the test Redis running without AOF.)
    expect(r.err.trimEnd().split('\n').at(-1)).toBe(
      'digest: "not-an-edition" is not an edition id; use the form 2026-W47',
    );
    const unknown = await run(['send', '--bogus'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.err).not.toContain('    at ');
  }, 90_000);
});

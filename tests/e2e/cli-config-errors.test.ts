/**
 * Configuration errors through the real `digest` command (issue 18 finding 8, issue 21 "failures
 * exit"): one line in our words on stderr, exit 2, never a secret, never a stack trace, and no
 * process left behind.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../src/redis/embedded-redis.ts';
import { type CliResult, digestCli } from '../helpers/cli.ts';
import { testRedisUrl, uniquePrefix } from '../helpers/redis.ts';

const dirs: string[] = [];
const tmp = (name: string) => {
  const d = mkdtempSync(join(tmpdir(), `nd-cfg-${name}-`));
  dirs.push(d);
  return d;
};
const cli = (env: Record<string, string>) => digestCli({ prefix: uniquePrefix(), dataDir: tmp('data'), env });

/** One line on stderr, `digest: configuration error: ...`, exit 2, no stack, no library prefix. */
function expectOneLine(r: CliResult, pattern: RegExp): string {
  const lines = r.err.trim().split('\n');
  expect(lines, r.err).toHaveLength(1);
  expect(lines[0]).toMatch(/^digest: configuration error: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.err).not.toMatch(/\n\s+at |\[ioredis\]|ReplyError/);
  expect(r.code).toBe(2);
  return lines[0]!;
}

let passwordRedis: EmbeddedRedis | undefined;
beforeAll(async () => {
  passwordRedis = await startEmbeddedRedis({
    dir: tmp('redis'),
    extraArgs: ['--appendonly', 'no', '--requirepass', 'redis-pass-0123456789'],
  });
});
afterAll(async () => {
  await passwordRedis?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

// Each test starts the CLI a few times; a start takes 1.5 s on a quiet machine and 10+ s on a loaded one.
describe('configuration errors: one line, exit 2, never a secret', { timeout: 90_000 }, () => {
  it('an unreachable REDIS_URL: one line and exit 2, not retries for ever', () => {
    const t0 = Date.now();
    const r = cli({ REDIS_URL: 'redis://127.0.0.1:1/0' })('status');
    const line = expectOneLine(r, /cannot reach Redis at 127\.0\.0\.1:1 \(ECONNREFUSED\)/);
    expect(line).toContain('REDIS_URL');
    // The probe gives up after 3 s; the rest is the command's start-up (figure in the report).
    console.info(`unreachable REDIS_URL: exit 2 after ${Date.now() - t0} ms`);
  });

  it('a database Redis does not have (/99): one line naming it, no stack', () => {
    const r = cli({ REDIS_URL: `${testRedisUrl()}/99` })('status');
    expectOneLine(r, /REDIS_URL names database 99, which Redis at 127\.0\.0\.1:\d+ does not have/);
  });

  it('a wrong or missing Redis password: one line, the password never printed', () => {
    const base = passwordRedis!.url.replace('redis://', '');
    const wrong = cli({ REDIS_URL: `redis://:wrong-pass-secret-42@${base}` })('status');
    const line = expectOneLine(wrong, /refused the user or password in REDIS_URL \(WRONGPASS\)/);
    expect(wrong.err).not.toContain('wrong-pass-secret-42');
    expect(line).toContain(base);
    const missing = cli({ REDIS_URL: `redis://${base}` })('status');
    expectOneLine(missing, /refused the user or password in REDIS_URL \(NOAUTH\)/);
  });

  it.each([
    [
      'LINK_SECRET',
      { LINK_SECRET: 'short-Secret-77' },
      'short-Secret-77',
      /LINK_SECRET must be at least 16 characters/,
    ],
    [
      'LINK_KEYS, a short secret',
      { LINK_KEYS: 'k2:newest-secret-0123456789,k1:old-Secret-9' },
      'old-Secret-9',
      /LINK_KEYS must be .*: pair 2 of 2 \(key id "k1"\) has a secret of 12 characters$/,
    ],
    [
      'LINK_KEYS, a pair without key id',
      { LINK_KEYS: 'k2:newest-secret-0123456789,newest-secret-split-by-a-comma' },
      'newest-secret',
      /LINK_KEYS must be .*: pair 2 of 2 has no ":" between key id and secret$/,
    ],
    [
      'ADMIN_TOKEN',
      { ADMIN_TOKEN: 'admin-Short-1' },
      'admin-Short-1',
      /ADMIN_TOKEN must be at least 16 characters/,
    ],
    [
      'METRICS_TOKEN',
      { METRICS_TOKEN: 'metrics-Short' },
      'metrics-Short',
      /METRICS_TOKEN must be at least 16/,
    ],
    [
      'SMTP_URL with a password',
      { SMTP_URL: 'smpt://user:smtp-Pass-secret@relay.example:587' },
      'smtp-Pass-secret',
      /SMTP_URL must be an smtp:\/\/ or smtps:\/\/ URL/,
    ],
    [
      'REDIS_URL with a password',
      { REDIS_URL: 'redis//:redis-Pass-secret@10.0.0.5:6379' },
      'redis-Pass-secret',
      /REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/,
    ],
  ])('%s: the line names the variable, never the value', (_name, env, secret, pattern) => {
    const r = cli(env)('status');
    expectOneLine(r, pattern);
    expect(r.err).not.toContain(secret);
    expect(r.out).not.toContain(secret);
  });
});

describe('a start that cannot listen', () => {
  let busy: Server | undefined;
  afterAll(() => busy?.close());

  it('exits 2 with one line and leaves no embedded redis-server or registry behind', async () => {
    busy = createServer();
    const port = await new Promise<number>((res) =>
      busy!.listen(0, '127.0.0.1', () => res((busy!.address() as { port: number }).port)),
    );
    const dataDir = tmp('busy');
    // REDIS_URL '' = unset: the embedded default, whose redis-server must be stopped again.
    const r = digestCli({ prefix: uniquePrefix(), dataDir, env: { REDIS_URL: '', PORT: String(port) } })(
      'start',
    );
    expectOneLine(r, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use`));
    expect(existsSync(join(dataDir, 'embedded.json'))).toBe(false);
    const pidFile = join(dataDir, 'redis', 'redis.pid');
    // Redis removes its pid file on a clean shutdown.
    expect(existsSync(pidFile) ? readFileSync(pidFile, 'utf8') : 'gone').toBe('gone');
  }, 60_000);

  it('a busy inbound SMTP port: exits 2 with one line naming INBOUND_SMTP_PORT and how to turn it off, nothing left running', async () => {
    const taken = createServer();
    const port = await new Promise<number>((res) =>
      taken.listen(0, '127.0.0.1', () => res((taken.address() as { port: number }).port)),
    );
    try {
      const dataDir = tmp('busy-inbound');
      // The HTTP side listens (any free port); the inbound listener finds its port taken.
      const r = digestCli({
        prefix: uniquePrefix(),
        dataDir,
        env: { REDIS_URL: '', PORT: '0', INBOUND_SMTP_PORT: String(port) },
      })('start');
      const line = expectOneLine(
        r,
        new RegExp(
          `cannot listen on 127\\.0\\.0\\.1:${port} for bounces and unsubscribes by mail: the port is in use`,
        ),
      );
      expect(line).toContain('INBOUND_SMTP_PORT=off');
      expect(r.out).not.toContain('is running');
      expect(existsSync(join(dataDir, 'embedded.json'))).toBe(false);
      const pidFile = join(dataDir, 'redis', 'redis.pid');
      expect(existsSync(pidFile) ? readFileSync(pidFile, 'utf8') : 'gone').toBe('gone');
    } finally {
      await new Promise((res) => taken.close(res));
    }
  }, 60_000);

  it('digest inbound with INBOUND_SMTP_PORT=off: one line, exit 2', () => {
    const r = cli({ INBOUND_SMTP_PORT: 'off' })('inbound');
    expectOneLine(r, /INBOUND_SMTP_PORT=off turns the inbound listener off/);
  }, 60_000);

  it('INBOUND_SMTP_PORT takes a port or off, in our words', () => {
    const r = cli({ INBOUND_SMTP_PORT: 'none' })('status');
    expectOneLine(r, /INBOUND_SMTP_PORT must be a port from 0 to 65535, or off/);
  }, 60_000);
});

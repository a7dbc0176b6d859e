/**
 * A long-running `digest worker` whose Redis goes away logs one line per reconnect attempt and one
 * when Redis is back: no ioredis "Unhandled error event", no worker stack per connection (issue 21,
 * "failures that hang").
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../src/redis/embedded-redis.ts';
import { DIGEST_BIN } from '../helpers/cli.ts';
import { uniquePrefix } from '../helpers/redis.ts';

const RETRIES_TO_SEE = 4;
const dir = mkdtempSync(join(tmpdir(), 'nd-outage-'));
let redis: EmbeddedRedis | undefined;
let worker: ChildProcess | undefined;
afterAll(async () => {
  worker?.kill('SIGKILL');
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('Redis outage under a running worker', () => {
  it('one log line per retry, one when Redis is back, no stack traces', async () => {
    redis = await startEmbeddedRedis({ dir, extraArgs: ['--appendonly', 'no'] });
    worker = spawn(process.execPath, [DIGEST_BIN, 'worker'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/root',
        REDIS_URL: redis.url,
        REDIS_PREFIX: uniquePrefix(),
        SMTP_URL: 'smtp://127.0.0.1:2525',
        DATA_DIR: mkdtempSync(join(dir, 'data-')),
        LINK_SECRET: 'outage-link-secret-0123456789',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const waiters: Array<() => void> = [];
    const onData = (d: Buffer) => {
      output += d;
      for (const w of waiters.splice(0)) w();
    };
    worker.stdout?.on('data', onData);
    worker.stderr?.on('data', onData);
    const waitFor = async (test: (out: string) => boolean, what: string, timeoutMs = 60_000) => {
      const t0 = Date.now();
      while (!test(output)) {
        if (Date.now() - t0 > timeoutMs)
          throw new Error(`no ${what} after ${timeoutMs} ms: ${output.slice(-1500)}`);
        await new Promise<void>((res) => {
          waiters.push(res);
          setTimeout(res, 250);
        });
      }
    };
    await waitFor((o) => o.includes('is running'), '"is running"');
    const from = output.length;
    const port = redis.port;
    await redis.stop();
    const sinceOutage = () => output.slice(from);
    const retries = () => sinceOutage().match(/"event":"redis\.retry"/g)?.length ?? 0;
    await waitFor(() => retries() >= RETRIES_TO_SEE, `${RETRIES_TO_SEE} retry lines`);
    redis = await startEmbeddedRedis({ dir, port, extraArgs: ['--appendonly', 'no'] });
    await waitFor((o) => o.slice(from).includes('"event":"redis.reconnected"'), 'reconnected line');

    const lines = sinceOutage()
      .split('\n')
      .filter((l) => l.trim());
    const events = lines.map((l) => /"event":"([^"]+)"/.exec(l)?.[1] ?? `not a log line: ${l}`);
    // Every line is one of ours: the retries (one per attempt number, never one per connection) and
    // the recovery; nothing else, and no stack trace.
    expect(new Set(events)).toEqual(new Set(['redis.retry', 'redis.reconnected']));
    const attempts = lines
      .filter((l) => l.includes('"redis.retry"'))
      .map((l) => Number(/"attempt":(\d+)/.exec(l)?.[1]));
    expect(attempts).toEqual(attempts.map((_, i) => i + 1));
    expect(sinceOutage()).not.toMatch(/\[ioredis\]|\n\s+at |"stack"/);
    // Redis said goodbye first (connection closed), then refused the reconnects.
    expect(sinceOutage()).toMatch(
      /"msg":"Redis at 127\.0\.0\.1:\d+ unreachable \(connection closed\): retry 1 in 200 ms"/,
    );
    expect(sinceOutage()).toMatch(
      /"msg":"Redis at 127\.0\.0\.1:\d+ unreachable \(ECONNREFUSED\): retry 2 in 400 ms"/,
    );

    worker.kill('SIGTERM');
    const code = await new Promise<number | null>((res) => worker!.once('exit', (c) => res(c)));
    expect(code).toBe(0);
  }, 120_000);
});

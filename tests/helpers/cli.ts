/** Runs the real `digest` binary against the test Redis, as an operator would. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { testRedisUrl } from './redis.ts';

export const DIGEST_BIN = join(import.meta.dirname, '../../bin/digest.js');

export interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

/** A `digest` runner bound to one prefix and data dir; `env` adds or overrides variables. */
export function digestCli(options: { prefix: string; dataDir: string; env?: Record<string, string> }) {
  return (...args: string[]): CliResult => {
    const res = spawnSync(process.execPath, [DIGEST_BIN, ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/root',
        REDIS_URL: testRedisUrl(),
        REDIS_PREFIX: options.prefix,
        SMTP_URL: 'smtp://127.0.0.1:2525',
        DATA_DIR: options.dataDir,
        LOG_LEVEL: 'error',
        // Any free port: the default 2525 may be another test's, and a busy inbound port stops a start.
        INBOUND_SMTP_PORT: '0',
        DIGEST_FROM_SOURCE: '1',
        ...options.env,
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: res.status, out: res.stdout, err: res.stderr };
  };
}

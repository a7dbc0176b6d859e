import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '../../bin/digest.js');
const cleanEnv = (extra: Record<string, string>) => {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root' };
  return { ...env, ...extra };
};

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('digest CLI', () => {
  it('start comes up on embedded Redis and outbox, prints its URLs and stops cleanly on SIGINT', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'nd-start-'));
    const child = spawn(process.execPath, [bin, 'start'], {
      env: cleanEnv({ DATA_DIR: dataDir, PORT: '0', INBOUND_SMTP_PORT: '0', LOG_LEVEL: 'warn' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start within 40s: ${out} ${err}`)), 40_000);
      child.stdout.on('data', () => {
        if (out.includes('Stop with Ctrl-C')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
    });
    const url = /Web:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    expect(url).toBeTruthy();
    expect(out).toMatch(/Mail:\s+outbox /);
    const res = await fetch(`${url}/readyz`);
    expect(res.status).toBe(200);
    const registry = JSON.parse(readFileSync(join(dataDir, 'embedded.json'), 'utf8')) as { redisPid: number };
    const redisPid = registry.redisPid;
    expect(alive(redisPid)).toBe(true);

    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    expect(out).toContain('stopped.');
    expect(alive(redisPid)).toBe(false);
    expect(existsSync(join(dataDir, 'embedded.json'))).toBe(false);
  }, 60_000);

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ REDIS_URL: 'nope' }, 'REDIS_URL'],
  ])('a bad value %j stops the start with one line naming the variable', (env, name) => {
    const r = spawnSync(process.execPath, [bin, 'start'], {
      env: cleanEnv(env),
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^digest: configuration error: ${name} must be`));
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('--help works on every subcommand', () => {
    for (const sub of ['start', 'worker', 'serve']) {
      const r = spawnSync(process.execPath, [bin, sub, '--help'], { encoding: 'utf8', env: cleanEnv({}) });
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`Usage: digest ${sub}`);
    }
  }, 120_000);
});

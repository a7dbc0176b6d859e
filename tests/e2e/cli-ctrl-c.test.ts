/**
 * Ctrl-C in a terminal sends SIGINT to the whole foreground process group. `npm start` on the
 * embedded default, mid-send to a relay taking 3 s per message, gets exactly that: everything
 * (npm, sh, node, the embedded redis-server) must be gone within 15 s, the messages in flight
 * recorded (none left `sending`), and the log must not turn into a retry storm against a Redis that
 * quit first (issue 18, finding 1).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, describe, expect, it } from 'vitest';
import { type Container, createContainer } from '../../src/app/container.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { type EmbeddedRedis, pidFile, startEmbeddedRedis } from '../../src/redis/embedded-redis.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const RELAY_MS = 3000;

/** A STARTTLS relay that takes RELAY_MS to answer each message's final ".". */
async function startSlowRelay() {
  let dataStarted = 0;
  let accepted = 0;
  const startedWaiters: Array<() => void> = [];
  const server = new SMTPServer({
    authOptional: true,
    logger: false,
    onData(stream, _session, cb) {
      dataStarted++;
      for (const w of startedWaiters.splice(0)) w();
      stream.resume();
      stream.on('end', () =>
        setTimeout(() => {
          accepted++;
          cb();
        }, RELAY_MS),
      );
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  const addr = server.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `smtp://127.0.0.1:${port}`,
    accepted: () => accepted,
    dataStarted: () => dataStarted,
    firstData: () => new Promise<void>((res) => (dataStarted > 0 ? res() : startedWaiters.push(() => res()))),
    stop: () => new Promise<void>((res) => server.close(() => res())),
  };
}

/** Pids whose process group is `pgid` (from /proc/<pid>/stat, field 5). */
function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields[0] is the state; a zombie is already gone for our purpose.
      if (fields[0] !== 'Z' && Number(fields[2]) === pgid) members.push(Number(name));
    } catch {
      // The process ended while we looked.
    }
  }
  return members;
}

const isAlive = (pid: number) => {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return state !== undefined && state !== 'Z';
  } catch {
    return false;
  }
};

let child: ChildProcess | undefined;
let relay: Awaited<ReturnType<typeof startSlowRelay>> | undefined;
let redis: EmbeddedRedis | undefined;
let reader: Container | undefined;
const dataDir = mkdtempSync(join(tmpdir(), 'nd-ctrl-c-'));
afterAll(async () => {
  if (child?.pid) for (const pid of groupMembers(child.pid)) process.kill(pid, 'SIGKILL');
  await reader?.close();
  await redis?.stop();
  await relay?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('Ctrl-C to the process group of npm start', () => {
  it('mid-send: everything gone within 15 s, in-flight deliveries recorded, no retry storm', async () => {
    relay = await startSlowRelay();
    child = spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      // Its own process group, as a terminal gives a foreground job: -pid reaches all of it.
      detached: true,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/root',
        DATA_DIR: dataDir,
        SMTP_URL: relay.url,
        PORT: '0',
        INBOUND_SMTP_PORT: '0',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (d) => (output += d));
    child.stderr?.on('data', (d) => (output += d));
    let exited = false;
    child.once('exit', () => (exited = true));

    // The first start seeds the sample and sends it at once: wait for a message in flight.
    await relay.firstData();
    const redisPid = Number(readFileSync(pidFile(join(dataDir, 'redis')), 'utf8'));
    const before = output.length;
    const pgid = child.pid!;
    const t0 = Date.now();
    process.kill(-pgid, 'SIGINT');

    for (;;) {
      if (exited && groupMembers(pgid).length === 0 && !isAlive(redisPid)) break;
      if (Date.now() - t0 > 15_000)
        throw new Error(
          `still running 15 s after Ctrl-C: npm ${exited ? 'exited' : 'running'}, group ${groupMembers(pgid).join(',') || 'empty'}, redis ${isAlive(redisPid) ? 'alive' : 'gone'}; output: ${output.slice(-1500)}`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
    const goneMs = Date.now() - t0;
    const afterSignal = output.slice(before);
    const lines = afterSignal.split('\n').filter((l) => l.trim());
    expect(afterSignal).toContain('stopped.');
    expect(afterSignal).not.toMatch(/ECONNREFUSED|\n\s+at /);
    // "SIGINT: finishing ...", "stopped.", and perhaps npm's own line: no line per retry.
    expect(lines.length).toBeLessThanOrEqual(5);

    // The ledger on disk: every message the relay accepted is `sent`, none is left `sending`.
    redis = await startEmbeddedRedis({ dir: join(dataDir, 'redis') });
    reader = await createContainer(
      loadConfig({ REDIS_URL: redis.url, SMTP_URL: relay.url, DATA_DIR: dataDir }),
      createLogger({ level: 'silent', pretty: false }),
    );
    const edition = /edition (\d{4}-W\d{2}) sending/.exec(output)?.[1];
    expect(edition).toBeTruthy();
    const counts = await reader.ledger.counts(edition!);
    expect(counts.sending ?? 0).toBe(0);
    expect(counts.sent ?? 0).toBe(relay.accepted());
    expect(relay.accepted()).toBeGreaterThanOrEqual(1);
    console.info(
      `Ctrl-C: everything gone after ${goneMs} ms; ${relay.accepted()} in-flight messages recorded sent; ${lines.length} lines after the signal`,
    );
  }, 120_000);
});

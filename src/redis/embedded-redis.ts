/**
 * A private redis-server child for the embedded default (no REDIS_URL): a free port on 127.0.0.1,
 * AOF on (appendfsync everysec), maxmemory-policy noeviction, data under `dir`.
 *
 * It has exactly one live owner, the process that started it (docs/architecture.md, "The embedded
 * Redis and its owner"):
 * - it runs in its own session (`detached`), so a terminal's Ctrl-C reaches only the owner, which
 *   stops Redis after its own work is drained;
 * - `setpriv --pdeathsig TERM` makes the kernel send it SIGTERM when the owner dies, even by
 *   SIGKILL (Node cannot call prctl itself); Redis then writes its AOF and exits;
 * - `flock --no-fork` takes an exclusive lock on `dir/redis.lock` and then becomes redis-server, so
 *   the lock is held by the redis-server process itself for as long as it lives: a second server on
 *   the same AOF cannot start, whoever starts it. It waits up to LOCK_WAIT_SECONDS for a dying
 *   predecessor to let go, then refuses with one line naming the holder's pid.
 * Both tools come with util-linux (essential on Debian and Ubuntu).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ConfigError } from '../errors/config-error.ts';

export interface EmbeddedRedis {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export interface EmbeddedRedisOptions {
  /** Folder for the AOF and RDB files, the lock file and the pid file. */
  dir: string;
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Extra `--key value` arguments (tests use this for a throwaway, unpersisted Redis). */
  extraArgs?: string[];
}

/** How long a start waits for the previous owner's redis-server to finish writing and exit. */
const LOCK_WAIT_SECONDS = 10;
/** flock's exit code when the lock stayed taken (EX_TEMPFAIL). */
const LOCK_CONFLICT_EXIT = 75;
/** Loading a large AOF takes a while; past this the start gives up. */
const READY_TIMEOUT_MS = 60_000;

export const lockFile = (dir: string) => join(dir, 'redis.lock');
export const pidFile = (dir: string) => join(dir, 'redis.pid');

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

export async function startEmbeddedRedis(options: EmbeddedRedisOptions): Promise<EmbeddedRedis> {
  mkdirSync(options.dir, { recursive: true });
  requireOwnershipTools();
  const port = options.port || (await freePort());
  const redisArgs = [
    '--bind',
    '127.0.0.1',
    '--port',
    String(port),
    '--dir',
    options.dir,
    '--pidfile',
    pidFile(options.dir),
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--maxmemory-policy',
    'noeviction',
    '--save',
    '',
    '--protected-mode',
    'yes',
    '--daemonize',
    'no',
    '--loglevel',
    'warning',
    ...(options.extraArgs ?? []),
  ];
  // setpriv first: the death signal is armed before flock may wait, and survives both execs.
  const args = [
    '--pdeathsig',
    'TERM',
    'flock',
    '--exclusive',
    '--timeout',
    String(LOCK_WAIT_SECONDS),
    '--conflict-exit-code',
    String(LOCK_CONFLICT_EXIT),
    '--no-fork',
    lockFile(options.dir),
    'redis-server',
    ...redisArgs,
  ];
  const child: ChildProcess = spawn('setpriv', args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  await new Promise<void>((resolveReady, reject) => {
    let settled = false;
    const settle = (err?: Error) => {
      if (settled) return;
      settled = true;
      child.off('error', onError);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolveReady();
    };
    const onError = (err: NodeJS.ErrnoException) =>
      settle(new ConfigError(`redis-server failed to start: ${err.message}`));
    const onExit = (code: number | null) => {
      if (code === LOCK_CONFLICT_EXIT) return settle(inUse(options.dir));
      const last = output.trim().split('\n').pop() ?? '';
      settle(new ConfigError(`redis-server exited at start (code ${code}): ${last}`));
    };
    child.once('error', onError);
    child.once('exit', onExit);
    const poll = async () => {
      const t0 = Date.now();
      while (!settled) {
        // Ours answers, not a predecessor still closing on the same port: its pid file names our child.
        if (readPid(options.dir) === child.pid && (await canConnect(port))) return settle();
        if (Date.now() - t0 > READY_TIMEOUT_MS) {
          child.kill('SIGTERM');
          return settle(new ConfigError(`redis-server did not accept connections on port ${port}`));
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    void poll();
  });
  const pid = child.pid!;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid,
    stop: () =>
      new Promise<void>((resolveStop) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolveStop();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolveStop();
        });
        // SIGTERM: redis flushes the AOF and exits (the lock goes with the process).
        child.kill('SIGTERM');
      }),
  };
}

let toolsChecked = false;

/** redis-server, setpriv and flock on PATH; one line saying what to install otherwise. */
function requireOwnershipTools(): void {
  if (toolsChecked) return;
  const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
  if (!has('redis-server')) throw notInstalled();
  if (!has('setpriv') || !has('flock')) {
    throw new ConfigError(
      'the embedded Redis needs setpriv and flock (util-linux, Linux only): install util-linux, or set REDIS_URL to a Redis with AOF on and maxmemory-policy noeviction',
    );
  }
  toolsChecked = true;
}

function readPid(dir: string): number | undefined {
  try {
    return Number(readFileSync(pidFile(dir), 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

function inUse(dir: string): ConfigError {
  // No pid file: the holder is still starting.
  const holder = readPid(dir) ?? '';
  return new ConfigError(
    `${dir} is in use by another redis-server${holder ? ` (pid ${holder})` : ''} that did not exit within ${LOCK_WAIT_SECONDS} s: stop the digest process that runs it${holder ? ` (or kill ${holder})` : ''}, or use another DATA_DIR`,
  );
}

function notInstalled(): ConfigError {
  return new ConfigError(
    'redis-server is not installed: run `sudo apt-get install -y redis-server`, or set REDIS_URL to a Redis with AOF on and maxmemory-policy noeviction',
  );
}

async function canConnect(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((res) => {
    const sock = connect({ port, host: '127.0.0.1' });
    sock.once('connect', () => {
      sock.write('PING\r\n');
      sock.once('data', (d) => {
        sock.destroy();
        // A server with a password answers NOAUTH: it is up all the same.
        res(/^(\+PONG|-NOAUTH)/.test(d.toString()));
      });
    });
    sock.once('error', () => res(false));
  });
}

/**
 * A private redis-server child for the embedded default (no REDIS_URL): a free port on 127.0.0.1,
 * AOF on (appendfsync everysec), maxmemory-policy noeviction, data under `dir`. The owner stops it
 * on exit; Ctrl-C reaches it too, as it shares our process group.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { ConfigError } from '../errors/config-error.ts';

export interface EmbeddedRedis {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export interface EmbeddedRedisOptions {
  /** Folder for the AOF and RDB files. */
  dir: string;
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Extra `--key value` arguments (tests use this for a throwaway, unpersisted Redis). */
  extraArgs?: string[];
}

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
  const port = options.port || (await freePort());
  const args = [
    '--bind',
    '127.0.0.1',
    '--port',
    String(port),
    '--dir',
    options.dir,
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
  let child: ChildProcess;
  try {
    child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    throw notInstalled();
  }
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  await new Promise<void>((resolveReady, reject) => {
    const onError = (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'ENOENT'
          ? notInstalled()
          : new ConfigError(`redis-server failed to start: ${err.message}`),
      );
    const onExit = (code: number | null) =>
      reject(
        new ConfigError(
          `redis-server exited at start (code ${code}): ${output.trim().split('\n').pop() ?? ''}`,
        ),
      );
    child.once('error', onError);
    child.once('exit', onExit);
    const poll = async () => {
      for (let i = 0; i < 200; i++) {
        if (await canConnect(port)) {
          child.off('error', onError);
          child.off('exit', onExit);
          return resolveReady();
        }
        await new Promise((r) => setTimeout(r, 25));
      }
      reject(new ConfigError(`redis-server did not accept connections on port ${port}`));
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
        // SIGTERM: redis flushes the AOF and exits.
        child.kill('SIGTERM');
      }),
  };
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
        res(d.toString().startsWith('+PONG'));
      });
    });
    sock.once('error', () => res(false));
  });
}

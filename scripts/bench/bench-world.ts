/**
 * One benchmark run's world, all on this machine: its own redis-server (startEmbeddedRedis: AOF on,
 * appendfsync everysec, noeviction, as in production), the SMTP sink process, `digest worker`
 * processes, and an in-process container on the same Redis that seeds and triggers the send (the
 * trigger is what an operator's `digest send --now` does; it sends nothing itself).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
// @ts-expect-error: plain JS next to the bin, no declaration file
import { NODE_FLAGS } from '../../bin/node-flags.js';
import { type Container, createContainer } from '../../src/app/container.ts';
import { loadConfig } from '../../src/config.ts';
import { defaultEditionId } from '../../src/delivery/edition-control.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { type EmbeddedRedis, startEmbeddedRedis } from '../../src/redis/embedded-redis.ts';
import { benchAddress, benchArticles, benchName, TIMEZONES, TOPIC_SETS } from './bench-digest.ts';
import { type BenchSink, type BenchTransport, startBenchSink } from './sink-process.ts';

const ROOT = resolve(import.meta.dirname, '../..');

export interface WorkerProcess {
  pid: number;
  stop(): Promise<void>;
}

export interface BenchWorld {
  redis: EmbeddedRedis;
  sink: BenchSink;
  /** The environment of every `digest worker` of this world. */
  env: Record<string, string>;
  c: Container;
  editionId: string;
  /** Redis `used_memory` in bytes. */
  redisMemory(): Promise<number>;
  seedArticles(): Promise<number>;
  seedSubscribers(n: number): Promise<void>;
  startWorkers(n: number, profileDir?: string): Promise<WorkerProcess[]>;
  close(): Promise<void>;
}

export async function startBenchWorld(
  extraEnv: Record<string, string> = {},
  transport: BenchTransport = 'plain',
): Promise<BenchWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'nd-bench-'));
  const redis = await startEmbeddedRedis({ dir: join(dir, 'redis') });
  const sink = await startBenchSink(transport);
  const env: Record<string, string> = {
    REDIS_URL: redis.url,
    REDIS_PREFIX: 'bench',
    SMTP_URL: sink.url,
    ...(sink.caFile ? { SMTP_TLS_CA_FILE: sink.caFile } : {}),
    DATA_DIR: join(dir, 'data'),
    LINK_SECRET: 'bench-link-secret-0123456789',
    ADMIN_TOKEN: 'bench-admin-token-0123456789',
    PUBLIC_URL: 'https://digest.example',
    LOG_LEVEL: 'warn',
    ...extraEnv,
  };
  const c = await createContainer(loadConfig(env), createLogger({ level: 'silent', pretty: false }));
  const editionId = defaultEditionId(c.publication, new Date());
  const workers: ChildProcess[] = [];

  return {
    redis,
    sink,
    env,
    c,
    editionId,
    async redisMemory() {
      const info = await c.redis.info('memory');
      return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
    },
    async seedArticles() {
      const articles = benchArticles(editionId, c.publication);
      for (const a of articles) await c.articles.upsert(a);
      return articles.length;
    },
    async seedSubscribers(n: number) {
      const CHUNK = 1000;
      for (let from = 0; from < n; from += CHUNK) {
        const inputs = Array.from({ length: Math.min(CHUNK, n - from) }, (_, k) => {
          const i = from + k;
          return {
            email: benchAddress(i),
            name: benchName(i),
            status: 'active' as const,
            topics: TOPIC_SETS[i % TOPIC_SETS.length]!,
            timezone: TIMEZONES[i % TIMEZONES.length]!,
            hour: i % 24,
            locale: 'en-GB',
          };
        });
        const created = await c.subscribers.createMany(inputs, 'import', 'bench');
        if (created.some((r) => !r.created)) throw new Error('a bench subscriber was refused');
      }
    },
    async startWorkers(n: number, profileDir?: string) {
      const started = await Promise.all(Array.from({ length: n }, () => startWorker(env, profileDir)));
      workers.push(...started.map((s) => s.child));
      return started.map((s) => s.process);
    },
    async close() {
      for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
      await c.close().catch(() => undefined);
      await sink.stop();
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startWorker(
  env: Record<string, string>,
  profileDir: string | undefined,
): Promise<{ child: ChildProcess; process: WorkerProcess }> {
  // Started as production starts it (NODE_FLAGS: the shebang, `npm start`, the systemd unit).
  const flags = [...NODE_FLAGS, ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])];
  const child = spawn(process.execPath, [...flags, 'bin/digest.js', 'worker'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  const t0 = Date.now();
  while (!out.includes('is running')) {
    if (child.exitCode !== null) throw new Error(`digest worker exited at start: ${out.slice(-500)}`);
    if (Date.now() - t0 > 60_000) throw new Error(`digest worker not running after 60 s: ${out.slice(-500)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    process: {
      pid: child.pid!,
      async stop() {
        if (child.exitCode !== null) return;
        // SIGTERM: the worker drains and exits, which also writes its --cpu-prof file.
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(timer);
      },
    },
  };
}

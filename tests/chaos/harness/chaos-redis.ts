/**
 * A redis-server a chaos scenario may SIGKILL and start again on the same port and the same data
 * folder, with the production settings (AOF on, appendfsync everysec, noeviction: see
 * src/redis/embedded-redis.ts). Workers keep their REDIS_URL across the restart, so they must
 * reconnect on their own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EmbeddedRedis, freePort, startEmbeddedRedis } from '../../../src/redis/embedded-redis.ts';

export interface ChaosRedis {
  url: string;
  port: number;
  dir: string;
  /** Current server process id (changes on restart). */
  pid(): number;
  /** SIGKILL: no AOF flush, no goodbye; resolves once the port is closed. */
  kill(): Promise<void>;
  /** Starts a new server on the same port and folder (it replays the AOF). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startChaosRedis(): Promise<ChaosRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'nd-chaos-redis-'));
  const port = await freePort();
  let server: EmbeddedRedis = await startEmbeddedRedis({ dir, port });
  let alive = true;
  return {
    url: server.url,
    port,
    dir,
    pid: () => server.pid,
    async kill() {
      process.kill(server.pid, 'SIGKILL');
      alive = false;
      await waitUntil(() => !isRunning(server.pid), 5000, 'redis-server did not die');
    },
    async restart() {
      server = await startEmbeddedRedis({ dir, port });
      alive = true;
    },
    async stop() {
      if (alive) await server.stop();
      alive = false;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  message: string,
  everyMs = 50,
): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`${message} (after ${timeoutMs} ms)`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

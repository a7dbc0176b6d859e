/**
 * Scenario 9: `kill -9` of `digest start` on the embedded default (no REDIS_URL), then a restart on
 * the same data dir, with acknowledged one-click unsubscribes before the kill, after the restart and
 * after an AOF rewrite. Promise: the killed owner's redis-server goes with it, one redis-server ever
 * runs on the data dir, the AOF stays valid and no acknowledged unsubscribe is lost (issue 18,
 * finding 1: an orphaned server beside the new one rewrote the AOF under it).
 *
 * The rewrite is asked of every redis-server found on the data dir: an orphan left running would
 * rewrite on its own once its AOF grew, and this makes that happen now.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, it } from 'vitest';
import { linkUrl } from '../../src/links/subscriber-links.ts';
import { freePort, startEmbeddedRedis } from '../../src/redis/embedded-redis.ts';
import { createRedisSubscriberStore } from '../../src/subscribers/redis-subscriber-store.ts';
import { isRunning, waitUntil } from './harness/chaos-redis.ts';
import { type DigestProcess, startDigest } from './harness/digest-process.ts';
import { runScenario } from './harness/scenario.ts';

const SUBSCRIBERS = 60;
/** Unsubscribes per phase: before the kill, after the restart, after the rewrite. */
const PER_PHASE = 15;
const LINK_SECRET = 'chaos-link-secret-0123456789';
const PREFIX = 'nd';

const dataDir = mkdtempSync(join(tmpdir(), 'nd-chaos-kill-start-'));
const redisDir = join(dataDir, 'redis');
let start: DigestProcess | undefined;

/** redis-server processes working in `dir` (Redis chdirs to its --dir; its title hides the args). */
function redisServersIn(dir: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/comm`, 'utf8').trim() !== 'redis-server') continue;
      if (readlinkSync(`/proc/${name}/cwd`) === dir) pids.push(Number(name));
    } catch {
      // Gone while we looked, or not ours to read.
    }
  }
  return pids;
}

afterAll(async () => {
  start?.signal('SIGTERM');
  await start?.exited;
  // Whatever still works in this data dir was started by this scenario (an orphan on a regression).
  for (const pid of redisServersIn(redisDir)) process.kill(pid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

const registry = () =>
  JSON.parse(readFileSync(join(dataDir, 'embedded.json'), 'utf8')) as { redisUrl: string; redisPid: number };

describe('chaos: kill -9 of digest start on the embedded Redis', () => {
  it('one redis-server per data dir, a valid AOF, no acknowledged unsubscribe lost', async () => {
    await runScenario(
      {
        id: '09-kill-start',
        title: '`kill -9` of `digest start` (embedded Redis), restart, AOF rewrite',
        promise:
          'the owner’s redis-server dies with it; one redis-server per data dir; AOF valid; no acked write lost',
      },
      async () => {
        const port = await freePort();
        const env = {
          DATA_DIR: dataDir,
          PORT: String(port),
          // Any free port: the default 2525 may be another test's (a busy inbound port stops a start).
          INBOUND_SMTP_PORT: '0',
          LINK_SECRET,
          ADMIN_TOKEN: 'chaos-admin-token-0123456789',
          PUBLIC_URL: 'https://digest.test',
        };
        const keys = [{ id: 'k1', secret: LINK_SECRET }];
        const unsubscribe = async (id: string) => {
          const path = new URL(linkUrl('https://digest.test', 'unsubscribe', id, keys, Date.now() / 1000))
            .pathname;
          const res = await fetch(`http://127.0.0.1:${port}${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: 'List-Unsubscribe=One-Click',
          });
          await res.text();
          return res.status === 200;
        };

        start = await startDigest('start', env);
        const first = registry();
        const conn = new Redis(first.redisUrl, { maxRetriesPerRequest: 1 });
        const store = createRedisSubscriberStore(conn, PREFIX);
        const created = await store.createMany(
          Array.from({ length: SUBSCRIBERS }, (_, i) => ({
            status: 'active' as const,
            email: `killed${i}@readers.example`,
            name: `Reader ${i}`,
            topics: [],
            timezone: 'UTC',
            hour: 7,
            locale: 'en-GB',
          })),
          'import',
        );
        conn.disconnect();
        const ids = created.map((r) => r.id!);
        const acked: string[] = [];
        const phase = async (from: number) => {
          for (const id of ids.slice(from, from + PER_PHASE)) if (await unsubscribe(id)) acked.push(id);
        };

        // 1. Acknowledged before the kill.
        await phase(0);
        const ackedBeforeKill = acked.length;
        start.signal('SIGKILL');
        await start.exited;
        const killedAt = Date.now();
        let ownerRedisGoneMs = -1;
        await waitUntil(() => !isRunning(first.redisPid), 10_000, 'the killed owner’s redis-server')
          .then(() => (ownerRedisGoneMs = Date.now() - killedAt))
          .catch(() => undefined);

        // 2. Restart on the same data dir; acknowledged after the restart.
        start = await startDigest('start', env);
        const second = registry();
        let maxServers = redisServersIn(redisDir).length;
        await phase(PER_PHASE);

        // 3. An AOF rewrite by every server on the data dir, then more acknowledged writes.
        const servers = [...new Set([second.redisUrl, first.redisUrl])];
        let rewrites = 0;
        for (const url of servers) {
          const r = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
          r.on('error', () => undefined);
          try {
            await r.connect();
            await r.bgrewriteaof();
            await waitUntil(
              async () =>
                !/aof_rewrite_in_progress:1|aof_rewrite_scheduled:1/.test(await r.info('persistence')),
              20_000,
              'AOF rewrite',
            );
            rewrites++;
          } catch {
            // Not running: the one-owner rule held.
          } finally {
            r.disconnect();
          }
        }
        maxServers = Math.max(maxServers, redisServersIn(redisDir).length);
        await phase(2 * PER_PHASE);
        maxServers = Math.max(maxServers, redisServersIn(redisDir).length);

        // 4. A clean stop, then the AOF on disk is checked and read back by a new server.
        start.signal('SIGTERM');
        const stop = await start.exited;
        start = undefined;
        const orphans = redisServersIn(redisDir);
        for (const pid of orphans) process.kill(pid, 'SIGKILL');
        const check = spawnSync(
          'redis-check-aof',
          [join(redisDir, 'appendonlydir', 'appendonly.aof.manifest')],
          { encoding: 'utf8' },
        );
        const aofValid =
          check.status === 0 && /valid/i.test(check.stdout) && !/not valid/i.test(check.stdout);
        let lost = acked.length;
        let readBack = false;
        try {
          const server = await startEmbeddedRedis({ dir: redisDir });
          const r = new Redis(server.url, { maxRetriesPerRequest: 1 });
          const statuses = await createRedisSubscriberStore(r, PREFIX).getMany(acked);
          lost = statuses.filter((s) => s?.status !== 'unsubscribed').length;
          readBack = true;
          r.disconnect();
          await server.stop();
        } catch {
          // A corrupt AOF does not load: every acknowledged write counts as lost.
        }
        return {
          figures: {
            'unsubscribes acked': acked.length,
            'acked before kill': ackedBeforeKill,
            'owner redis gone ms': ownerRedisGoneMs,
            'redis-servers on the data dir (max)': maxServers,
            'AOF rewrites': rewrites,
            'left running after stop': orphans.length,
            'AOF check': aofValid ? 'valid' : 'not valid',
            'acked writes lost': lost,
          },
          checks: {
            'every unsubscribe acknowledged': acked.length === 3 * PER_PHASE,
            'owner’s redis-server died with it': ownerRedisGoneMs >= 0,
            'one redis-server on the data dir': maxServers === 1,
            'clean stop': stop.code === 0 && orphans.length === 0,
            'AOF valid': aofValid,
            'AOF loads': readBack,
            '0 acknowledged writes lost': lost === 0,
          },
          note: aofValid ? undefined : check.stdout.trim().split('\n').slice(-2).join(' '),
        };
      },
    );
  }, 120_000);
});

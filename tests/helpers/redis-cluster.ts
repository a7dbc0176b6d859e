/**
 * A local Redis Cluster for tests: `redis-server --cluster-enabled yes` on free ports of 127.0.0.1,
 * one temp dir, `redis-cli --cluster create`, and a wait for `cluster_state:ok` on every node (and,
 * with replicas, for every replica's link to its master). `stop()` kills every process it started
 * and removes the dir; call it in the test's teardown.
 *
 * Each node gets two free ports (clients and the cluster bus, `--cluster-port`), because the default
 * bus port (port + 10000) of an ephemeral port can be past 65535 or taken. Nodes are started through
 * `setpriv --pdeathsig KILL`, so a test runner that dies leaves no server behind.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { freePort } from '../../src/redis/embedded-redis.ts';

const run = promisify(execFile);

export interface ClusterNode {
  port: number;
  busPort: number;
  dir: string;
  /** The node's redis-server process (replaced by `restart`). */
  process: ChildProcess;
}

export interface RedisClusterOptions {
  /** Masters (3 by default: the smallest cluster redis-cli creates). */
  masters?: number;
  /** Replicas per master (0 or 1 here). */
  replicas?: number;
  /**
   * AOF on, `appendfsync everysec`, as production runs it (the failover scenario); off by default, so a
   * throwaway cluster writes nothing to disk.
   */
  appendonly?: boolean;
  /** `cluster-node-timeout`: how long a master may be silent before its replica takes over. */
  nodeTimeoutMs?: number;
}

export interface RedisCluster {
  nodes: ClusterNode[];
  /** `127.0.0.1:p1,127.0.0.1:p2,...`: the value of REDIS_CLUSTER_NODES. */
  seedNodes: string;
  /** A Cluster connection for assertions (closed by `stop`). */
  client(): Cluster;
  /** Ports of the current masters, in slot order. */
  masterPorts(): Promise<number[]>;
  /** The port of the replica of the master on `port`. */
  replicaOf(port: number): Promise<number | undefined>;
  /** Keys held by each current master (`DBSIZE`), by port. */
  keysPerMaster(): Promise<Map<number, number>>;
  /** SIGKILL one node (no AOF flush, no goodbye); resolves once the process is gone. */
  kill(port: number): Promise<void>;
  /** Waits until every live node says `cluster_state:ok` and every slot is served. */
  waitUntilOk(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  const replicas = options.replicas ?? 0;
  const root = mkdtempSync(join(tmpdir(), 'nd-test-cluster-'));
  const nodes: ClusterNode[] = [];
  const clients: Array<Cluster | Redis> = [];
  const killed = new Set<number>();
  const stop = async () => {
    await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
    await Promise.all(nodes.map((n) => killNode(n)));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters * (1 + replicas); i++) {
      const port = await freePort();
      let busPort = await freePort();
      while (busPort === port) busPort = await freePort();
      const dir = join(root, String(port));
      mkdirSync(dir);
      nodes.push({ port, busPort, dir, process: startNode(port, busPort, dir, options) });
    }
    await Promise.all(nodes.map((n) => waitForPing(n)));
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...nodes.map((n) => `127.0.0.1:${n.port}`),
        '--cluster-replicas',
        String(replicas),
        '--cluster-yes',
      ],
      { timeout: 60_000 },
    );
  } catch (err) {
    await stop();
    throw err;
  }

  const live = () => nodes.filter((n) => !killed.has(n.port));
  const node = (port: number) => {
    const r = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1, lazyConnect: false });
    r.on('error', () => undefined);
    return r;
  };
  const ask = async <T>(port: number, f: (r: Redis) => Promise<T>): Promise<T> => {
    const r = node(port);
    try {
      return await f(r);
    } finally {
      r.disconnect();
    }
  };
  const clusterNodes = async (port = live()[0]!.port) =>
    parseClusterNodes(await ask(port, (r) => r.cluster('NODES') as Promise<string>));
  const masterPorts = async () =>
    (await clusterNodes())
      .filter((n) => n.flags.includes('master') && !n.flags.includes('fail') && n.slots.length > 0)
      .sort((a, b) => Number(a.slots[0]!.split('-')[0]) - Number(b.slots[0]!.split('-')[0]))
      .map((n) => n.port);

  const waitUntilOk = async (timeoutMs = 30_000) => {
    const t0 = Date.now();
    for (;;) {
      const states = await Promise.all(
        live().map((n) =>
          ask(n.port, async (r) => {
            const info = (await r.cluster('INFO')) as string;
            const ok = /cluster_state:ok/.test(info) && /cluster_slots_ok:16384/.test(info);
            const role = await r.info('replication');
            // A replica counts once its link to its master is up (it then holds the master's data).
            return ok && (!/role:slave/.test(role) || /master_link_status:up/.test(role));
          }).catch(() => false),
        ),
      );
      if (states.every(Boolean)) {
        // Every node must also agree on which nodes are masters (gossip settles after a failover).
        const views = await Promise.all(
          live().map((n) =>
            clusterNodes(n.port)
              .then((all) =>
                all
                  .filter((x) => x.flags.includes('master') && !x.flags.includes('fail') && x.slots.length)
                  .map((x) => x.id)
                  .sort()
                  .join(','),
              )
              .catch(() => ''),
          ),
        );
        if (views.every((v) => v && v === views[0])) return;
      }
      if (Date.now() - t0 > timeoutMs) throw new Error(`cluster not ok after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await waitUntilOk(60_000).catch(async (err) => {
    await stop();
    throw err;
  });

  return {
    nodes,
    seedNodes: nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
    client() {
      const c = new Cluster(
        nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
        { redisOptions: { maxRetriesPerRequest: null } },
      );
      c.on('error', () => undefined);
      clients.push(c);
      return c;
    },
    masterPorts,
    async replicaOf(port) {
      const all = await clusterNodes();
      const master = all.find((n) => n.port === port);
      return all.find((n) => n.masterId === master?.id && !n.flags.includes('fail'))?.port;
    },
    async keysPerMaster() {
      const out = new Map<number, number>();
      for (const port of await masterPorts()) out.set(port, await ask(port, (r) => r.dbsize()));
      return out;
    },
    async kill(port) {
      const n = nodes.find((x) => x.port === port);
      if (!n) throw new Error(`no node on port ${port}`);
      killed.add(port);
      await killNode(n);
    },
    waitUntilOk,
    stop,
  };
}

interface NodeLine {
  id: string;
  port: number;
  flags: string[];
  masterId: string;
  slots: string[];
}

function parseClusterNodes(text: string): NodeLine[] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [id, addr, flags, masterId, , , , , ...slots] = line.split(' ');
      return {
        id: id!,
        port: Number(addr!.split('@')[0]!.split(':')[1]),
        flags: flags!.split(','),
        masterId: masterId!,
        slots,
      };
    });
}

function startNode(port: number, busPort: number, dir: string, options: RedisClusterOptions): ChildProcess {
  const aof = options.appendonly
    ? ['--appendonly', 'yes', '--appendfsync', 'everysec']
    : ['--appendonly', 'no', '--save', ''];
  const child = spawn(
    'setpriv',
    [
      '--pdeathsig',
      'KILL',
      'redis-server',
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--cluster-enabled',
      'yes',
      '--cluster-port',
      String(busPort),
      '--cluster-config-file',
      join(dir, 'nodes.conf'),
      '--cluster-node-timeout',
      String(options.nodeTimeoutMs ?? 2000),
      '--dir',
      dir,
      '--maxmemory-policy',
      'noeviction',
      '--protected-mode',
      'yes',
      '--daemonize',
      'no',
      '--loglevel',
      'warning',
      ...aof,
    ],
    { stdio: 'ignore' },
  );
  child.on('error', () => undefined);
  return child;
}

async function waitForPing(n: ClusterNode, timeoutMs = 20_000): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    if (n.process.exitCode !== null)
      throw new Error(`redis-server on ${n.port} exited (${n.process.exitCode})`);
    const r = new Redis(n.port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null });
    r.on('error', () => undefined);
    try {
      await r.connect();
      await r.ping();
      return;
    } catch {
      if (Date.now() - t0 > timeoutMs) throw new Error(`redis-server on ${n.port} did not start`);
      await new Promise((res) => setTimeout(res, 50));
    } finally {
      r.disconnect();
    }
  }
}

async function killNode(n: ClusterNode): Promise<void> {
  const p = n.process;
  if (p.exitCode !== null || p.signalCode !== null) return;
  await new Promise<void>((res) => {
    p.once('exit', () => res());
    p.kill('SIGKILL');
  });
}

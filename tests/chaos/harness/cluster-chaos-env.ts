/**
 * A chaos scenario's world on a local Redis Cluster (tests/helpers/redis-cluster.ts, AOF on as in
 * production): the SMTP sink process, the environment every `digest` child gets (REDIS_CLUSTER_NODES
 * instead of REDIS_URL), and an in-process container on the same cluster for seeding and reading the
 * ledger. The scenarios kill a worker or a master; `close` stops everything they started.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Container, createContainer } from '../../../src/app/container.ts';
import { loadConfig } from '../../../src/config.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { upsertReconcileSchedule } from '../../../src/queues/schedules.ts';
import type { NewSubscriber } from '../../../src/subscribers/subscriber-store.ts';
import { type RedisCluster, startRedisCluster } from '../../helpers/redis-cluster.ts';
import { type SinkFaults, type SinkProcess, startSinkProcess } from './sink-process.ts';

export interface ClusterChaosEnv {
  cluster: RedisCluster;
  sink: SinkProcess;
  env: Record<string, string>;
  c: Container;
  close(): Promise<void>;
}

export async function startClusterChaosEnv(options: {
  replicas: number;
  faults?: SinkFaults;
  env?: Record<string, string>;
  /** Reconcile interval (the default schedule's minute is long for a scenario). */
  reconcileEveryMs?: number;
}): Promise<ClusterChaosEnv> {
  const cluster = await startRedisCluster({ replicas: options.replicas, appendonly: true });
  const sink = await startSinkProcess(options.faults);
  const dataDir = mkdtempSync(join(tmpdir(), 'nd-chaos-data-'));
  const env: Record<string, string> = {
    REDIS_CLUSTER_NODES: cluster.seedNodes,
    REDIS_PREFIX: `chaos:${randomBytes(3).toString('hex')}`,
    SMTP_URL: sink.url,
    SMTP_TLS_CA_FILE: sink.caFile,
    DATA_DIR: dataDir,
    LINK_SECRET: 'chaos-link-secret-0123456789',
    ADMIN_TOKEN: 'chaos-admin-token-0123456789',
    PUBLIC_URL: 'https://digest.test',
    SEND_BATCH_SIZE: '100',
    INBOUND_SMTP_PORT: 'off',
    LOG_LEVEL: 'warn',
    ...options.env,
  };
  const c = await createContainer(loadConfig(env), createLogger({ level: 'silent', pretty: false }));
  if (options.reconcileEveryMs) await upsertReconcileSchedule(c.queues, options.reconcileEveryMs);
  return {
    cluster,
    sink,
    env,
    c,
    async close() {
      await c.close().catch(() => undefined);
      await sink.stop().catch(() => undefined);
      await cluster.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * `n` active subscribers due at once whatever the day: hour 0 in the first time zone of the world
 * (UTC+14), so the weekly chain's dispatch finds every due time of its send date already past.
 */
export async function seedDueSubscribers(
  c: Container,
  n: number,
): Promise<Array<{ id: string; email: string }>> {
  const out: Array<{ id: string; email: string }> = [];
  for (let from = 0; from < n; from += 1000) {
    const inputs: NewSubscriber[] = Array.from({ length: Math.min(1000, n - from) }, (_, k) => ({
      email: `reader${from + k}@readers.example`,
      name: `Reader ${from + k}`,
      status: 'active',
      timezone: 'Pacific/Kiritimati',
      hour: 0,
      locale: 'en-GB',
    }));
    const created = await c.subscribers.createMany(inputs, 'import', 'chaos');
    created.forEach((r, k) => {
      if (!r.id) throw new Error(`subscriber ${from + k} was refused`);
      out.push({ id: r.id, email: inputs[k]!.email });
    });
  }
  return out;
}

/**
 * One chaos scenario's world: its own killable redis-server (AOF on), the SMTP sink process with
 * the scenario's faults, the environment every `digest` child process gets, and an in-process
 * container on the same Redis for seeding and for reading the ledger (never for sending).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Container, createContainer } from '../../../src/app/container.ts';
import { loadConfig } from '../../../src/config.ts';
import { defaultEditionId } from '../../../src/delivery/edition-control.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { upsertReconcileSchedule } from '../../../src/queues/schedules.ts';
import { seedArticles } from '../../helpers/delivery-fixtures.ts';
import { type ChaosRedis, startChaosRedis } from './chaos-redis.ts';
import { type SinkFaults, type SinkProcess, type SinkTransport, startSinkProcess } from './sink-process.ts';

export interface ChaosEnv {
  redis: ChaosRedis;
  sink: SinkProcess;
  /** Environment of every `digest` child process of this scenario. */
  env: Record<string, string>;
  /** In-process container on the same Redis (seeding, ledger reads). */
  c: Container;
  /** The edition the scenario sends (last week's, sent with --force --now). */
  editionId: string;
  close(): Promise<void>;
}

export interface ChaosEnvOptions {
  faults?: SinkFaults;
  /** The sink's transport (default STARTTLS). */
  transport?: SinkTransport;
  /** Extra variables for the children (SEND_RATE, WORKER_CONCURRENCY, ...). */
  env?: Record<string, string>;
  /** Reconcile interval; the weekly scheduler's default is a minute, scenarios want it sooner. */
  reconcileEveryMs?: number;
}

export async function startChaosEnv(options: ChaosEnvOptions = {}): Promise<ChaosEnv> {
  const redis = await startChaosRedis();
  const sink = await startSinkProcess(options.faults, options.transport);
  const dataDir = mkdtempSync(join(tmpdir(), 'nd-chaos-data-'));
  const env: Record<string, string> = {
    REDIS_URL: redis.url,
    REDIS_PREFIX: `chaos:${randomBytes(3).toString('hex')}`,
    SMTP_URL: sink.url,
    // The sink's certificate is verified, as a real relay's would be.
    SMTP_TLS_CA_FILE: sink.caFile,
    DATA_DIR: dataDir,
    LINK_SECRET: 'chaos-link-secret-0123456789',
    ADMIN_TOKEN: 'chaos-admin-token-0123456789',
    PUBLIC_URL: 'https://digest.test',
    SEND_BATCH_SIZE: '100',
    LOG_LEVEL: 'warn',
    ...options.env,
  };
  const c = await createContainer(loadConfig(env), createLogger({ level: 'silent', pretty: false }));
  const editionId = defaultEditionId(c.publication, new Date());
  await seedArticles(c, editionId);
  if (options.reconcileEveryMs) await upsertReconcileSchedule(c.queues, options.reconcileEveryMs);
  return {
    redis,
    sink,
    env,
    c,
    editionId,
    async close() {
      await c.close().catch(() => undefined);
      await sink.stop().catch(() => undefined);
      await redis.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

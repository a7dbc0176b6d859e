/**
 * The embedded defaults: without REDIS_URL a private redis-server under DATA_DIR/redis, without
 * SMTP_URL the outbox under DATA_DIR/outbox. The process that starts them (usually `digest start`)
 * is their one owner and writes DATA_DIR/embedded.json so that other `digest` commands on the same
 * data dir reuse them while it lives. The file is only a directory: what makes a second
 * redis-server over the same AOF impossible is the lock its redis-server holds, and what makes it
 * die with its owner (even a SIGKILLed one) is its parent-death signal (src/redis/embedded-redis.ts).
 * A stale file naming a dead owner is ignored: the next start waits for the dying server's lock.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { type Outbox, startOutbox } from '../mail/outbox.ts';
import { type EmbeddedRedis, startEmbeddedRedis } from '../redis/embedded-redis.ts';

interface Registry {
  pid: number;
  redisPid?: number;
  redisUrl?: string;
  smtpUrl?: string;
}

export interface EmbeddedServices {
  redisUrl: string | undefined;
  smtpUrl: string | undefined;
  outboxDir: string | undefined;
  /** True when this process started them (and so must stop them). */
  owned: boolean;
  stop(): Promise<void>;
}

const registryFile = (dataDir: string) => join(dataDir, 'embedded.json');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function reachable(url: string): Promise<boolean> {
  const r = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
  });
  // Unreachable means "not running": no listener would make ioredis print the error with its stack.
  r.on('error', () => undefined);
  try {
    await r.connect();
    await r.ping();
    return true;
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/** Finds services another process on this data dir already runs. */
async function findRunning(dataDir: string): Promise<Registry | undefined> {
  const file = registryFile(dataDir);
  if (!existsSync(file)) return undefined;
  try {
    const reg = JSON.parse(readFileSync(file, 'utf8')) as Registry;
    if (isAlive(reg.pid) && (!reg.redisUrl || (await reachable(reg.redisUrl)))) return reg;
  } catch {
    // A half-written or stale file: we start our own services.
  }
  return undefined;
}

export async function startEmbeddedServices(options: {
  dataDir: string;
  needRedis: boolean;
  needSmtp: boolean;
  /** Publish them for other commands (digest start/worker/serve do; one-shot commands do not). */
  publish: boolean;
}): Promise<EmbeddedServices> {
  const { dataDir } = options;
  mkdirSync(dataDir, { recursive: true });
  const running = options.needRedis || options.needSmtp ? await findRunning(dataDir) : undefined;
  const outboxDir = options.needSmtp ? join(dataDir, 'outbox') : undefined;
  if (running) {
    return {
      redisUrl: options.needRedis ? running.redisUrl : undefined,
      smtpUrl: options.needSmtp ? running.smtpUrl : undefined,
      outboxDir,
      owned: false,
      stop: async () => {},
    };
  }
  let redis: EmbeddedRedis | undefined;
  let outbox: Outbox | undefined;
  if (options.needRedis) redis = await startEmbeddedRedis({ dir: join(dataDir, 'redis') });
  if (options.needSmtp) outbox = await startOutbox({ dir: outboxDir! });
  if (options.publish) {
    const reg: Registry = {
      pid: process.pid,
      redisPid: redis?.pid,
      redisUrl: redis?.url,
      smtpUrl: outbox?.url,
    };
    // Written whole or not at all: a reader never sees half a file.
    writeFileSync(`${registryFile(dataDir)}.tmp`, JSON.stringify(reg));
    renameSync(`${registryFile(dataDir)}.tmp`, registryFile(dataDir));
  }
  return {
    redisUrl: redis?.url,
    smtpUrl: outbox?.url,
    outboxDir,
    owned: true,
    async stop() {
      if (options.publish) rmSync(registryFile(dataDir), { force: true });
      await outbox?.stop();
      await redis?.stop();
    },
  };
}

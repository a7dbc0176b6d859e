/**
 * The first contact with Redis, before any long-lived connection exists: can we reach it, does the
 * password work, does the database in REDIS_URL exist. Each failure is one ConfigError line in our
 * words (the address without its password), so a command exits 2 within seconds instead of
 * retrying for ever behind ioredis' stack traces.
 */
import { Redis } from 'ioredis';
import { ConfigError } from '../errors/config-error.ts';

/** How long a start keeps trying a Redis that refuses connections (it may be starting too). */
export const PROBE_TIMEOUT_MS = 3000;

/** `host:port` and `/db` of a Redis URL, never its user or password. */
export function redisAddress(url: string): string {
  try {
    const u = new URL(url);
    const db = databaseOf(url);
    return `${u.hostname}:${u.port || 6379}${db ? `/${db}` : ''}`;
  } catch {
    return 'REDIS_URL';
  }
}

/** The database number of a Redis URL (`/3`, or `?db=3`); 0 when absent. */
export function databaseOf(url: string): number {
  if (!URL.canParse(url)) return Number.NaN;
  const u = new URL(url);
  const fromPath = u.pathname.replace(/^\//, '');
  const raw = fromPath || u.searchParams.get('db') || '0';
  return /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
}

export async function probeRedis(
  url: string,
  timeoutMs = PROBE_TIMEOUT_MS,
  /** The variable a person fixes: REDIS_URL, or REDIS_CLUSTER_NODES for a cluster's seed node. */
  variable = 'REDIS_URL',
): Promise<void> {
  const where = redisAddress(url);
  const db = databaseOf(url);
  if (!Number.isInteger(db))
    throw new ConfigError(
      `REDIS_URL must name its database as a number, e.g. redis://${where.split('/')[0]}/0`,
    );
  const deadline = Date.now() + timeoutMs;
  let lastCode = 'no answer';
  while (Date.now() < deadline) {
    const r = new Redis(url, {
      lazyConnect: true,
      // This probe tries again itself, with its own deadline.
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      connectTimeout: Math.max(250, Math.min(2000, deadline - Date.now())),
    });
    const errors: Array<Error & { code?: string }> = [];
    // Without a listener ioredis prints every error with its stack; the outcome is ours to report.
    r.on('error', (err) => errors.push(err));
    try {
      await r.connect();
    } catch (err) {
      const reply = errors.find((x) => x.name === 'ReplyError');
      r.disconnect();
      if (reply) throw refused(reply, where, variable);
      // The socket's error (ECONNREFUSED, ETIMEDOUT, ENOTFOUND) says more than connect()'s.
      lastCode = [...errors, err as Error & { code?: string }].find((x) => x.code)?.code ?? 'no answer';
      await new Promise((res) => setTimeout(res, Math.min(250, Math.max(0, deadline - Date.now()))));
      continue;
    }
    try {
      // ioredis selects the URL's database after connecting but carries on in 0 when that fails:
      // select it again ourselves and see the answer.
      await r.select(db);
      return;
    } catch (err) {
      if ((err as Error).name === 'ReplyError' && !/^ERR\b/.test((err as Error).message))
        throw refused(err as Error, where, variable);
      throw new ConfigError(
        `REDIS_URL names database ${db}, which Redis at ${where.split('/')[0]} does not have (16 databases, 0 to 15, unless its "databases" setting says otherwise)`,
      );
    } finally {
      r.disconnect();
    }
  }
  throw new ConfigError(
    `cannot reach Redis at ${where} (${lastCode}) within ${timeoutMs / 1000} s: is it running? Check ${variable}`,
  );
}

/** Redis answered the handshake with an error reply: most often a password problem. */
function refused(err: Error, where: string, variable: string): ConfigError {
  // The first word of a Redis error reply is its stable code (NOAUTH, WRONGPASS, ...).
  const code = err.message.split(/[\s,]/)[0];
  if (code === 'NOAUTH' || code === 'WRONGPASS')
    return new ConfigError(`Redis at ${where} refused the user or password in ${variable} (${code})`);
  return new ConfigError(`Redis at ${where} refused the connection (${code})`);
}

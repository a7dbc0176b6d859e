/**
 * The only reader of the environment (and of an optional `.env` file in the working directory).
 * Everything else receives a validated `Config`. A bad value fails at start with one line that names
 * the variable and what is expected.
 */

import { createPublicKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { canonicalTimeZone } from './core/time-zone-name.ts';
import { checkWeeklyCron } from './core/weekly-cron.ts';
import { ConfigError } from './errors/config-error.ts';
import { describeIssue } from './errors/zod-issue-words.ts';
import { parseMailbox } from './mail/parse-mailbox.ts';

const redisUrl = z
  .string()
  .regex(/^rediss?:\/\/[^\s]+$/, 'a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379/0');
// A seed node: `host:port`, or a redis:// / rediss:// URL of one (its user and password, and TLS for
// rediss://, then apply to every node, as REDIS_URL's do for one Redis). No database: a cluster has only 0.
const CLUSTER_NODE = /^(rediss?:\/\/([^@\s/,]+@)?)?([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}\/?$/;
const clusterNodes = z
  .string()
  .refine(
    (v) => v.split(',').every((n) => CLUSTER_NODE.test(n.trim())),
    'comma-separated host:port seed nodes, e.g. 10.0.0.1:6379,10.0.0.2:6379 (or rediss://user:password@host:port for credentials and TLS)',
  )
  .refine(
    (v) =>
      new Set(v.split(',').flatMap((n) => (/:\/\//.test(n) ? [n.trim().replace(/[^@]*$/, '')] : []))).size <=
      1,
    'seed nodes with one user, password and scheme: every redis:// or rediss:// node must say the same',
  );
const smtpUrl = z
  .string()
  .regex(/^smtps?:\/\/[^\s]+$/, 'an smtp:// or smtps:// URL, e.g. smtp://user:pass@relay.example:587');
const httpUrl = z
  .string()
  .regex(/^https?:\/\/[^\s/]+[^\s]*$/, 'an http(s) URL, e.g. https://digest.example.com')
  .transform((s) => s.replace(/\/+$/, ''));
const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(min, `a whole number from ${min} to ${max}`)
        .max(max, `a whole number from ${min} to ${max}`),
    );
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], 'true or false')
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const timezone = z
  .string()
  .refine(isTimeZone, 'an IANA timezone such as Europe/Berlin or UTC (not an abbreviation such as EST)')
  .transform(canonicalZone);
// 5-field cron (minute hour day-of-month month day-of-week), as BullMQ's scheduler takes it.
const cron = z
  .string()
  .refine((v) => checkWeeklyCron(v).ok, 'a weekly 5-field cron such as "0 6 * * 1" (Mondays at 06:00)');
const mailbox = z
  .string()
  .refine((v) => parseMailbox(v) !== undefined, 'an address such as "Orbit Weekly <digest@example.com>"');
const linkKeys = z
  .string()
  .regex(
    /^[A-Za-z0-9_-]{1,16}:[^,\s]{16,}(,[A-Za-z0-9_-]{1,16}:[^,\s]{16,})*$/,
    'comma-separated keyId:secret pairs, secrets at least 16 characters, e.g. "k2:...,k1:..."',
  );

const schema = z.object({
  REDIS_URL: redisUrl.optional(),
  REDIS_CLUSTER_NODES: clusterNodes.optional(),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]{1,40}$/, 'letters, digits, ":", "_" or "-"')
    .default('nd'),
  SMTP_URL: smtpUrl.optional(),
  // 10 as listmonk's sample config: a relay takes that many from one client, and more connections let a
  // worker's ledger steps share round trips (BENCHMARKS.md).
  SMTP_MAX_CONNECTIONS: int(1, 100).default(10),
  SMTP_MAX_MESSAGES: int(1, 100000).default(1000),
  SMTP_TLS_CA_FILE: z.string().min(1).optional(),
  // 15 minutes: long enough for a relay restart or a short network fault, short enough that an
  // operator hears about a relay that is really gone while the send window is still open.
  RELAY_OUTAGE_LIMIT: int(1, 7 * 24 * 3600).default(900),
  SEND_RATE: int(1, 100000).default(5000),
  SEND_BATCH_SIZE: int(1, 5000).default(200),
  WORKER_CONCURRENCY: int(1, 64).default(4),
  PUBLIC_URL: httpUrl.optional(),
  HOST: z.string().min(1).default('127.0.0.1'),
  // `true` (believe every X-Forwarded-For) let any client forge its address (issue 18 #3); so does a /0 range.
  TRUST_PROXY: z
    .string()
    .refine(
      (v) => v.trim() !== 'true' && !/\/0+(\s*,|\s*$)/.test(v),
      "a hop count or the proxies' addresses, not everything (which believes any client's X-Forwarded-For): 1 for one proxy in front, or e.g. 127.0.0.1",
    )
    .regex(/^(false|\d+|[0-9a-fA-F.:/,\s]+)$/, 'false, a hop count, or comma-separated proxy addresses/CIDRs')
    .default('false'),
  PORT: int(0, 65535).default(8080),
  LINK_SECRET: z.string().min(16, 'at least 16 characters of random secret').optional(),
  LINK_KEYS: linkKeys.optional(),
  MAIL_FROM: mailbox.optional(),
  ADMIN_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  METRICS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  DATA_DIR: z.string().min(1).default('var'),
  PUBLICATION_FILE: z.string().min(1).optional(),
  PUBLICATION_TIMEZONE: timezone.optional(),
  SCHEDULE_CRON: cron.optional(),
  TEMPLATES_DIR: z.string().min(1).optional(),
  MAX_EDITION_AGE_DAYS: int(0, 3650).default(6),
  ALLOW_PRIVATE_FEED_HOSTS: bool.default(false),
  BOUNCE_DOMAIN: z
    .string()
    .regex(
      /^(?=.{1,253}$)([A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,63}$/,
      'a domain name such as bounces.example.com',
    )
    .transform((v) => v.toLowerCase())
    .optional(),
  // `off`: no inbound listener (bounces then come back through relay webhooks only); 0: any free port.
  INBOUND_SMTP_PORT: z
    .string()
    .regex(/^(off|\d{1,5})$/, 'a port from 0 to 65535, or off')
    .refine((v) => v === 'off' || Number(v) <= 65535, 'a port from 0 to 65535, or off')
    .default('2525'),
  // DSNs quote the original (a digest is about 80 KB); 2 MB leaves room and refuses anything bigger.
  INBOUND_MAX_BYTES: int(10_000, 50_000_000).default(2_000_000),
  INBOUND_RATE_PER_MINUTE: int(1, 1_000_000).default(6000),
  INBOUND_TLS_CERT_FILE: z.string().min(1).optional(),
  INBOUND_TLS_KEY_FILE: z.string().min(1).optional(),
  SOFT_BOUNCE_LIMIT: int(1, 100).default(3),
  SOFT_BOUNCE_WINDOW_DAYS: int(1, 365).default(30),
  COMPLAINT_RATE_PAUSE_PERCENT: z
    .string()
    .regex(/^\d{1,3}(\.\d{1,4})?$/, 'a percentage such as 0.3')
    .transform(Number)
    .pipe(z.number().min(0, 'a percentage such as 0.3').max(100, 'a percentage such as 0.3'))
    .default(0.3),
  COMPLAINT_RATE_MIN_COUNT: int(1, 1_000_000).default(5),
  SES_SNS_TOPIC_ARNS: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+(,arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+)*$/,
      'comma-separated SNS topic ARNs, e.g. arn:aws:sns:eu-west-1:123456789012:ses-feedback',
    )
    .optional(),
  MAILGUN_WEBHOOK_SIGNING_KEY: z
    .string()
    .min(16, 'the HTTP webhook signing key (at least 16 characters)')
    .optional(),
  POSTMARK_WEBHOOK_USER: z.string().min(1).optional(),
  POSTMARK_WEBHOOK_PASSWORD: z.string().min(16, 'at least 16 characters').optional(),
  SENDGRID_WEBHOOK_PUBLIC_KEY: z
    .string()
    .refine(isPublicKey, 'the verification key SendGrid shows (base64), or a PEM public key')
    .optional(),
  DKIM_DOMAIN: z.string().min(1).optional(),
  DKIM_SELECTOR: z.string().min(1).optional(),
  DKIM_PRIVATE_KEY_FILE: z.string().min(1).optional(),
  LOG_LEVEL: z
    .enum(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      'one of fatal, error, warn, info, debug, trace, silent',
    )
    .default('info'),
  LOG_PRETTY: bool.optional(),
});

type Raw = z.infer<typeof schema>;

export interface RedisClusterConfig {
  nodes: Array<{ host: string; port: number }>;
  username: string | undefined;
  password: string | undefined;
  tls: boolean;
}

export interface LinkKey {
  id: string;
  secret: string;
}

export interface Config {
  /** Absent: start an embedded redis-server under dataDir. */
  redisUrl: string | undefined;
  /**
   * Seed nodes of a Redis Cluster (REDIS_CLUSTER_NODES), with the credentials and TLS their URLs name;
   * set, the program runs on the cluster instead of REDIS_URL or the embedded Redis.
   */
  redisCluster: RedisClusterConfig | undefined;
  redisPrefix: string;
  /** Absent: start the embedded outbox (SMTP capture to dataDir/outbox). */
  smtpUrl: string | undefined;
  smtpMaxConnections: number;
  smtpMaxMessages: number;
  /** PEM certificates trusted for the relay instead of the system's; verified on loopback too. */
  smtpTlsCaFile: string | undefined;
  /** Seconds a relay outage may last before the editions it holds pause. */
  relayOutageLimitSeconds: number;
  /** Global send rate limit, messages per second across all workers. */
  sendRate: number;
  sendBatchSize: number;
  workerConcurrency: number;
  /** Base of every link in emails. Absent: http://HOST:PORT once the server listens. */
  publicUrl: string | undefined;
  host: string;
  port: number;
  /** Which proxies may set X-Forwarded-For (the client IP for rate limits): false, a hop count, or addresses. */
  trustProxy: false | number | string;
  /** Signing keys, newest first; the first signs, all verify. Absent: generated into dataDir. */
  linkKeys: LinkKey[] | undefined;
  mailFrom: string | undefined;
  /** Absent: generated into dataDir and printed at start. */
  adminToken: string | undefined;
  /** Bearer token for `/metrics` from other hosts; unset, only loopback clients may scrape. */
  metricsToken: string | undefined;
  dataDir: string;
  publicationFile: string | undefined;
  publicationTimezone: string | undefined;
  scheduleCron: string | undefined;
  templatesDir: string | undefined;
  maxEditionAgeDays: number;
  allowPrivateFeedHosts: boolean;
  dkim: { domainName: string; keySelector: string; privateKeyFile: string } | undefined;
  /** Domain of the VERP bounce and mailto unsubscribe addresses; absent: the sender's domain. */
  bounceDomain: string | undefined;
  inbound: {
    /** Undefined when INBOUND_SMTP_PORT=off: `digest start` runs without the listener. */
    port: number | undefined;
    maxBytes: number;
    /** Messages (and connections) per client address and minute. */
    ratePerMinute: number;
    /** STARTTLS is offered when both are set. */
    tls: { certFile: string; keyFile: string } | undefined;
  };
  softBounces: { limit: number; windowDays: number };
  /** Relay webhooks; each route answers only when its secret is configured. */
  webhooks: {
    sesTopicArns: string[];
    mailgunSigningKey: string | undefined;
    postmark: { user: string; password: string } | undefined;
    sendgridPublicKey: string | undefined;
  };
  /** An edition pauses when complaints/delivered passes `percent` with at least `minCount` complaints. */
  complaintGuard: { percent: number; minCount: number };
  logLevel: Raw['LOG_LEVEL'];
  logPretty: boolean;
}

/** Reads `.env` (if present) under the real environment: real variables win. */
export function readEnvironment(
  cwd = process.cwd(),
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string | undefined> {
  const file = resolve(cwd, '.env');
  const fromFile = existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
  return { ...fromFile, ...env };
}

export function loadConfig(env: Record<string, string | undefined> = readEnvironment()): Config {
  const known = Object.fromEntries(
    Object.keys(schema.shape)
      .filter((k) => env[k] !== undefined && env[k] !== '')
      .map((k) => [k, env[k]]),
  );
  const parsed = schema.safeParse(known);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    const got = env[name];
    if (name === 'LINK_KEYS' && got) throw new ConfigError(describeBadLinkKeys(got));
    throw new ConfigError(`${describeIssue(name, issue)}${got === undefined ? '' : shown(name, got)}`);
  }
  const r = parsed.data;
  const dkimParts = [r.DKIM_DOMAIN, r.DKIM_SELECTOR, r.DKIM_PRIVATE_KEY_FILE];
  if (Boolean(r.POSTMARK_WEBHOOK_USER) !== Boolean(r.POSTMARK_WEBHOOK_PASSWORD)) {
    throw new ConfigError('POSTMARK_WEBHOOK_USER and POSTMARK_WEBHOOK_PASSWORD must be set together');
  }
  if (Boolean(r.INBOUND_TLS_CERT_FILE) !== Boolean(r.INBOUND_TLS_KEY_FILE)) {
    throw new ConfigError('INBOUND_TLS_CERT_FILE and INBOUND_TLS_KEY_FILE must be set together');
  }
  if (r.REDIS_URL && r.REDIS_CLUSTER_NODES) {
    throw new ConfigError('set REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (a Redis Cluster), not both');
  }
  if (dkimParts.some(Boolean) && !dkimParts.every(Boolean)) {
    throw new ConfigError('DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY_FILE must be set together');
  }
  return {
    redisUrl: r.REDIS_URL,
    redisCluster: r.REDIS_CLUSTER_NODES ? parseClusterNodes(r.REDIS_CLUSTER_NODES) : undefined,
    redisPrefix: r.REDIS_PREFIX,
    smtpUrl: r.SMTP_URL,
    smtpMaxConnections: r.SMTP_MAX_CONNECTIONS,
    smtpMaxMessages: r.SMTP_MAX_MESSAGES,
    smtpTlsCaFile: r.SMTP_TLS_CA_FILE ? resolve(r.SMTP_TLS_CA_FILE) : undefined,
    relayOutageLimitSeconds: r.RELAY_OUTAGE_LIMIT,
    sendRate: r.SEND_RATE,
    sendBatchSize: r.SEND_BATCH_SIZE,
    workerConcurrency: r.WORKER_CONCURRENCY,
    publicUrl: r.PUBLIC_URL,
    host: r.HOST,
    port: r.PORT,
    trustProxy:
      r.TRUST_PROXY === 'false' ? false : /^\d+$/.test(r.TRUST_PROXY) ? Number(r.TRUST_PROXY) : r.TRUST_PROXY,
    linkKeys: parseLinkKeys(r.LINK_SECRET, r.LINK_KEYS),
    mailFrom: r.MAIL_FROM,
    adminToken: r.ADMIN_TOKEN,
    metricsToken: r.METRICS_TOKEN,
    dataDir: resolve(r.DATA_DIR),
    publicationFile: r.PUBLICATION_FILE ? resolve(r.PUBLICATION_FILE) : undefined,
    publicationTimezone: r.PUBLICATION_TIMEZONE,
    scheduleCron: r.SCHEDULE_CRON,
    templatesDir: r.TEMPLATES_DIR ? resolve(r.TEMPLATES_DIR) : undefined,
    maxEditionAgeDays: r.MAX_EDITION_AGE_DAYS,
    allowPrivateFeedHosts: r.ALLOW_PRIVATE_FEED_HOSTS,
    dkim: r.DKIM_DOMAIN
      ? {
          domainName: r.DKIM_DOMAIN,
          keySelector: r.DKIM_SELECTOR!,
          privateKeyFile: resolve(r.DKIM_PRIVATE_KEY_FILE!),
        }
      : undefined,
    bounceDomain: r.BOUNCE_DOMAIN,
    inbound: {
      port: r.INBOUND_SMTP_PORT === 'off' ? undefined : Number(r.INBOUND_SMTP_PORT),
      maxBytes: r.INBOUND_MAX_BYTES,
      ratePerMinute: r.INBOUND_RATE_PER_MINUTE,
      tls: r.INBOUND_TLS_CERT_FILE
        ? { certFile: resolve(r.INBOUND_TLS_CERT_FILE), keyFile: resolve(r.INBOUND_TLS_KEY_FILE!) }
        : undefined,
    },
    softBounces: { limit: r.SOFT_BOUNCE_LIMIT, windowDays: r.SOFT_BOUNCE_WINDOW_DAYS },
    webhooks: {
      sesTopicArns: r.SES_SNS_TOPIC_ARNS ? r.SES_SNS_TOPIC_ARNS.split(',') : [],
      mailgunSigningKey: r.MAILGUN_WEBHOOK_SIGNING_KEY,
      postmark: r.POSTMARK_WEBHOOK_USER
        ? { user: r.POSTMARK_WEBHOOK_USER, password: r.POSTMARK_WEBHOOK_PASSWORD! }
        : undefined,
      sendgridPublicKey: r.SENDGRID_WEBHOOK_PUBLIC_KEY,
    },
    complaintGuard: { percent: r.COMPLAINT_RATE_PAUSE_PERCENT, minCount: r.COMPLAINT_RATE_MIN_COUNT },
    logLevel: r.LOG_LEVEL,
    logPretty: r.LOG_PRETTY ?? false,
  };
}

/** Variables whose value is a secret: an error names them and what is expected, never the value. */
const SECRET_VARIABLES = new Set(['LINK_SECRET', 'LINK_KEYS', 'ADMIN_TOKEN', 'METRICS_TOKEN']);

/** The value an error may show: secrets by length only, URLs without their password. */
function shown(name: string, value: string): string {
  if (SECRET_VARIABLES.has(name)) return ` (got ${value.length} characters, not shown)`;
  // A URL's user and password (whatever the rest looks like) are what stands before its "@".
  return ` (got ${JSON.stringify(value.replace(/[^/@\s,]*@/g, '***@'))})`;
}

/** Which LINK_KEYS pair is wrong and why, naming its position and key id, never a secret. */
function describeBadLinkKeys(value: string): string {
  const expected =
    'LINK_KEYS must be comma-separated keyId:secret pairs, secrets at least 16 characters, e.g. "k2:...,k1:..."';
  const pairs = value.split(',');
  for (const [i, pair] of pairs.entries()) {
    const at = pair.indexOf(':');
    const id = at < 0 ? '' : pair.slice(0, at);
    const secret = at < 0 ? '' : pair.slice(at + 1);
    const which = `pair ${i + 1} of ${pairs.length}${/^[A-Za-z0-9_-]{1,16}$/.test(id) ? ` (key id "${id}")` : ''}`;
    if (at < 0) return `${expected}: ${which} has no ":" between key id and secret`;
    if (!/^[A-Za-z0-9_-]{1,16}$/.test(id))
      return `${expected}: ${which} has a key id that is not 1 to 16 letters, digits, "_" or "-"`;
    if (!/^[^,\s]{16,}$/.test(secret))
      return `${expected}: ${which} has a secret of ${secret.length} characters${/\s/.test(secret) ? ' with spaces' : ''}`;
  }
  return expected;
}

/** REDIS_CLUSTER_NODES (already checked): the nodes, and the credentials and TLS of its URL nodes. */
function parseClusterNodes(value: string): RedisClusterConfig {
  const entries = value.split(',').map((n) => n.trim().replace(/\/$/, ''));
  const withScheme = entries.find((n) => /^rediss?:\/\//.test(n));
  const url = withScheme ? new URL(withScheme) : undefined;
  return {
    nodes: entries.map((n) => {
      const hostPort = n.replace(/^rediss?:\/\/([^@]*@)?/, '');
      const at = hostPort.lastIndexOf(':');
      return { host: hostPort.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(hostPort.slice(at + 1)) };
    }),
    username: url?.username ? decodeURIComponent(url.username) : undefined,
    password: url?.password ? decodeURIComponent(url.password) : undefined,
    tls: url?.protocol === 'rediss:',
  };
}

/** LINK_KEYS lists every key (newest first); LINK_SECRET alone is key id "k1". */
function parseLinkKeys(secret: string | undefined, keys: string | undefined): LinkKey[] | undefined {
  if (keys) {
    return keys.split(',').map((pair) => {
      const at = pair.indexOf(':');
      return { id: pair.slice(0, at), secret: pair.slice(at + 1) };
    });
  }
  return secret ? [{ id: 'k1', secret }] : undefined;
}

function isPublicKey(text: string): boolean {
  try {
    const t = text.trim();
    if (t.startsWith('-----')) createPublicKey(t);
    else createPublicKey({ key: Buffer.from(t, 'base64'), format: 'der', type: 'spki' });
    return true;
  } catch {
    return false;
  }
}

/** An IANA zone in any case; abbreviations such as EST are refused (src/core/time-zone-name.ts). */
export function isTimeZone(name: string): boolean {
  return canonicalTimeZone(name).ok;
}

/** The stored form of a zone that isTimeZone accepted: `europe/paris` → `Europe/Paris`. */
export function canonicalZone(name: string): string {
  const checked = canonicalTimeZone(name);
  return checked.ok ? checked.value : name;
}

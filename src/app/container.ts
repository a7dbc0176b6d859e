/**
 * The one place that builds adapters (Redis connections, the SMTP mailer, stores) from a Config.
 * Everything else receives what it needs from here; nothing else creates a Redis or SMTP client.
 * Shutdown is two-step (see `close`): callers first stop taking work, then close the container.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { ArticleStore } from '../articles/article-store.ts';
import { createRedisArticleStore } from '../articles/redis-article-store.ts';
import type { Config, LinkKey, RedisClusterConfig } from '../config.ts';
import type { DeliveryLedger } from '../delivery/delivery-ledger.ts';
import { createRedisDeliveryLedger } from '../delivery/redis-delivery-ledger.ts';
import type { Publication } from '../domain/publication.ts';
import type { EditionStore } from '../editions/edition-store.ts';
import { createRedisEditionStore } from '../editions/redis-edition-store.ts';
import { ConfigError } from '../errors/config-error.ts';
import type { FeedbackDeps } from '../feedback/apply-feedback.ts';
import { createRedisEventDedupe } from '../feedback/event-dedupe.ts';
import { type VerifiedAddress, verifyFeedbackAddress } from '../feedback/feedback-address.ts';
import { createSnsFetch, type SnsFetch } from '../feedback/webhooks/sns-fetch.ts';
import { createFeedFetcher, type FeedFetcher } from '../feeds/fetch-feed.ts';
import { createLinkChecker, type LinkChecker } from '../lint/link-check.ts';
import type { Logger } from '../logging/logger.ts';
import { type DkimKey, DkimSigner } from '../mail/dkim-signer.ts';
import type { Mailer } from '../mail/mailer.ts';
import { parseMailbox } from '../mail/parse-mailbox.ts';
import { createRedisRelayStatusStore, type RelayStatusStore } from '../mail/redis-relay-status.ts';
import { describeOutage } from '../mail/relay-outage.ts';
import { createSmtpMailer } from '../mail/smtp-mailer.ts';
import { createMetrics, type Metrics } from '../observability/metrics.ts';
import { createRedisSendTimeline } from '../observability/redis-send-timeline.ts';
import type { SendTimeline } from '../observability/send-timeline.ts';
import { checkDataOwner, describeForeignData, type OwnerCheck } from '../publication/data-owner.ts';
import { loadPublication, SAMPLE_PUBLICATION_FILE } from '../publication/load-publication.ts';
import { QUEUES } from '../queues/queue-names.ts';
import { createQueues, type Queues } from '../queues/queues.ts';
import { checkKeyLayout } from '../redis/layout-guard.ts';
import { PROBE_TIMEOUT_MS, probeRedis, redisAddress } from '../redis/probe-redis.ts';
import type { RedisClient } from '../redis/redis-client.ts';
import { inspectRedis, judgeRedis } from '../redis/redis-guard.ts';
import { RedisOutage } from '../redis/redis-outage.ts';
import { createReplicaWait } from '../redis/replica-wait.ts';
import { createRedisSourceStore } from '../sources/redis-source-store.ts';
import type { SourceStore } from '../sources/source-store.ts';
import {
  type ConfirmationThrottle,
  createRedisConfirmationThrottle,
} from '../subscribers/confirmation-throttle.ts';
import { createRedisSubscriberStore } from '../subscribers/redis-subscriber-store.ts';
import { withReplicatedChanges } from '../subscribers/replicated-subscriber-store.ts';
import type { SubscriberStore } from '../subscribers/subscriber-store.ts';
import { type EmbeddedServices, startEmbeddedServices } from './embedded-services.ts';
import { resolveAdminToken, resolveLinkKeys } from './secrets.ts';

export interface Container {
  config: Config;
  logger: Logger;
  publication: Publication;
  /** The publication file in use (the bundled sample when PUBLICATION_FILE is unset). */
  publicationFile: string;
  /** The Redis in use: REDIS_URL, the embedded one's, or the first seed node of REDIS_CLUSTER_NODES. */
  redisUrl: string;
  /** Key prefix for our own keys and BullMQ queues (`nd` by default). */
  prefix: string;
  /** Shared connection for commands (stores): one Redis, or a Cluster with REDIS_CLUSTER_NODES. */
  redis: RedisClient;
  /** A new connection for a BullMQ Worker or QueueEvents (each needs its own blocking connection). */
  newRedisConnection(): RedisClient;
  /** Whether Redis is gone right now; reports retries as one line each (src/redis/redis-outage.ts). */
  redisOutage: RedisOutage;
  smtpUrl: string;
  /** Set when the embedded outbox receives the mail. */
  outboxDir: string | undefined;
  mailer: Mailer;
  /** Signs the digests as they are built (DKIM_*); the mailer signs the composed mails itself. */
  dkim: DkimSigner | undefined;
  /** The relay outage the send workers last saw (any process can read it). */
  relayStatus: RelayStatusStore;
  /** Subscribers, their history and the suppression list (Redis). */
  subscribers: SubscriberStore;
  /** One sign-up email per address per 24 h, across processes (Redis). */
  confirmationThrottle: ConfirmationThrottle;
  /** Collected articles, deduplicated (Redis). */
  articles: ArticleStore;
  /** Feed sources, their cache validators and last fetch result (Redis). */
  sources: SourceStore;
  /** Fetches feeds: timeouts, size cap, redirects, conditional GET, SSRF guard. */
  fetchFeed: FeedFetcher;
  /** The lint's opt-in link check: bounded, concurrency-limited, through the feed fetcher's SSRF guard. */
  checkLinks: LinkChecker;
  /** Built editions and their compiled variants. */
  editions: EditionStore;
  /** One entry per (edition, subscriber): who got what. */
  ledger: DeliveryLedger;
  /** BullMQ producers for every queue. */
  queues: Queues;
  /** Sends per minute and per SMTP reply of each edition, from every worker (Redis). */
  sendTimeline: SendTimeline;
  /** Prometheus registry of this process (`/metrics`). */
  metrics: Metrics;
  linkKeys: LinkKey[];
  adminToken: string;
  /** Base URL of links in emails; set from the listening address when PUBLIC_URL is unset. */
  publicUrl: string;
  /** Domain of the VERP bounce and mailto unsubscribe addresses (BOUNCE_DOMAIN, else the sender's). */
  bounceDomain: string;
  /** What a signed address at the bounce domain stands for (undefined: not one of ours). */
  verifyFeedbackAddress(address: string): VerifiedAddress | undefined;
  /** What applying feedback (bounces, complaints, mailto unsubscribes) needs. */
  feedback: FeedbackDeps;
  /** Fetches SNS signing certificates and subscription confirmations (tests put their own). */
  snsFetch: SnsFetch;
  /** True when this process started the embedded redis-server/outbox. */
  ownsEmbedded: boolean;
  /** Which publication the data belongs to (src/publication/data-owner.ts). */
  dataOwner: OwnerCheck;
  close(): Promise<void>;
}

export interface ContainerOptions {
  /** Publish embedded services for other commands (long-running `start`/`worker`/`serve`). */
  publishEmbedded?: boolean;
  /**
   * One-shot commands stop waiting for a lost Redis after this many ms (their pending commands fail);
   * unset, long-running processes reconnect for ever.
   */
  redisGiveUpMs?: number;
  /**
   * Build the container even when the data belongs to another publication (`digest publication show`
   * and `adopt`); everything else refuses such data in one line.
   */
  allowForeignData?: boolean;
  /** `digest migrate` only: open data of an older key layout instead of refusing it. */
  skipLayoutCheck?: boolean;
}

export async function createContainer(
  config: Config,
  logger: Logger,
  options: ContainerOptions = {},
): Promise<Container> {
  const publicationFile = config.publicationFile ?? SAMPLE_PUBLICATION_FILE;
  const publication = loadPublication(publicationFile, {
    timezone: config.publicationTimezone,
    scheduleCron: config.scheduleCron,
  });
  if (config.mailFrom) publication.from = parseFrom(config.mailFrom, publication.from);
  // Before anything starts: a bad key stops the program with one line, nothing to clean up.
  const dkimKey = config.dkim ? readDkimKey(config.dkim) : undefined;
  const dkim = dkimKey ? new DkimSigner(dkimKey) : undefined;

  const cluster = config.redisCluster;
  const embedded: EmbeddedServices = await startEmbeddedServices({
    dataDir: config.dataDir,
    needRedis: !config.redisUrl && !cluster,
    needSmtp: !config.smtpUrl,
    publish: options.publishEmbedded ?? false,
  });
  const redisUrl = cluster ? seedUrls(cluster)[0]! : (config.redisUrl ?? embedded.redisUrl!);
  const smtpUrl = config.smtpUrl ?? embedded.smtpUrl!;

  const redisOutage = new RedisOutage(
    logger,
    cluster
      ? `the Redis Cluster of ${cluster.nodes.length} seed nodes (${redisAddress(redisUrl)}, …)`
      : redisAddress(redisUrl),
    { giveUpAfterMs: options.redisGiveUpMs },
  );
  const redisOptions: RedisOptions = {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    ...redisOutage.connectionOptions(),
  };
  const connections: RedisClient[] = [];
  const newRedisConnection = (): RedisClient => {
    const r = redisOutage.watch(
      cluster
        ? new Cluster(cluster.nodes, clusterOptions(cluster, redisOutage))
        : new Redis(redisUrl, redisOptions),
    );
    connections.push(r);
    return r;
  };
  let redis: RedisClient | undefined;
  try {
    // Unreachable, wrong password, missing database: one line and exit 2, before any connection
    // that would retry for ever. A cluster needs one seed node that answers; the others are found.
    if (cluster) await probeAnySeed(cluster);
    else await probeRedis(redisUrl);
    redis = newRedisConnection();
    for (const warning of judgeRedis(await inspectRedis(redis)))
      logger.warn({ event: 'redis.warning' }, warning);
    // Data of an older key layout: one line asking for `digest migrate` (which itself skips this).
    if (!options.skipLayoutCheck) await checkKeyLayout(redis, config.redisPrefix);
  } catch (err) {
    redis?.disconnect();
    await embedded.stop();
    throw err;
  }

  const relayStatus = createRedisRelayStatusStore(redis, config.redisPrefix);
  const mailer = createSmtpMailer({
    url: smtpUrl,
    tlsCa: config.smtpTlsCaFile ? readFileSync(config.smtpTlsCaFile, 'utf8') : undefined,
    outageLimitMs: config.relayOutageLimitSeconds * 1000,
    onOutage: (outage, givenUp) => {
      if (outage)
        logger.warn({ event: 'relay.unreachable', givenUp }, describeOutage(outage, Date.now(), givenUp));
      else logger.info({ event: 'relay.reachable' }, 'relay answers again');
      relayStatus
        .save(outage, givenUp)
        .catch((err) => logger.warn({ event: 'relay.status', err }, 'could not store the relay status'));
    },
    maxConnections: config.smtpMaxConnections,
    maxMessages: config.smtpMaxMessages,
    dkim: dkimKey,
  });

  const queues = createQueues(redis, config.redisPrefix);
  // Without a listener BullMQ prints a queue's errors with their stack; a lost connection is the
  // outage's to report (one line per retry), anything else one log line.
  for (const name of Object.values(QUEUES))
    queues[name].on('error', (err) => {
      if (!redisOutage.explains(err)) logger.error({ event: 'queue.error', queue: name, err }, 'queue error');
    });
  // Unsubscribes, complaints and preference changes wait for a replica where there is one.
  const subscribers = withReplicatedChanges(
    createRedisSubscriberStore(redis, config.redisPrefix),
    createReplicaWait(redis),
  );
  const editions = createRedisEditionStore(redis, config.redisPrefix);
  const ledger = createRedisDeliveryLedger(redis, config.redisPrefix, { sendRatePerSecond: config.sendRate });
  const linkKeys = resolveLinkKeys(config.linkKeys, config.dataDir);
  // Nothing has started yet: what a refusal must close.
  const closeEarly = async () => {
    await queues.close();
    await mailer.close();
    await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
    await embedded.stop();
  };
  let dataOwner: OwnerCheck;
  try {
    dataOwner = await checkDataOwner(
      redis,
      config.redisPrefix,
      editions,
      publication,
      publicationFile === SAMPLE_PUBLICATION_FILE,
      new Date(),
    );
  } catch (err) {
    await closeEarly();
    throw err;
  }
  if (!dataOwner.ok && !options.allowForeignData) {
    await closeEarly();
    throw new ConfigError(
      describeForeignData(dataOwner.owner, publication, {
        publicationFile,
        dataDir: config.dataDir,
        prefix: config.redisPrefix,
        embeddedRedis: !config.redisUrl,
      }),
    );
  }
  const bounceDomain = config.bounceDomain ?? publication.from.address.split('@')[1]!.toLowerCase();
  const container: Container = {
    config,
    logger,
    publication,
    publicationFile,
    redisUrl,
    prefix: config.redisPrefix,
    redis,
    newRedisConnection,
    redisOutage,
    smtpUrl,
    outboxDir: embedded.outboxDir,
    mailer,
    dkim,
    relayStatus,
    subscribers,
    confirmationThrottle: createRedisConfirmationThrottle(redis, config.redisPrefix),
    articles: createRedisArticleStore(redis, config.redisPrefix),
    sources: createRedisSourceStore(redis, config.redisPrefix),
    fetchFeed: createFeedFetcher({ allowPrivateHosts: config.allowPrivateFeedHosts }),
    checkLinks: createLinkChecker({ allowPrivateHosts: config.allowPrivateFeedHosts }),
    editions,
    ledger,
    queues,
    sendTimeline: createRedisSendTimeline(redis, config.redisPrefix),
    // Read at scrape time only, when `container` is complete.
    metrics: createMetrics(() => container),
    linkKeys,
    adminToken: resolveAdminToken(config.adminToken, config.dataDir),
    publicUrl: config.publicUrl ?? `http://${config.host}:${config.port}`,
    bounceDomain,
    verifyFeedbackAddress: (address) => verifyFeedbackAddress(address, linkKeys, bounceDomain),
    feedback: {
      subscribers,
      ledger,
      editions,
      dedupe: createRedisEventDedupe(redis, config.redisPrefix),
      softBounces: config.softBounces,
      complaintGuard: config.complaintGuard,
    },
    snsFetch: createSnsFetch(),
    ownsEmbedded: embedded.owned,
    dataOwner,
    async close() {
      // The send timeline buffers a second of counts: write them before the connections go.
      await container.sendTimeline.flush().catch(() => {});
      await queues.close();
      await mailer.close();
      await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
      await embedded.stop();
    },
  };
  return container;
}

/** Each seed node as a URL carrying the cluster's credentials and TLS (for the probe). */
function seedUrls(cluster: RedisClusterConfig): string[] {
  const auth = cluster.password
    ? `${encodeURIComponent(cluster.username ?? '')}:${encodeURIComponent(cluster.password)}@`
    : '';
  return cluster.nodes.map(
    (n) =>
      `${cluster.tls ? 'rediss' : 'redis'}://${auth}${n.host.includes(':') ? `[${n.host}]` : n.host}:${n.port}`,
  );
}

/** One seed node must answer, and be a node of a cluster (a single Redis is REDIS_URL's). */
async function probeAnySeed(cluster: RedisClusterConfig): Promise<void> {
  let last: unknown;
  for (const url of seedUrls(cluster)) {
    try {
      await probeRedis(url, PROBE_TIMEOUT_MS / cluster.nodes.length, 'REDIS_CLUSTER_NODES');
    } catch (err) {
      last = err;
      continue;
    }
    const r = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on('error', () => undefined);
    const info = await r.info('cluster').finally(() => r.disconnect());
    if (!/cluster_enabled:1/.test(info))
      throw new ConfigError(
        `REDIS_CLUSTER_NODES names ${redisAddress(url)}, a Redis without cluster mode: set REDIS_URL for one Redis, or cluster-enabled yes on the nodes`,
      );
    return;
  }
  throw last;
}

/**
 * The Cluster connection: the seed nodes' credentials and TLS for every node it finds, the outage's
 * retry line for the cluster as a whole, and commands that wait (rather than fail) while a failover
 * moves slots, as a single Redis connection waits for a reconnect.
 */
function clusterOptions(cluster: RedisClusterConfig, outage: RedisOutage): ClusterOptions {
  return {
    clusterRetryStrategy: outage.connectionOptions().retryStrategy,
    enableReadyCheck: true,
    // A failover takes the replica a few seconds to win its election: keep asking meanwhile.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 300,
    retryDelayOnTryAgain: 200,
    maxRedirections: 64,
    redisOptions: {
      maxRetriesPerRequest: null,
      username: cluster.username,
      password: cluster.password,
      tls: cluster.tls ? {} : undefined,
    },
  };
}

function readDkimKey(dkim: NonNullable<Config['dkim']>): DkimKey {
  let privateKey: string;
  try {
    privateKey = readFileSync(dkim.privateKeyFile, 'utf8');
  } catch {
    throw new ConfigError(`DKIM_PRIVATE_KEY_FILE: cannot read ${dkim.privateKeyFile}`);
  }
  return { domainName: dkim.domainName, keySelector: dkim.keySelector, privateKey };
}

/** MAIL_FROM is `Name <address>` or a bare address (already checked by config). */
function parseFrom(value: string, fallback: Publication['from']): Publication['from'] {
  const parsed = parseMailbox(value)!;
  return { name: parsed.name || fallback.name, address: parsed.address };
}

export const dataPath = (config: Config, ...parts: string[]) => join(config.dataDir, ...parts);

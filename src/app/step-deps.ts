/**
 * Assembles each step's dependencies from the container (the steps themselves take plain
 * dependency objects, so tests can run them directly on the real adapters).
 */

import type { Queue } from 'bullmq';
import pLimit from 'p-limit';
import type { CollectDeps } from '../collect/collect-source.ts';
import type { DispatchDeps } from '../delivery/dispatch.ts';
import type { ControlDeps } from '../delivery/edition-control.ts';
import { createPreparedEditionCache } from '../delivery/prepared-edition.ts';
import type { ReconcileDeps } from '../delivery/reconcile.ts';
import type { SendDeps } from '../delivery/send-batch.ts';
import type { TestSendDeps } from '../delivery/test-send.ts';
import type { BuildDeps } from '../editions/build-edition.ts';
import type { LintDeps } from '../lint/lint-stored-edition.ts';
import { lintBeforeSend } from '../lint/send-gate.ts';
import type { SendJobData } from '../queues/queue-names.ts';
import type { Container } from './container.ts';

/** Temporary failures (4xx, network) before a delivery counts as failed. */
export const MAX_DELIVERY_ATTEMPTS = 8;
/** Longer than nodemailer's connection + greeting + socket timeouts together. */
export const CLAIM_TIMEOUT_MS = 5 * 60_000;

export function buildDeps(c: Container): BuildDeps {
  return {
    publication: c.publication,
    articles: c.articles,
    subscribers: c.subscribers,
    editions: c.editions,
    ledger: c.ledger,
    publicUrl: c.publicUrl,
    templatesDir: c.config.templatesDir,
    onBuilt: (seconds) => c.metrics.observeRender(seconds),
  };
}

export function dispatchDeps(c: Container): DispatchDeps {
  return {
    ledger: c.ledger,
    subscribers: c.subscribers,
    editions: c.editions,
    sendQueue: c.queues.send as Queue<SendJobData>,
    batchSize: c.config.sendBatchSize,
    defaultHour: c.publication.defaultHour,
    defaultTimezone: c.publication.timezone,
  };
}

export function reconcileDeps(c: Container): ReconcileDeps {
  return { ...dispatchDeps(c), claimTimeoutMs: CLAIM_TIMEOUT_MS };
}

export function sendDeps(c: Container, onOutcome?: SendDeps['onOutcome']): SendDeps {
  return {
    ledger: c.ledger,
    subscribers: c.subscribers,
    editions: c.editions,
    prepared: createPreparedEditionCache(c.editions, c.publication, { dkim: c.dkim }),
    mailer: c.mailer,
    publicUrl: () => c.publicUrl,
    linkKeys: c.linkKeys,
    bounceDomain: c.bounceDomain,
    lanes: c.config.smtpMaxConnections,
    laneSlots: pLimit(c.config.smtpMaxConnections),
    maxAttempts: MAX_DELIVERY_ATTEMPTS,
    now: () => new Date(),
    onOutcome,
  };
}

export function controlDeps(c: Container): ControlDeps {
  return {
    ...buildDeps(c),
    ...dispatchDeps(c),
    maxEditionAgeDays: c.config.maxEditionAgeDays,
    // Lint errors stop a send unless it is forced (src/lint/send-gate.ts).
    preSendChecks: [lintBeforeSend(lintDeps(c))],
  };
}

export function collectDeps(c: Container): CollectDeps {
  return {
    sources: c.sources,
    articles: c.articles,
    fetchFeed: c.fetchFeed,
    publication: c.publication,
    // Read when a collect runs: `digest start` sets it from the listening address after the container.
    get publicUrl() {
      return c.publicUrl;
    },
    logger: c.logger,
  };
}

export function testSendDeps(c: Container): TestSendDeps {
  return {
    publication: c.publication,
    editions: c.editions,
    articles: c.articles,
    mailer: c.mailer,
    dkim: c.dkim,
    publicUrl: c.publicUrl,
    linkKeys: c.linkKeys,
    templatesDir: c.config.templatesDir,
  };
}

export function lintDeps(c: Container): LintDeps {
  return {
    editions: c.editions,
    publication: c.publication,
    publicUrl: c.publicUrl,
    checkLinks: c.checkLinks,
  };
}

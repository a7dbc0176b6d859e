/**
 * Prometheus metrics (prom-client), one registry per container. Two kinds:
 * - per-process counters and histograms (messages by outcome and SMTP code, render and job times),
 *   which in a multi-process deployment only describe this process;
 * - gauges read at scrape time from Redis (the ledger's own counts for recent editions, queue depths,
 *   connected workers, the send rate, the sources' last fetch): the same in every process, so they
 *   match the ledger whichever process Prometheus asks.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { DeliveryLedger } from '../delivery/delivery-ledger.ts';
import type { EditionStore } from '../editions/edition-store.ts';
import type { Queues } from '../queues/queues.ts';
import type { SourceStore } from '../sources/source-store.ts';
import { recentRate } from './send-progress.ts';
import type { SendTimeline } from './send-timeline.ts';

/** What the scrape-time gauges read; the container has all of it (`sources` once collect is wired). */
export interface MetricsSources {
  editions: EditionStore;
  ledger: DeliveryLedger;
  queues: Queues;
  sendTimeline: SendTimeline;
  sources?: SourceStore;
}

export interface Metrics {
  registry: Registry;
  /** The send worker's `onOutcome`: one call per recorded outcome. */
  recordOutcome(outcome: string, smtpCode: number | undefined): void;
  /** Seconds a build spent (window, freeze, one MJML compile per variant). */
  observeRender(seconds: number): void;
  /** Seconds a job of a queue took, from start to finish. */
  observeJob(queue: string, seconds: number): void;
  /** The Prometheus text exposition. */
  expose(): Promise<{ contentType: string; body: string }>;
}

/** Editions whose ledger counts are exported (newest first). */
export const RECENT_EDITIONS = 5;
const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed'] as const;

export function createMetrics(read: () => MetricsSources): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'digest_process_' });

  const messages = new Counter({
    name: 'digest_messages_total',
    help: 'Delivery outcomes recorded by this process, by outcome and SMTP reply code ("" when none).',
    labelNames: ['outcome', 'smtp_code'],
    registers: [registry],
  });
  const render = new Histogram({
    name: 'digest_render_seconds',
    help: 'Time to build an edition: freeze, choose articles, compile each variant (MJML) once.',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const jobs = new Histogram({
    name: 'digest_job_seconds',
    help: 'Time a queue job took in this process, by queue.',
    labelNames: ['queue'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
    registers: [registry],
  });

  new Gauge({
    name: 'digest_deliveries',
    help: `Deliveries per state for the ${RECENT_EDITIONS} newest editions, read from the ledger at scrape time.`,
    labelNames: ['edition', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      const { editions, ledger } = read();
      for (const edition of await editions.list(RECENT_EDITIONS)) {
        const counts = await ledger.counts(edition.id);
        for (const [state, n] of Object.entries(counts)) this.set({ edition: edition.id, state }, n);
      }
    },
  });
  new Gauge({
    name: 'digest_edition_feedback',
    help: `Feedback after the hand-off per kind (bounced, soft-bounced, complained, unsubscribed) for the ${RECENT_EDITIONS} newest editions, one per subscriber and kind.`,
    labelNames: ['edition', 'kind'],
    registers: [registry],
    async collect() {
      this.reset();
      const { editions, ledger } = read();
      for (const edition of await editions.list(RECENT_EDITIONS)) {
        const counts = await ledger.feedbackCounts(edition.id);
        for (const [kind, n] of Object.entries(counts)) this.set({ edition: edition.id, kind }, n.total);
      }
    },
  });
  new Gauge({
    name: 'digest_edition_complaint_rate',
    help: 'Complaints / delivered (sent) of each of the newest editions; the guard pauses past COMPLAINT_RATE_PAUSE_PERCENT.',
    labelNames: ['edition'],
    registers: [registry],
    async collect() {
      this.reset();
      const { editions, ledger } = read();
      for (const edition of await editions.list(RECENT_EDITIONS)) {
        const [counts, feedback] = await Promise.all([
          ledger.counts(edition.id),
          ledger.feedbackCounts(edition.id),
        ]);
        this.set({ edition: edition.id }, counts.sent > 0 ? feedback.complained.total / counts.sent : 0);
      }
    },
  });
  new Gauge({
    name: 'digest_edition_recipients',
    help: 'Recipients frozen into each of the newest editions, with its status as a label.',
    labelNames: ['edition', 'status'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const e of await read().editions.list(RECENT_EDITIONS))
        this.set({ edition: e.id, status: e.status }, e.recipientCount);
    },
  });
  new Gauge({
    name: 'digest_send_rate',
    help: 'Outcomes per second across every worker over the last one to two minutes (editions sending).',
    registers: [registry],
    async collect() {
      const { editions, sendTimeline } = read();
      const now = new Date();
      let rate = 0;
      for (const e of await editions.list(RECENT_EDITIONS))
        if (e.status === 'sending') rate += recentRate(await sendTimeline.perMinute(e.id), now);
      this.set(Math.round(rate * 100) / 100);
    },
  });
  new Gauge({
    name: 'digest_queue_jobs',
    help: 'Jobs per queue and state (BullMQ getJobCounts) at scrape time.',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [name, queue] of queueEntries(read().queues)) {
        const counts = await queue.getJobCounts(...JOB_STATES);
        for (const state of JOB_STATES) this.set({ queue: name, state }, counts[state] ?? 0);
      }
    },
  });
  new Gauge({
    name: 'digest_queue_workers',
    help: 'Worker connections listening on each queue, across all processes.',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [name, queue] of queueEntries(read().queues))
        this.set({ queue: name }, await queue.getWorkersCount());
    },
  });
  new Gauge({
    name: 'digest_feed_errors',
    help: "Errors of each source's last fetch (a failed source counts at least 1).",
    labelNames: ['source'],
    registers: [registry],
    async collect() {
      this.reset();
      const sources = read().sources;
      if (!sources) return;
      for (const s of await sources.list()) {
        const last = s.lastFetch;
        if (!last) continue;
        this.set({ source: s.id }, Math.max(last.errors.length, last.status === 'error' ? 1 : 0));
      }
    },
  });

  return {
    registry,
    recordOutcome(outcome, smtpCode) {
      messages.inc({ outcome, smtp_code: smtpCode === undefined ? '' : String(smtpCode) });
    },
    observeRender: (seconds) => render.observe(seconds),
    observeJob: (queue, seconds) => jobs.observe({ queue }, seconds),
    async expose() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

function queueEntries(queues: Queues) {
  return Object.entries(queues).filter(
    (e): e is [string, Queues['send']] => typeof e[1] === 'object' && e[1] !== null && 'getJobCounts' in e[1],
  );
}

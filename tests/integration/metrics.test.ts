/**
 * `/metrics` after a real send (test Redis, real SMTP sink with one 550 and one 451-then-ok): the
 * ledger gauges equal the ledger's counts, the per-process outcome counters agree with them by
 * SMTP code, queue gauges are there; `/readyz` follows the workers.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { type RunningWorkers, startWorkers } from '../../src/app/start-workers.ts';
import { controlDeps } from '../../src/app/step-deps.ts';
import { defaultEditionId, editionStatus, startSend } from '../../src/delivery/edition-control.ts';
import { buildApp } from '../../src/http/app.ts';
import { createTestContainer } from '../helpers/container.ts';
import { seedArticles, seedSubscribers } from '../helpers/delivery-fixtures.ts';
import { cleanupPrefix } from '../helpers/redis.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';

/** The value of one sample of the Prometheus text format, or undefined. */
function sample(body: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of body.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const m = /^([^{ ]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('metrics and readiness', () => {
  let sink: SmtpSink;
  let c: Container;
  let app: FastifyInstance;
  let workers: RunningWorkers;
  let edition: string;
  let tempFailed = false;

  beforeAll(async () => {
    sink = await startSmtpSink({
      onRcpt: (address) => {
        if (address === 'reader1@readers.example') return 550;
        if (address === 'reader2@readers.example' && !tempFailed) {
          tempFailed = true;
          return 451;
        }
        return undefined;
      },
    });
    // Fast retries: the 451 is retried by the job's backoff.
    c = await createTestContainer({ smtpUrl: sink.url, env: { SEND_BATCH_SIZE: '5' } });
    app = await buildApp(c);
    edition = defaultEditionId(c.publication, new Date());
    await seedArticles(c, edition);
    await seedSubscribers(c, 20);
  });
  afterAll(async () => {
    await workers?.stop();
    await app.close();
    await cleanupPrefix(c.redis, c.prefix);
    await c.close();
    await sink.stop();
  });

  it('/readyz is 503 while no send worker is connected, 200 with one', async () => {
    const before = await app.inject({ url: '/readyz' });
    expect(before.statusCode).toBe(503);
    expect(JSON.parse(before.body)).toMatchObject({ redis: 'ok', missing: ['send'] });
    workers = await startWorkers(c, { workers: true, scheduler: false });
    const after = await app.inject({ url: '/readyz' });
    expect(after.statusCode).toBe(200);
    expect(JSON.parse(after.body).workers.send).toBeGreaterThanOrEqual(1);
  });

  it('after a send, the ledger gauges and the outcome counters match the ledger', async () => {
    await startSend(controlDeps(c), edition, { immediate: true, force: true, now: new Date() });
    const t0 = Date.now();
    let report = await editionStatus(controlDeps(c), edition, new Date());
    while (report.status === 'sending') {
      if (Date.now() - t0 > 60_000) throw new Error(`still sending: ${JSON.stringify(report)}`);
      await new Promise((r) => setTimeout(r, 200));
      report = await editionStatus(controlDeps(c), edition, new Date());
    }
    expect(report).toMatchObject({ status: 'sent', sent: 19, bounced: 1 });

    const res = await app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const body = res.body;
    const counts = await c.ledger.counts(edition);
    for (const [state, n] of Object.entries(counts))
      expect(sample(body, 'digest_deliveries', { edition, state }), state).toBe(n);
    expect(sample(body, 'digest_messages_total', { outcome: 'sent', smtp_code: '' })).toBe(counts.sent);
    expect(sample(body, 'digest_messages_total', { outcome: 'bounced', smtp_code: '550' })).toBe(
      counts.bounced,
    );
    expect(sample(body, 'digest_messages_total', { outcome: 'retry', smtp_code: '451' })).toBe(1);
    expect(sample(body, 'digest_edition_recipients', { edition, status: 'sent' })).toBe(20);
    expect(sample(body, 'digest_queue_jobs', { queue: 'send', state: 'failed' })).toBe(0);
    expect(sample(body, 'digest_queue_workers', { queue: 'send' })).toBeGreaterThanOrEqual(1);
    expect(sample(body, 'digest_render_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(body).toContain('digest_send_rate');
    // No personal data: no address appears in the exposition.
    expect(body).not.toContain('@readers.example');

    // The dashboard's error breakdown comes from the send timeline, written by every worker.
    await c.sendTimeline.flush();
    const replies = await c.sendTimeline.replies(edition);
    expect(replies).toContainEqual({ outcome: 'bounced', smtpCode: 550, count: 1 });
    expect(replies).toContainEqual({ outcome: 'sent', smtpCode: undefined, count: 19 });
    const perMinute = await c.sendTimeline.perMinute(edition);
    expect(perMinute.reduce((n, m) => n + m.sent, 0)).toBe(19);
  }, 90_000);
});

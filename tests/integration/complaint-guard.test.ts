/**
 * The complaint-rate guard and what operators see, on a real Redis through real SMTP to the listener:
 * one complaint among 50 delivered does not trip it (minimum count), the second passes the rate and the
 * sending edition pauses itself with the reason; `digest status`'s report, /metrics, the dashboard's
 * edition and subscriber pages show the feedback.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { controlDeps } from '../../src/app/step-deps.ts';
import { editionStatus, startSend } from '../../src/delivery/edition-control.ts';
import { feedbackAddresses } from '../../src/feedback/feedback-address.ts';
import { startFeedbackListener } from '../../src/feedback/feedback-listener.ts';
import { describeFeedback } from '../../src/feedback/feedback-summary.ts';
import type { InboundServer } from '../../src/feedback/inbound-smtp-server.ts';
import { buildApp } from '../../src/http/app.ts';
import { createTestContainer } from '../helpers/container.ts';
import { seedArticles, seedSubscribers } from '../helpers/delivery-fixtures.ts';
import { feedbackFixture } from '../helpers/feedback-fixtures.ts';

const EDITION = '2026-W46';
let c: Container;
let listener: InboundServer;
let app: FastifyInstance;

beforeAll(async () => {
  c = await createTestContainer({
    smtpUrl: 'smtp://127.0.0.1:9?tls=off',
    env: { INBOUND_SMTP_PORT: '0', COMPLAINT_RATE_PAUSE_PERCENT: '3', COMPLAINT_RATE_MIN_COUNT: '2' },
  });
  listener = await startFeedbackListener(c);
  app = await buildApp(c);
});
afterAll(async () => {
  await app.close();
  await listener.close();
  await c.close();
});

async function complain(subscriberId: string, email: string) {
  const { bounce } = feedbackAddresses(EDITION, subscriberId, c.linkKeys[0]!, c.bounceDomain);
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: listener.port,
    secure: false,
    ignoreTLS: true,
  });
  try {
    await transport.sendMail({
      envelope: { from: '', to: [bounce] },
      raw: feedbackFixture('arf-digest.eml', { returnPath: bounce, recipient: email }),
    });
  } finally {
    transport.close();
  }
}

async function loggedIn() {
  let cookie = '';
  const keep = (res: LightMyRequestResponse) => {
    for (const set of [res.headers['set-cookie'] ?? []].flat()) {
      const [pair] = set.split(';');
      cookie = [
        ...cookie.split('; ').filter((p) => p && !p.startsWith(`${pair!.split('=')[0]}=`)),
        pair,
      ].join('; ');
    }
    return res;
  };
  const get = async (url: string) =>
    keep(await app.inject({ method: 'GET', url, headers: { cookie, accept: 'text/html' } }));
  const form = await get('/admin/login');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
  keep(
    await app.inject({
      method: 'POST',
      url: '/admin/login',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrf, token: 'test-admin-token-0123456789' }).toString(),
    }),
  );
  return get;
}

describe('complaint-rate guard', () => {
  it('pauses a sending edition past the rate with enough complaints, and says why everywhere', async () => {
    await seedArticles(c, EDITION, 1);
    const subs = await seedSubscribers(c, 60);
    // Built and dispatched for the readers' hours; no worker runs, so the edition stays `sending`.
    await startSend(controlDeps(c), EDITION, {
      immediate: false,
      force: true,
      now: new Date('2026-11-17T09:00:00Z'),
    });
    // 50 of them delivered (claimed and recorded through the ledger as a send worker does).
    for (const s of subs.slice(0, 50)) {
      const claim = { jobId: 'test-job', run: '1' };
      expect(await c.ledger.claim(EDITION, s.id, claim, new Date())).toBe('claimed');
      expect(await c.ledger.record(EDITION, s.id, claim, 'sent', undefined)).toBe('ok');
    }

    await complain(subs[0]!.id, subs[0]!.email);
    let report = await editionStatus(controlDeps(c), EDITION, new Date());
    expect(report.status).toBe('sending');
    expect(report.feedback).toMatchObject({ complained: 1, complaintRate: 1 / 50 });

    await complain(subs[1]!.id, subs[1]!.email);
    report = await editionStatus(controlDeps(c), EDITION, new Date());
    expect(report.status).toBe('paused');
    expect(report.pausedReason).toBe(
      'complaint rate 4.00% (2 of 50 delivered) passed 3%: paused by the complaint guard',
    );
    expect(describeFeedback(report.feedback, c.config.complaintGuard)).toBe(
      'after delivery: bounced 0 · soft bounces 0 · complaints 2 (4.00%, pauses past 3% from 2) · unsubscribed by mail 0',
    );

    const metrics = await c.metrics.expose();
    expect(metrics.body).toContain(`digest_edition_complaint_rate{edition="${EDITION}"} 0.04`);
    expect(metrics.body).toContain(`digest_edition_feedback{edition="${EDITION}",kind="complained"} 2`);

    const get = await loggedIn();
    const page = await get(`/admin/editions/${EDITION}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('paused by the complaint guard');
    expect(page.body).toMatch(/<h3>After delivery<\/h3>[\s\S]*<td>2<\/td>\s*<td>4\.00%/);
    const subscriber = await get(`/admin/subscribers/${subs[0]!.id}`);
    expect(subscriber.body).toMatch(/<td>complained<\/td><td>complaint<\/td>/);
    expect(subscriber.body).toContain(`edition ${EDITION}`);
  }, 60_000);
});

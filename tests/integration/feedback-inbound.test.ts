/**
 * The inbound listener through real SMTP conversations (Nodemailer's client, STARTTLS with a
 * certificate made at test start) on a real Redis: DSNs bounce or count, ARF reports mark complaints,
 * mailto unsubscribes, anything not signed by us is refused at RCPT, hostile input is survived.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { type RunningWorkers, startWorkers } from '../../src/app/start-workers.ts';
import { controlDeps } from '../../src/app/step-deps.ts';
import { editionStatus, startSend } from '../../src/delivery/edition-control.ts';
import { feedbackAddresses, feedbackLoopAddress } from '../../src/feedback/feedback-address.ts';
import { startFeedbackListener } from '../../src/feedback/feedback-listener.ts';
import type { InboundServer } from '../../src/feedback/inbound-smtp-server.ts';
import { createTestContainer } from '../helpers/container.ts';
import { seedArticles, seedSubscribers } from '../helpers/delivery-fixtures.ts';
import { feedbackFixture } from '../helpers/feedback-fixtures.ts';
import { startSmtpSink } from '../helpers/smtp-sink.ts';
import { testTls } from '../helpers/test-tls.ts';

const EDITION = '2026-W46';
const NOW = new Date('2026-11-17T09:00:00Z');
const tls = await testTls();
/** The listener's certificate and key as files, as an operator would configure them. */
const keyFile = join(mkdtempSync(join(tmpdir(), 'nd-inbound-')), 'key.pem');
writeFileSync(keyFile, tls.key);

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanups.reverse()) await f();
  cleanups = [];
});

async function setup(env: Record<string, string> = {}) {
  const sink = await startSmtpSink();
  const c = await createTestContainer({
    smtpUrl: sink.url,
    env: {
      INBOUND_SMTP_PORT: '0',
      INBOUND_TLS_CERT_FILE: tls.caFile,
      INBOUND_TLS_KEY_FILE: keyFile,
      BOUNCE_DOMAIN: 'bounces.orbit.test',
      ...env,
    },
  });
  const listener = await startFeedbackListener(c);
  cleanups.push(
    () => sink.stop(),
    () => c.close(),
    () => listener.close(),
  );
  return { c, sink, listener };
}

/** Sends an edition to every active subscriber through the real workers and waits for the end. */
async function sendEdition(c: Container, id: string) {
  const w: RunningWorkers = await startWorkers(c, { workers: true, scheduler: false });
  try {
    const started = await startSend(controlDeps(c), id, { immediate: true, force: true, now: NOW });
    for (;;) {
      const r = await editionStatus(controlDeps(c), id, new Date());
      if (r.status !== 'sending') return { started, report: r };
      await new Promise((res) => setTimeout(res, 100));
    }
  } finally {
    await w.stop();
  }
}

/** One SMTP conversation with the listener; resolves with the server's reply or rejects with its error. */
function deliver(listener: InboundServer, to: string, raw: Buffer, from = '') {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: listener.port,
    secure: false,
    requireTLS: true,
    tls: { ca: tls.cert },
  });
  return transport.sendMail({ envelope: { from, to: [to] }, raw }).finally(() => transport.close());
}

const addressesOf = (c: Container, subscriberId: string, edition = EDITION) =>
  feedbackAddresses(edition, subscriberId, c.linkKeys[0]!, c.bounceDomain);

describe('inbound feedback over SMTP', () => {
  it('a hard DSN bounces the reader (history, ledger) and they are not in the next edition', async () => {
    const { c, sink, listener } = await setup();
    await seedArticles(c, EDITION, 1);
    await seedArticles(c, '2026-W47', 1);
    const subs = await seedSubscribers(c, 6);
    const { report } = await sendEdition(c, EDITION);
    expect(report.sent).toBe(6);
    const reader = subs[2]!;
    // The digest went out with its own signed envelope sender and mailto unsubscribe address.
    const sent = sink.messages.find((m) => m.envelopeTo.includes(reader.email))!;
    const { bounce, unsubscribe } = addressesOf(c, reader.id);
    expect(sent.envelopeFrom).toBe(bounce);
    expect(sent.raw.toString('latin1')).toContain(`<mailto:${unsubscribe}?subject=unsubscribe>`);
    const dsn = feedbackFixture('postfix-dsn-hard.eml', {
      returnPath: bounce,
      recipient: reader.email,
      messageId: `<${EDITION}.${reader.id}@orbit-weekly.example>`,
    });
    const info = await deliver(listener, bounce, dsn);
    expect(info.response).toMatch(/^250/);
    expect((await c.subscribers.get(reader.id))?.status).toBe('bounced');
    expect(await c.subscribers.isSuppressed(reader.email)).toBe(true);
    const history = await c.subscribers.history(reader.id);
    expect(history.at(-1)).toMatchObject({ origin: 'bounce', event: 'bounced' });
    expect(history.at(-1)?.detail).toContain(`edition ${EDITION}`);
    expect(history.at(-1)?.detail).toContain('dsn mx.example.org');
    expect(history.at(-1)?.detail).toContain('5.1.1');
    const feedback = await c.ledger.feedbackCounts(EDITION);
    expect(feedback.bounced).toEqual({ total: 1, afterSent: 1 });
    expect(await c.ledger.stateOf(EDITION, reader.id)).toBe('sent');
    // The same DSN again (an MTA retrying) changes nothing more.
    await deliver(listener, bounce, dsn);
    expect(await c.subscribers.history(reader.id)).toHaveLength(history.length);
    // The next edition leaves them out.
    const next = await startSend(controlDeps(c), '2026-W47', {
      immediate: false,
      force: false,
      now: new Date('2026-11-24T09:00:00Z'),
    });
    expect(next.edition.recipientCount).toBe(5);
    expect(await c.ledger.stateOf('2026-W47', reader.id)).toBeUndefined();
  }, 120_000);

  it('soft DSNs count: still active after two, bounced at the third within 30 days', async () => {
    const { c, listener } = await setup();
    const [reader] = await seedSubscribers(c, 1);
    for (const [i, edition] of ['2026-W44', '2026-W45', '2026-W46'].entries()) {
      const { bounce } = addressesOf(c, reader!.id, edition);
      const dsn = feedbackFixture('postfix-dsn-soft.eml', { returnPath: bounce, recipient: reader!.email })
        .toString()
        .replace('<20261207100211.3F4A81C0A2B@mx.example.org>', `<soft-${i}@mx.example.org>`);
      await deliver(listener, bounce, Buffer.from(dsn));
      const status = (await c.subscribers.get(reader!.id))?.status;
      expect(status, `after soft bounce ${i + 1}`).toBe(i < 2 ? 'active' : 'bounced');
    }
    const events = (await c.subscribers.history(reader!.id)).map((h) => h.event);
    expect(events).toEqual(['created', 'soft-bounce', 'soft-bounce', 'soft-bounce', 'bounced']);
  });

  it('an ARF report marks a complaint; to the feedback-loop address too', async () => {
    const { c, listener } = await setup();
    const [a, b] = await seedSubscribers(c, 2);
    const { bounce } = addressesOf(c, a!.id);
    await deliver(
      listener,
      bounce,
      feedbackFixture('arf-digest.eml', { returnPath: bounce, recipient: a!.email }),
    );
    expect((await c.subscribers.get(a!.id))?.status).toBe('complained');
    expect(await c.subscribers.isSuppressed(a!.email)).toBe(true);
    const loop = feedbackLoopAddress(c.linkKeys[0]!, c.bounceDomain);
    await deliver(
      listener,
      loop,
      feedbackFixture('arf-digest.eml', { returnPath: addressesOf(c, b!.id).bounce, recipient: b!.email }),
    );
    expect((await c.subscribers.get(b!.id))?.status).toBe('complained');
    expect((await c.subscribers.history(b!.id)).at(-1)).toMatchObject({
      origin: 'complaint',
      event: 'complained',
    });
  });

  it('a message to the mailto unsubscribe address unsubscribes, whatever its From says', async () => {
    const { c, listener } = await setup();
    const [reader] = await seedSubscribers(c, 1);
    const { unsubscribe } = addressesOf(c, reader!.id);
    const raw = Buffer.from(
      `From: Someone Else <other@example.net>\r\nTo: ${unsubscribe}\r\nSubject: unsubscribe\r\n\r\nunsubscribe\r\n`,
    );
    await deliver(listener, unsubscribe, raw, 'other@example.net');
    expect((await c.subscribers.get(reader!.id))?.status).toBe('unsubscribed');
    expect((await c.subscribers.history(reader!.id)).at(-1)).toMatchObject({
      origin: 'mailto',
      event: 'unsubscribed',
    });
  });

  it('a tampered or unknown address is refused at RCPT and nothing changes', async () => {
    const { c, listener } = await setup();
    const [reader] = await seedSubscribers(c, 1);
    const { bounce } = addressesOf(c, reader!.id);
    const tampered = bounce.replace(
      /-([a-z2-7])([a-z2-7]{15})@/,
      (_m, ch: string, rest: string) => `-${ch === 'a' ? 'b' : 'a'}${rest}@`,
    );
    const dsn = feedbackFixture('postfix-dsn-hard.eml', { returnPath: bounce, recipient: reader!.email });
    for (const to of [tampered, `postmaster@${c.bounceDomain}`, 'someone@elsewhere.example']) {
      await expect(deliver(listener, to, dsn)).rejects.toMatchObject({ responseCode: 550 });
    }
    expect((await c.subscribers.get(reader!.id))?.status).toBe('active');
    expect(await c.subscribers.history(reader!.id)).toHaveLength(1);
  });

  it('hostile input: too big, not a report, no recipient of ours, broken MIME; the listener keeps serving', async () => {
    const { c, listener } = await setup({ INBOUND_MAX_BYTES: '1000000' });
    const [reader] = await seedSubscribers(c, 1);
    const { bounce } = addressesOf(c, reader!.id);
    const loop = feedbackLoopAddress(c.linkKeys[0]!, c.bounceDomain);
    const big = Buffer.concat([Buffer.from('Subject: big\r\n\r\n'), Buffer.alloc(20 * 1024 * 1024, 'x\r\n')]);
    await expect(deliver(listener, bounce, big)).rejects.toMatchObject({ responseCode: 552 });
    for (const [name, to] of [
      ['auto-reply.eml', bounce],
      ['broken-mime.eml', bounce],
      ['report-without-recipient.eml', loop],
    ] as const) {
      const info = await deliver(
        listener,
        to,
        feedbackFixture(name, { returnPath: bounce, recipient: reader!.email }),
      );
      expect(info.response, name).toMatch(/^250/);
    }
    expect((await c.subscribers.get(reader!.id))?.status).toBe('active');
    // Still serving: a real DSN after all that is applied.
    await deliver(
      listener,
      bounce,
      feedbackFixture('gmail-dsn.eml', { returnPath: bounce, recipient: reader!.email }),
    );
    expect((await c.subscribers.get(reader!.id))?.status).toBe('bounced');
  }, 60_000);

  it('limits each client address: past INBOUND_RATE_PER_MINUTE it gets 421 and the sender retries later', async () => {
    const { c, listener } = await setup({ INBOUND_RATE_PER_MINUTE: '3' });
    const [reader] = await seedSubscribers(c, 1);
    const { unsubscribe } = addressesOf(c, reader!.id);
    const raw = Buffer.from(`To: ${unsubscribe}\r\nSubject: unsubscribe\r\n\r\nunsubscribe\r\n`);
    // A connection and its message count 2 of the 3; the second connection is the 3rd, its MAIL the 4th: 421.
    await deliver(listener, unsubscribe, raw, 'someone@example.net');
    await expect(deliver(listener, unsubscribe, raw, 'someone@example.net')).rejects.toMatchObject({
      responseCode: 421,
    });
  });
});

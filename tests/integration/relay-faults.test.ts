/**
 * A real relay's faults over TLS, end to end (real Redis, real smtp-server over STARTTLS or implicit
 * TLS with the test certificate, verified): an outage stops the claiming and the send resumes by
 * itself; connections dropped before or after the final "." and 451s are sorted exactly; a wrong
 * certificate, a refused login or an outage past RELAY_OUTAGE_LIMIT pause the edition, marking nobody.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { type RunningWorkers, startWorkers } from '../../src/app/start-workers.ts';
import { controlDeps } from '../../src/app/step-deps.ts';
import { type EditionStatusReport, editionStatus, startSend } from '../../src/delivery/edition-control.ts';
import { buildApp } from '../../src/http/app.ts';
import { editionView } from '../../src/http/routes/admin/edition-view.ts';
import { DIGEST_BIN } from '../helpers/cli.ts';
import { createTestContainer } from '../helpers/container.ts';
import { perRecipient, seedArticles, seedSubscribers } from '../helpers/delivery-fixtures.ts';
import { testRedisUrl } from '../helpers/redis.ts';
import { type SinkOptions, type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';
import { otherTls } from '../helpers/test-tls.ts';

const EDITION = '2026-W47';
const NOW = new Date('2026-11-24T09:00:00Z');

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanups.reverse()) await f();
  cleanups = [];
});

async function container(smtpUrl: string, env: Record<string, string> = {}): Promise<Container> {
  const c = await createTestContainer({ smtpUrl, env: { SEND_BATCH_SIZE: '50', ...env } });
  cleanups.push(() => c.close());
  return c;
}

async function sink(options: SinkOptions = {}): Promise<SmtpSink> {
  const s = await startSmtpSink({}, options);
  cleanups.push(() => s.stop());
  return s;
}

async function workers(c: Container): Promise<RunningWorkers> {
  const w = await startWorkers(c, { workers: true, scheduler: false });
  cleanups.push(() => w.stop());
  return w;
}

/** Polls until `probe` returns something (the event a test waits for). */
async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const settled = (c: Container) =>
  until<EditionStatusReport>(
    async () => {
      const r = await editionStatus(controlDeps(c), EDITION, new Date());
      return r.status === 'sending' ? undefined : r;
    },
    'the edition to leave sending',
    120_000,
  );

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((res) => s.listen(0, '127.0.0.1', () => res()));
  const addr = s.address();
  await new Promise((r) => s.close(() => r(undefined)));
  return typeof addr === 'object' && addr ? addr.port : 0;
}

const readerNumber = (address: string) => Number(/reader(\d+)@/.exec(address)?.[1]);

describe('relay faults over TLS', () => {
  it('relay refusing connections for the first 5 s of a 1,000-subscriber send: 0 uncertain, one copy each, no operator action', async () => {
    const port = await closedPort();
    const c = await container(`smtp://127.0.0.1:${port}`);
    await seedArticles(c, EDITION, 1);
    const subs = await seedSubscribers(c, 1000);
    await workers(c);
    const started = Date.now();
    await startSend(controlDeps(c), EDITION, { immediate: true, force: false, now: NOW });

    // The workers see the outage and say so where any process can read it.
    const outage = await until(() => c.relayStatus.read(), 'the relay outage to be recorded');
    expect(outage.lastError).toBe('connection refused (ECONNREFUSED)');
    const shown =
      /^relay unreachable since \d\d:\d\d UTC, next try in \d+ s \(last error: connection refused \(ECONNREFUSED\)\)$/;
    expect((await editionView(c, EDITION, new Date())).relay).toMatch(shown);
    const app = await buildApp(c);
    cleanups.push(() => app.close());
    const api = await app.inject({
      url: `/api/editions/${EDITION}`,
      headers: { authorization: 'Bearer test-admin-token-0123456789' },
    });
    expect(JSON.parse(api.body).relay).toMatch(shown);
    // `digest status` in another process reads the same record.
    const status = await promisify(execFile)(process.execPath, [DIGEST_BIN, 'status', EDITION, '--json'], {
      env: {
        PATH: process.env.PATH ?? '',
        REDIS_URL: testRedisUrl(),
        REDIS_PREFIX: c.prefix,
        SMTP_URL: `smtp://127.0.0.1:${port}`,
        DATA_DIR: c.config.dataDir,
        LOG_LEVEL: 'error',
      },
    });
    expect(JSON.parse(status.stdout).relay).toMatch(shown);
    // Nobody was claimed only to fail: every delivery still waits, untried.
    const during = await editionStatus(controlDeps(c), EDITION, new Date());
    expect(during.sending + during.retry + during.uncertain + during.sent).toBe(0);

    // The relay comes back 5 s after the send began, on the same address, speaking STARTTLS.
    await new Promise((r) => setTimeout(r, Math.max(0, started + 5000 - Date.now())));
    const relay = await sink({ port });
    const report = await settled(c);

    expect(report.status).toBe('sent');
    expect(report.uncertain).toBe(0);
    expect(report.sent).toBe(1000);
    const counts = perRecipient(relay.messages);
    for (const s of subs) expect(counts.get(s.email), s.email).toBe(1);
    const attempts = await c.ledger.attemptsOf(
      EDITION,
      subs.map((s) => s.id),
    );
    expect(attempts.filter((n) => (n ?? 0) > 0)).toEqual([]);
    expect(await c.relayStatus.read()).toBeUndefined();
  }, 120_000);

  describe.each(['starttls', 'implicit'] as const)('over %s', (tls) => {
    it('5% of connections closed at RCPT, 1% closed after the final ".", 3% 451: uncertain is exactly the drops after the dot, no duplicates', async () => {
      const relay = await sink({ tls });
      expect(relay.url.startsWith(tls === 'implicit' ? 'smtps://' : 'smtp://')).toBe(true);
      const c = await container(relay.url);
      await seedArticles(c, EDITION, 1);
      const subs = await seedSubscribers(c, 1000);
      const faulted = new Set<string>();
      const afterDot = new Set<string>();
      // Each fault hits an address once (its first attempt); n % 100 picks 5 + 3 + 1 of every 100.
      relay.behaviour.onRcpt = (address) => {
        const n = readerNumber(address) % 100;
        if (n > 7 || faulted.has(address)) return undefined;
        faulted.add(address);
        return n < 5 ? 'drop' : 451;
      };
      relay.behaviour.onData = (to) => {
        const address = to[0]!;
        if (readerNumber(address) % 100 !== 8 || afterDot.has(address)) return undefined;
        afterDot.add(address);
        return 'drop';
      };
      await workers(c);
      await startSend(controlDeps(c), EDITION, { immediate: true, force: false, now: NOW });
      const report = await settled(c);

      expect(faulted.size).toBe(80);
      expect(afterDot.size).toBe(10);
      expect(report.status).toBe('sent');
      expect(report.uncertain).toBe(afterDot.size);
      const counts = perRecipient(relay.messages);
      expect(Math.max(...counts.values())).toBe(1);
      for (const s of subs) {
        if (afterDot.has(s.email)) {
          expect(await c.ledger.stateOf(EDITION, s.id)).toBe('uncertain');
          expect(counts.has(s.email)).toBe(false);
        } else expect(counts.get(s.email), s.email).toBe(1);
      }
      expect(report.sent).toBe(1000 - afterDot.size);
    }, 120_000);
  });

  it.each([
    [
      'a certificate the relay presents that we do not trust',
      async () => (await sink({ certificate: await otherTls() })).url,
      /^the relay's TLS certificate was refused \(DEPTH_ZERO_SELF_SIGNED_CERT\)$/,
    ],
    [
      'a refused login (535)',
      async () => {
        const relay = await sink();
        relay.behaviour.auth = { user: 'digest', pass: 'other-secret' };
        return `smtp://digest:secret@127.0.0.1:${relay.port}`;
      },
      /^the relay refused our login \(535\): check the user and password in SMTP_URL \(EAUTH\)$/,
    ],
    [
      'an outage longer than RELAY_OUTAGE_LIMIT',
      async () => `smtp://127.0.0.1:${await closedPort()}`,
      /^relay unreachable since \d\d:\d\d UTC, longer than the limit of 2 s \(RELAY_OUTAGE_LIMIT\); last error: connection refused \(ECONNREFUSED\)\. Resume the edition once the relay answers\.$/,
    ],
  ])(
    '%s pauses the edition with a readable reason; nobody is bounced or uncertain',
    async (_, url, reason) => {
      const c = await container(await url(), { RELAY_OUTAGE_LIMIT: '2' });
      await seedArticles(c, EDITION, 1);
      const subs = await seedSubscribers(c, 30);
      await workers(c);
      await startSend(controlDeps(c), EDITION, { immediate: true, force: false, now: NOW });
      const report = await settled(c);
      expect(report.status).toBe('paused');
      expect(report.pausedReason).toMatch(reason);
      expect(report.bounced).toBe(0);
      expect(report.uncertain).toBe(0);
      expect(report.failed).toBe(0);
      for (const s of subs) expect((await c.subscribers.get(s.id))?.status).toBe('active');
    },
    60_000,
  );
});

/**
 * `digest subscribers confirm-resend`: pending subscribers get the double opt-in email again through
 * the sign-up form's throttle (one per address per 24 hours); others are never mailed. Real Redis,
 * real SMTP (STARTTLS sink).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import {
  confirmationDeps,
  pendingSubscribers,
  resendConfirmations,
} from '../../src/subscribers/confirm-resend.ts';
import { importSubscribersCsv } from '../../src/subscribers/csv-import.ts';
import { createOptInMailer } from '../../src/subscribers/opt-in-mail.ts';
import { DIGEST_BIN, digestCli } from '../helpers/cli.ts';
import { createTestContainer } from '../helpers/container.ts';
import { cleanupPrefix, testRedisUrl } from '../helpers/redis.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';
import { testTls } from '../helpers/test-tls.ts';

describe('confirm-resend', () => {
  let sink: SmtpSink;
  let container: Container;

  beforeAll(async () => {
    sink = await startSmtpSink();
    container = await createTestContainer({ smtpUrl: sink.url });
  });
  afterAll(async () => {
    await cleanupPrefix(container.redis, container.prefix);
    await container.close();
    await sink.stop();
  });

  it('mails every pending subscriber once, and not again within the window', async () => {
    for (const email of ['p1@example.com', 'p2@example.com'])
      await container.subscribers.create(
        { email, status: 'pending', timezone: 'UTC', hour: 8, locale: '' },
        'admin',
      );
    await container.subscribers.create(
      { email: 'active@example.com', status: 'active', timezone: 'UTC', hour: 8, locale: '' },
      'admin',
    );
    const deps = confirmationDeps(container);
    const first = await resendConfirmations(deps, pendingSubscribers(container.subscribers), new Date());
    expect(first).toEqual({ mailed: 2, throttled: 0, notPending: 0 });
    await sink.waitFor(2);
    const to = sink.messages.flatMap((m) => m.envelopeTo).sort();
    expect(to).toEqual(['p1@example.com', 'p2@example.com']);
    for (const m of sink.messages) expect(m.parsed.text ?? '').toContain(`${container.publicUrl}/c/`);

    const again = await resendConfirmations(deps, pendingSubscribers(container.subscribers), new Date());
    expect(again).toEqual({ mailed: 0, throttled: 2, notPending: 0 });
  });

  it('refuses a call without --email or --all-pending with one line', () => {
    const digest = digestCli({ prefix: container.prefix, dataDir: '/nonexistent-data-dir' });
    const res = digest('subscribers', 'confirm-resend');
    expect(res.code).toBe(2);
    expect(res.err.trim()).toBe('digest: give --email ADDRESS or --all-pending (one of the two)');
  }, 60_000);
});

describe('subscribers add without --confirmed', () => {
  let sink: SmtpSink;
  let container: Container;
  beforeAll(async () => {
    sink = await startSmtpSink();
    container = await createTestContainer({ smtpUrl: sink.url });
  });
  afterAll(async () => {
    await cleanupPrefix(container.redis, container.prefix);
    await container.close();
    await sink.stop();
  });

  it('sends the double opt-in email at once', async () => {
    const caFile = (await testTls()).caFile;
    // Spawned without blocking: the SMTP sink answers from this process.
    const res = await new Promise<{ code: number | null; out: string; err: string }>((done) => {
      const child = spawn(
        process.execPath,
        [DIGEST_BIN, 'subscribers', 'add', 'newcomer@example.com', '--json'],
        {
          env: {
            PATH: process.env.PATH ?? '',
            HOME: process.env.HOME ?? '/root',
            REDIS_URL: testRedisUrl(),
            REDIS_PREFIX: container.prefix,
            SMTP_URL: sink.url,
            SMTP_TLS_CA_FILE: caFile,
            DATA_DIR: '/nonexistent-data-dir',
            LOG_LEVEL: 'error',
            DIGEST_FROM_SOURCE: '1',
          },
        },
      );
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('close', (code) => done({ code, out, err }));
    });
    expect(res.code, res.err).toBe(0);
    expect(JSON.parse(res.out)).toMatchObject({
      created: true,
      confirmation: 'sent',
      subscriber: { status: 'pending' },
    });
    await sink.waitFor(1);
    expect(sink.messages[0]!.envelopeTo).toEqual(['newcomer@example.com']);
  }, 60_000);
});

/** `digest ...args` against the sink, spawned without blocking (the SMTP sink answers from this process). */
async function runDigest(container: Container, sink: SmtpSink, args: string[]) {
  const caFile = (await testTls()).caFile;
  return new Promise<{ code: number | null; out: string; err: string }>((done) => {
    const child = spawn(process.execPath, [DIGEST_BIN, ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/root',
        REDIS_URL: testRedisUrl(),
        REDIS_PREFIX: container.prefix,
        SMTP_URL: sink.url,
        SMTP_TLS_CA_FILE: caFile,
        DATA_DIR: '/nonexistent-data-dir',
        LOG_LEVEL: 'error',
        DIGEST_FROM_SOURCE: '1',
      },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => done({ code, out, err }));
  });
}

describe('subscribers import without --confirmed', () => {
  let sink: SmtpSink;
  let container: Container;
  beforeAll(async () => {
    sink = await startSmtpSink();
    container = await createTestContainer({ smtpUrl: sink.url });
  });
  afterAll(async () => {
    await cleanupPrefix(container.redis, container.prefix);
    await container.close();
    await sink.stop();
  });

  it('mails every new pending row the confirmation, through the throttle, and says so in one line', async () => {
    // One of them signed up on the form an hour ago: their email went then.
    expect(await container.confirmationThrottle.claim('recent@example.com')).toBe(true);
    const csv = join(tmpdir(), `nd-import-${container.prefix.replace(':', '-')}.csv`);
    writeFileSync(
      csv,
      'email,name,status\nann@example.com,Ann,\nbo@example.com,Bo,\nrecent@example.com,Re,\nold@example.com,Old,active\nnot-an-address,X,\n',
    );
    const res = await runDigest(container, sink, ['subscribers', 'import', csv]);
    expect(res.code, res.err).toBe(1); // one row rejected
    expect(res.out).toContain('imported 4 of 5 rows; 1 rejected');
    expect(res.out).toContain('confirmation mail sent to 2, 1 held by the throttle\n');
    await sink.waitFor(2);
    expect(sink.messages.flatMap((m) => m.envelopeTo).sort()).toEqual(['ann@example.com', 'bo@example.com']);
    for (const m of sink.messages) expect(m.parsed.text ?? '').toMatch(/https?:\/\/\S+\/c\/\S+/);
    expect((await container.subscribers.getByEmail('old@example.com'))!.status).toBe('active');
  }, 60_000);

  it('--confirmed mails nobody', async () => {
    sink.messages.length = 0;
    const csv = join(tmpdir(), `nd-import-c-${container.prefix.replace(':', '-')}.csv`);
    writeFileSync(csv, 'email\nconsented@example.com\n');
    const res = await runDigest(container, sink, ['subscribers', 'import', csv, '--confirmed', '--json']);
    expect(res.code, res.err).toBe(0);
    expect(JSON.parse(res.out)).toMatchObject({
      imported: 1,
      confirmation: { sent: 0, throttled: 0, notSent: 0 },
    });
    expect((await container.subscribers.getByEmail('consented@example.com'))!.status).toBe('active');
    expect(await container.confirmationThrottle.claim('consented@example.com')).toBe(true);
  }, 60_000);

  it('a relay that refuses stops the mailing; the rest are left for confirm-resend', async () => {
    const refusing = await startSmtpSink({ onRcpt: () => 550 });
    const c2 = await createTestContainer({
      smtpUrl: refusing.url,
      env: { REDIS_PREFIX: `${container.prefix}x` },
    });
    try {
      const optIn = createOptInMailer(confirmationDeps(c2), new Date());
      const report = await importSubscribersCsv(
        Readable.from(['email\n', Array.from({ length: 6 }, (_, i) => `r${i}@example.com`).join('\n')]),
        { store: c2.subscribers, publication: c2.publication },
        { confirmed: false, now: new Date(), onPending: optIn.mail, chunkSize: 3 },
      );
      expect(report.imported).toBe(6);
      expect(optIn.report.sent).toBe(0);
      expect(optIn.report.notSent).toBe(6);
      // Each refused address got its throttle slot back: confirm-resend can mail them later.
      expect(await c2.confirmationThrottle.claim('r0@example.com')).toBe(true);
    } finally {
      await cleanupPrefix(c2.redis, c2.prefix);
      await c2.close();
      await refusing.stop();
    }
  }, 60_000);
});

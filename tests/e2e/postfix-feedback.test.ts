/**
 * The feedback loop against a real MTA: a digest goes out through a private Debian Postfix (STARTTLS),
 * which accepts a message for a dead domain, fails it itself and writes its own DSN to the message's
 * envelope sender, our signed VERP address; Postfix delivers that DSN to our inbound listener (routed
 * there as the bounce domain's MX would), and the reader becomes `bounced`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { type RunningWorkers, startWorkers } from '../../src/app/start-workers.ts';
import { controlDeps } from '../../src/app/step-deps.ts';
import { startSend } from '../../src/delivery/edition-control.ts';
import { feedbackAddresses } from '../../src/feedback/feedback-address.ts';
import { startFeedbackListener } from '../../src/feedback/feedback-listener.ts';
import type { InboundServer } from '../../src/feedback/inbound-smtp-server.ts';
import { digestCli } from '../helpers/cli.ts';
import { createTestContainer } from '../helpers/container.ts';
import { seedArticles, seedSubscribers } from '../helpers/delivery-fixtures.ts';
import { type PostfixRelay, startPostfix } from '../helpers/postfix.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';
import { testTls } from '../helpers/test-tls.ts';

const EDITION = '2026-W46';
const BOUNCE_DOMAIN = 'bounces.orbit.test';

let sink: SmtpSink | undefined;
let postfix: PostfixRelay | undefined;
let listener: InboundServer | undefined;
let workers: RunningWorkers | undefined;
const containers: Container[] = [];

afterAll(async () => {
  await workers?.stop();
  await postfix?.stop();
  await listener?.close();
  for (const c of containers) await c.close();
  await sink?.stop();
});

describe('a bounce through a real Postfix', () => {
  it('Postfix accepts, then bounces; its own DSN reaches the listener at the VERP address and the reader is bounced', async () => {
    const tls = await testTls();
    const keyFile = join(mkdtempSync(join(tmpdir(), 'nd-inbound-')), 'key.pem');
    writeFileSync(keyFile, tls.key);
    const env = {
      BOUNCE_DOMAIN,
      INBOUND_SMTP_PORT: '0',
      INBOUND_TLS_CERT_FILE: tls.caFile,
      INBOUND_TLS_KEY_FILE: keyFile,
      SMTP_TLS_CA_FILE: tls.caFile,
    };
    sink = await startSmtpSink();
    // The listener's container; the sending one below shares its Redis prefix and keys.
    const inbound = await createTestContainer({ smtpUrl: sink.url, env });
    containers.push(inbound);
    listener = await startFeedbackListener(inbound);
    postfix = await startPostfix({
      relayTo: { port: sink.port },
      bounceDomains: ['dead.test'],
      routes: { [BOUNCE_DOMAIN]: { port: listener.port } },
      tls: 'encrypt',
    });
    const c = await createTestContainer({
      smtpUrl: postfix.url,
      env: { ...env, REDIS_PREFIX: inbound.prefix },
    });
    containers.push(c);

    await seedArticles(c, EDITION, 1);
    const readers = await seedSubscribers(c, 3);
    const [gone] = await seedSubscribers(c, 1, () => 'active', 'dead.test');
    workers = await startWorkers(c, { workers: true, scheduler: false });
    await startSend(controlDeps(c), EDITION, {
      immediate: true,
      force: true,
      now: new Date('2026-11-17T09:00:00Z'),
    });

    // The relay accepted all four; three arrive, the fourth comes back as Postfix's DSN.
    await sink.waitFor(readers.length, 30_000);
    const verp = feedbackAddresses(EDITION, gone!.id, c.linkKeys[0]!, BOUNCE_DOMAIN).bounce;
    for (const m of sink.messages)
      expect(m.envelopeFrom).toMatch(new RegExp(`^b-2026w46-[a-z2-7]+-[a-z2-7]+@${BOUNCE_DOMAIN}$`));
    // Postfix's log: the DSN (from <>) to the VERP address was delivered to our listener with a 250.
    await postfix.waitForLog(new RegExp(`to=<${verp}>.*status=sent`), 1, 30_000);
    expect(postfix.log()).toMatch(
      new RegExp(`to=<${verp}>.*relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${listener.port}`),
    );

    expect((await c.subscribers.get(gone!.id))?.status).toBe('bounced');
    expect(await c.subscribers.isSuppressed(gone!.email)).toBe(true);
    const last = (await c.subscribers.history(gone!.id)).at(-1);
    expect(last).toMatchObject({ origin: 'bounce', event: 'bounced' });
    expect(last?.detail).toMatch(new RegExp(`^dsn relay\\.postfix\\.test, edition ${EDITION}: 5\\.1\\.1`));
    expect((await c.ledger.feedbackCounts(EDITION)).bounced).toEqual({ total: 1, afterSent: 1 });
    for (const r of readers) expect((await c.subscribers.get(r.id))?.status).toBe('active');

    // What an operator sees: the edition's feedback line and the reader's event, from the real CLI.
    const digest = digestCli({
      prefix: c.prefix,
      dataDir: mkdtempSync(join(tmpdir(), 'nd-postfix-feedback-')),
      env: { LINK_SECRET: 'test-link-secret-0123456789' },
    });
    const status = digest('status', EDITION);
    expect(status.code).toBe(0);
    expect(status.out).toContain('after delivery: bounced 1 · soft bounces 0 · complaints 0 (0.00%');
    const shown = digest('subscribers', 'show', gone!.email);
    expect(shown.code).toBe(0);
    expect(shown.out).toMatch(
      new RegExp(
        `bounce +bounced  status: "active" -> "bounced"  \\(dsn relay\\.postfix\\.test, edition ${EDITION}: 5\\.1\\.1`,
      ),
    );
  }, 120_000);
});

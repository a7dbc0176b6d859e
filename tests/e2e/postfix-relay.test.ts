/**
 * One real relay: `digest send` hands an edition to a private Debian Postfix over STARTTLS (the
 * instance refuses MAIL FROM before STARTTLS), Postfix relays it to a test sink, and what arrives is
 * checked: every active subscriber exactly one copy, with our headers as we wrote them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { defaultEditionId } from '../../src/delivery/edition-control.ts';
import { feedbackAddresses } from '../../src/feedback/feedback-address.ts';
import { digestCli } from '../helpers/cli.ts';
import { createTestContainer } from '../helpers/container.ts';
import { perRecipient, seedArticles, seedSubscribers } from '../helpers/delivery-fixtures.ts';
import { type PostfixRelay, startPostfix } from '../helpers/postfix.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';
import { testTls } from '../helpers/test-tls.ts';

let sink: SmtpSink | undefined;
let dsnSink: SmtpSink | undefined;
let postfix: PostfixRelay | undefined;
let c: Container | undefined;
// The CLI's data dir (its private key too, in the DKIM test).
const dataDir = mkdtempSync(join(tmpdir(), 'nd-postfix-relay-'));

afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  await c?.close();
  await postfix?.stop();
  await sink?.stop();
  await dsnSink?.stop();
});

const header = (raw: string, name: string): string[] => {
  const head = raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
  return head
    .split('\r\n')
    .filter((line) => line.toLowerCase().startsWith(`${name.toLowerCase()}:`))
    .map((line) => line.slice(name.length + 1).trim());
};

describe('an edition through a real Postfix relay over STARTTLS', () => {
  it('delivers every active subscriber exactly one copy with our headers intact, and bounces a domain with a real DSN', async () => {
    sink = await startSmtpSink();
    dsnSink = await startSmtpSink();
    c = await createTestContainer({ smtpUrl: sink.url });
    const senderDomain = c.publication.from.address.split('@')[1]!;
    // The helper's bounce set-up, which the feedback tests build on: Postfix accepts mail for
    // bounce.test, fails it itself and sends the DSN to the envelope sender's domain, routed to dsnSink.
    postfix = await startPostfix({
      relayTo: { port: sink.port },
      bounceDomains: ['bounce.test'],
      routes: { [senderDomain]: { port: dsnSink.port } },
      tls: 'encrypt',
    });
    const edition = defaultEditionId(c.publication, new Date());
    await seedArticles(c, edition, 1);
    const statuses = ['active', 'active', 'active', 'unsubscribed'] as const;
    const subs = await seedSubscribers(c, 40, (i) => statuses[i % statuses.length]!);
    const active = subs.filter((s) => s.status === 'active');
    const bouncing = await seedSubscribers(c, 2, () => 'active', 'bounce.test');

    const digest = digestCli({
      prefix: c.prefix,
      dataDir,
      env: {
        SMTP_URL: postfix.url,
        // Postfix's certificate is verified, as a real relay's would be.
        SMTP_TLS_CA_FILE: (await testTls()).caFile,
        LINK_SECRET: 'test-link-secret-0123456789',
        PUBLIC_URL: 'https://digest.test',
        SEND_BATCH_SIZE: '10',
        MAX_EDITION_AGE_DAYS: '13',
      },
    });
    const sent = digest('send', '--edition', edition, '--now', '--wait', '--json');
    expect(sent.err).toBe('');
    expect(sent.code).toBe(0);
    // Postfix took the bouncing ones too (250): their bounce comes later, as a DSN.
    expect(JSON.parse(sent.out)).toMatchObject({
      edition,
      status: 'sent',
      sent: active.length + bouncing.length,
      uncertain: 0,
    });

    // Postfix said 250 to each; it delivers them to the sink a moment later.
    await sink.waitFor(active.length, 30_000);
    await postfix.waitForLog(/ status=sent /, active.length, 10_000);
    expect(sink.messages).toHaveLength(active.length);
    const counts = perRecipient(sink.messages);
    for (const a of active) expect(counts.get(a.email)).toBe(1);

    // Every client session went through STARTTLS (the instance requires it) and the messages say so.
    expect(postfix.log()).toMatch(/TLS connection established from localhost/);
    expect(postfix.log()).not.toMatch(/reject:|warning: TLS/);

    const byId = new Map(active.map((a) => [a.email, a]));
    for (const m of sink.messages) {
      const raw = m.raw.toString('latin1');
      const to = m.envelopeTo[0]!;
      const sub = byId.get(to)!;
      // Postfix added its own Received line (with the TLS it took the message over) and nothing else of ours moved.
      expect(header(raw, 'Received')[0]).toMatch(/by relay\.postfix\.test \(Postfix\) with ESMTPS/);
      // The envelope sender is the message's own signed bounce address at the sender's domain (VERP).
      expect(m.envelopeFrom).toBe(feedbackAddresses(edition, sub.id, c.linkKeys[0]!, senderDomain).bounce);
      expect(header(raw, 'To')).toEqual([`"${`Reader ${subs.indexOf(sub)}`}" <${to}>`]);
      expect(header(raw, 'From')).toHaveLength(1);
      expect(m.parsed.from?.value[0]?.address).toBe(c.publication.from.address);
      expect(header(raw, 'Subject')).toHaveLength(1);
      expect(header(raw, 'Date')).toHaveLength(1);
      expect(header(raw, 'Message-ID')).toEqual([
        `<${edition}.${sub.id}@${c.publication.from.address.split('@')[1]}>`,
      ]);
      expect(header(raw, 'List-Id')).toHaveLength(1);
      const unsubscribe = header(raw, 'List-Unsubscribe');
      expect(unsubscribe).toHaveLength(1);
      expect(unsubscribe[0]).toMatch(/^<https:\/\/digest\.test\/u\/[A-Za-z0-9_.-]+>, <mailto:[^>]+>$/);
      expect(header(raw, 'List-Unsubscribe-Post')).toEqual(['List-Unsubscribe=One-Click']);
      expect(m.parsed.html).toContain(unsubscribe[0]!.slice(1, unsubscribe[0]!.indexOf('>')));
      expect(m.parsed.text).toBeTruthy();
    }

    await dsnSink.waitFor(bouncing.length, 30_000);
    for (const dsn of dsnSink.messages) {
      expect(dsn.envelopeFrom).toBe('');
      expect(dsn.envelopeTo).toEqual([
        expect.stringMatching(
          new RegExp(`^b-[a-z0-9]+-[a-z2-7]+-[a-z2-7]+@${senderDomain.replace(/\./g, '\\.')}$`),
        ),
      ]);
      expect(dsn.parsed.headers.get('content-type')).toMatchObject({
        value: 'multipart/report',
        params: { 'report-type': 'delivery-status' },
      });
      expect(dsn.raw.toString('latin1')).toMatch(
        /Final-Recipient: rfc822; reader[01]@bounce\.test\r\nOriginal-Recipient: [^\r]+\r\nAction: failed\r\nStatus: 5\.1\.1/,
      );
    }
    expect(
      new Set(
        dsnSink.messages.map((d) => d.raw.toString('latin1').match(/Final-Recipient: rfc822; (\S+)/)?.[1]),
      ),
    ).toEqual(new Set(bouncing.map((b) => b.email)));
  }, 180_000);
});

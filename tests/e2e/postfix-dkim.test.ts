/**
 * DKIM through a real relay: `digest send` with DKIM_* set hands signed digests to a private Postfix
 * over STARTTLS, Postfix relays them to a sink, and an independent verifier (Debian's python3-dkim)
 * accepts every signature as it arrived, Postfix's own Received line on top.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/app/container.ts';
import { defaultEditionId } from '../../src/delivery/edition-control.ts';
import { digestCli } from '../helpers/cli.ts';
import { createTestContainer } from '../helpers/container.ts';
import { perRecipient, seedArticles, seedSubscribers } from '../helpers/delivery-fixtures.ts';
import { dkimTestKey, dkimVerify } from '../helpers/dkim-verify.ts';
import { type PostfixRelay, startPostfix } from '../helpers/postfix.ts';
import { type SmtpSink, startSmtpSink } from '../helpers/smtp-sink.ts';
import { testTls } from '../helpers/test-tls.ts';

let sink: SmtpSink | undefined;
let postfix: PostfixRelay | undefined;
let c: Container | undefined;
// The CLI's data dir (its private key too, in the DKIM test).
const dataDir = mkdtempSync(join(tmpdir(), 'nd-postfix-dkim-'));

afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  await c?.close();
  await postfix?.stop();
  await sink?.stop();
});

describe('DKIM-signed digests through a real Postfix relay', () => {
  it('arrive with signatures python3-dkim verifies, covering List-Unsubscribe and List-Unsubscribe-Post', async () => {
    sink = await startSmtpSink();
    postfix = await startPostfix({ relayTo: { port: sink.port } });
    c = await createTestContainer({ smtpUrl: postfix.url });
    const edition = defaultEditionId(c.publication, new Date());
    await seedArticles(c, edition, 1);
    const subs = await seedSubscribers(c, 24);
    const key = dkimTestKey(c.publication.from.address.split('@')[1]!, 'nd2026');
    const keyFile = join(dataDir, 'dkim.pem');
    writeFileSync(keyFile, key.privateKeyPem);

    const digest = digestCli({
      prefix: c.prefix,
      dataDir,
      env: {
        SMTP_URL: postfix.url,
        SMTP_TLS_CA_FILE: (await testTls()).caFile,
        LINK_SECRET: 'test-link-secret-0123456789',
        PUBLIC_URL: 'https://digest.test',
        MAX_EDITION_AGE_DAYS: '13',
        DKIM_DOMAIN: key.domainName,
        DKIM_SELECTOR: key.keySelector,
        DKIM_PRIVATE_KEY_FILE: keyFile,
      },
    });
    const sent = digest('send', '--edition', edition, '--now', '--wait', '--json');
    expect(sent.err).toBe('');
    expect(sent.code).toBe(0);
    expect(JSON.parse(sent.out)).toMatchObject({ status: 'sent', sent: subs.length, uncertain: 0 });

    await sink.waitFor(subs.length, 30_000);
    const counts = perRecipient(sink.messages);
    for (const s of subs) expect(counts.get(s.email)).toBe(1);
    expect(postfix.log()).toMatch(/TLS connection established from localhost/);

    const raws = sink.messages.map((m) => m.raw);
    expect(await dkimVerify(key, raws)).toEqual(raws.map(() => 'pass'));
    for (const m of sink.messages) {
      const raw = m.raw.toString('latin1');
      expect(raw).toMatch(
        /^Received: from [\s\S]*?\r\nDKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed;/,
      );
      const field = m.parsed.headerLines
        .find((h) => h.key === 'dkim-signature')!
        .line.replace(/\r?\n[ \t]+/g, ' ');
      expect(field).toContain(`d=${key.domainName};`);
      expect(field).toContain(`s=${key.keySelector};`);
      const h = /\bh=([^;]+)/.exec(field)![1]!.trim().split(':');
      expect(h).toEqual(
        expect.arrayContaining([
          'from',
          'to',
          'subject',
          'date',
          'message-id',
          'list-unsubscribe',
          'list-unsubscribe-post',
        ]),
      );
    }
  }, 180_000);
});

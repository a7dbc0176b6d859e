/**
 * Digests signed as they are built: the signature must be exactly the one Nodemailer's own DKIM
 * signer (its streaming relaxed canonicalisation) puts on the same message, and an independent
 * verifier (Debian's python3-dkim) must accept it, stuffed or not, on real variants and on
 * whitespace at every kind of piece edge.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Transform } from 'node:stream';
import DKIM from 'nodemailer/lib/dkim';
import DataStream from 'nodemailer/lib/smtp-connection/data-stream.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareVariant } from '../../src/delivery/prepared-edition.ts';
import { RelaxedBodyHash, relaxedPiece } from '../../src/mail/dkim-relaxed-body.ts';
import { DKIM_SIGNED_HEADERS, DkimSigner } from '../../src/mail/dkim-signer.ts';
import {
  createMessageTemplate,
  fillMessageTemplate,
  fillSignedMessageTemplate,
  type TemplateRecipient,
} from '../../src/mail/message-template.ts';
import { loadPublication, SAMPLE_PUBLICATION_FILE } from '../../src/publication/load-publication.ts';
import { buildVariant } from '../../src/render/build-variant.ts';
import { FIXTURE_EDITION, fixtureArticles } from '../fixtures/articles.ts';
import { digestCli } from '../helpers/cli.ts';
import { type DkimTestKey, dkimTestKey, dkimVerify } from '../helpers/dkim-verify.ts';
import { TEST_DATE, testFrame } from '../helpers/message-frames.ts';
import { uniquePrefix } from '../helpers/redis.ts';

const publication = loadPublication(SAMPLE_PUBLICATION_FILE);
let key: DkimTestKey;
let signer: DkimSigner;

beforeAll(() => {
  key = dkimTestKey();
  signer = new DkimSigner({
    domainName: key.domainName,
    keySelector: key.keySelector,
    privateKey: key.privateKeyPem,
  });
});

/** What Nodemailer's DKIM signer (as its transports use it) makes of an unsigned message. */
async function nodemailerSigned(raw: Buffer | string): Promise<string> {
  const dkim = new DKIM({
    domainName: key.domainName,
    keySelector: key.keySelector,
    privateKey: key.privateKeyPem,
    headerFieldNames: DKIM_SIGNED_HEADERS,
  });
  const out: Buffer[] = [];
  const stream = dkim.sign(typeof raw === 'string' ? raw : Buffer.from(raw));
  stream.on('data', (d: Buffer) => out.push(d));
  await new Promise((res, rej) => stream.on('end', res).on('error', rej));
  return Buffer.concat(out).toString('latin1');
}

/** Nodemailer's DATA stage bytes for a message (its own dot-stuffing). */
async function stuffed(raw: string): Promise<string> {
  const stream = new (DataStream as unknown as new () => Transform)();
  const out: Buffer[] = [];
  stream.on('data', (d: Buffer) => out.push(d));
  const done = new Promise((res) => stream.on('end', res));
  stream.end(Buffer.from(raw, 'latin1'));
  await done;
  return Buffer.concat(out).toString('latin1');
}

const recipients: TemplateRecipient[] = [
  {
    subscriberId: 's1',
    email: 'ada@example.com',
    name: 'Ada  Lovelace',
    format: 'html',
    unsubscribeUrl: 'https://d.test/u/a.b',
    preferencesUrl: 'https://d.test/p/a.b',
  },
  {
    subscriberId: 's2',
    email: 'zoe@example.com',
    name: 'Zoë Ørsted',
    format: 'html',
    unsubscribeUrl: 'https://d.test/u/c.d',
    preferencesUrl: 'https://d.test/p/c.d',
  },
  {
    subscriberId: 's3',
    email: 'dot@example.com',
    name: '.Dot <&> "q"',
    format: 'text',
    unsubscribeUrl: 'https://d.test/u/e.f',
    preferencesUrl: 'https://d.test/p/e.f',
  },
  {
    subscriberId: 's4',
    email: 'plain@example.com',
    name: '',
    format: 'html',
    unsubscribeUrl: 'https://d.test/u/g.h',
    preferencesUrl: 'https://d.test/p/g.h',
  },
];

/** Signed and unsigned fills of a template agree with Nodemailer's signer; returns the signed ones. */
async function expectNodemailerSignature(html: string, text: string): Promise<string[]> {
  const frame = testFrame(html, text, { publication });
  const template = createMessageTemplate(frame, { html, text });
  expect(template).toBeDefined();
  const signed: string[] = [];
  for (const r of recipients) {
    const unsigned = fillMessageTemplate(template!, r, { dotStuffed: false, date: TEST_DATE });
    const reference = await nodemailerSigned(unsigned.raw);
    const ours = await fillSignedMessageTemplate(
      template!,
      r,
      { dotStuffed: false, date: TEST_DATE },
      signer,
    );
    expect(ours.raw.toString('latin1'), r.name).toBe(reference);
    const ourStuffed = await fillSignedMessageTemplate(
      template!,
      r,
      { dotStuffed: true, date: TEST_DATE },
      signer,
    );
    expect(ourStuffed.raw.toString('latin1'), r.name).toBe(await stuffed(reference));
    signed.push(reference);
  }
  return signed;
}

async function realVariants() {
  const out = [];
  for (const topics of [[], ['lunar'], ['policy', 'markets']]) {
    const variant = await buildVariant({
      publication,
      edition: FIXTURE_EDITION,
      articles: fixtureArticles(),
      topics,
      locale: 'en-GB',
      webUrl: 'https://d.test/editions/2026-W47',
    });
    if (variant) out.push(variant);
  }
  return out;
}

const crlf = (s: string) => s.replace(/\r\n|\r|\n/g, '\r\n');

describe('DKIM signing of prepared digests', () => {
  it('signs real variants exactly as Nodemailer signs the same message, and python3-dkim verifies them', async () => {
    const signed: string[] = [];
    for (const v of await realVariants())
      signed.push(...(await expectNodemailerSignature(crlf(v.html), crlf(v.text))));
    expect(signed.length).toBeGreaterThanOrEqual(8);
    expect(await dkimVerify(key, signed)).toEqual(signed.map(() => 'pass'));

    const field = signed[0]!.slice(0, signed[0]!.indexOf('\r\n', signed[0]!.indexOf(' b=')));
    const h = /\bh=([^;]+)/.exec(field.replace(/\r\n[ \t]+/g, ''))![1]!.split(':');
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
    expect(field.replace(/\r\n[ \t]+/g, ' ')).toMatch(
      /^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=orbit-weekly\.example; q=dns\/txt; s=nd;/,
    );
  });

  it('fails verification when a signed header or the body changes (the verifier checks what we claim)', async () => {
    const [v] = await realVariants();
    const [message] = await expectNodemailerSignature(crlf(v!.html), crlf(v!.text));
    const noOneClick = message!.replace(
      'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
      'List-Unsubscribe-Post: x',
    );
    const otherLink = message!.replace(
      /List-Unsubscribe: <https:\/\/d\.test\/u\/a\.b>/,
      'List-Unsubscribe: <https://evil.test/u/a.b>',
    );
    const body = message!.replace('Ada  Lovelace', 'Ada Lovelace!');
    for (const changed of [noOneClick, otherLink, body]) expect(changed).not.toBe(message);
    expect(await dkimVerify(key, [message!, noOneClick, otherLink, body])).toEqual([
      'pass',
      'fail',
      'fail',
      'fail',
    ]);
  });

  it('canonicalises whitespace at piece edges, slot edges, line ends and the end of the body like Nodemailer', async () => {
    const html =
      '<p>  {{recipient.name}}  </p> \t\r\n\t {{recipient.email}}\t\r\n' +
      '<a href="{{links.unsubscribe}}"> x </a>   \r\n  \r\n{{recipient.name}}\r\n \r\n\r\n';
    const text = '  Hi {{recipient.name}} \r\n\r\n{{links.preferences}}   \r\n \t \r\n\r\n';
    const signed = await expectNodemailerSignature(html, text);
    // Quoted-printable text (not ASCII) with a trailing space kept by QP: the same.
    signed.push(...(await expectNodemailerSignature(html, 'Zoë  {{recipient.name}} \r\n.\r\n  \r\n')));
    expect(await dkimVerify(key, signed)).toEqual(signed.map(() => 'pass'));
  });

  // Pieces are cut at slots and every line end is CRLF, so a cut never falls between CR and LF.
  it('the relaxed body hash of pieces equals the hash of their concatenation, wherever a text is cut', () => {
    const texts = ['a  b \t\r\n\r\n c\r\n', ' x\r\n  \r\n\r\n', 'end without crlf  ', '\r\n\r\n', ''];
    for (const text of texts) {
      const whole = new RelaxedBodyHash();
      whole.text(text);
      const expected = whole.digest();
      const between = (k: number) => text[k - 1] === '\r' && text[k] === '\n';
      for (let i = 0; i <= text.length; i++)
        for (let j = i; j <= text.length; j++) {
          if (between(i) || between(j)) continue;
          const cut = new RelaxedBodyHash();
          cut.piece(relaxedPiece(text.slice(0, i), true));
          cut.text(text.slice(i, j));
          cut.piece(relaxedPiece(text.slice(j)));
          expect(cut.digest(), JSON.stringify([text, i, j])).toBe(expected);
        }
    }
  });

  it('signs the string path (a variant the byte template cannot take) the same way', async () => {
    const html = '<p>{{#if recipient.name}}Hi {{recipient.name}}{{/if}}</p>\r\n';
    const variant = {
      key: 'k',
      topics: [],
      articleCount: 1,
      subject: 'S',
      preheader: '',
      html,
      text: 'Hi {{recipient.name}}',
    };
    const signed = await prepareVariant('2026-W47', publication, variant, signer).composeToSend(
      recipients[0]!,
      {
        dotStuffed: true,
        date: TEST_DATE,
      },
    );
    const raw = signed.raw.toString();
    const unsigned = raw.slice(raw.indexOf('\r\nFrom: ') + 2);
    expect(signed.dotStuffed).toBeFalsy();
    expect(raw).toBe(await nodemailerSigned(unsigned));
    expect(await dkimVerify(key, [signed.raw])).toEqual(['pass']);
  });

  it('stops `digest` with one readable line when the key file is missing or holds no key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nd-dkim-cli-'));
    try {
      writeFileSync(join(dir, 'not-a-key.pem'), 'not a key\n');
      for (const [file, line] of [
        [
          join(dir, 'missing.pem'),
          /^digest: configuration error: DKIM_PRIVATE_KEY_FILE: cannot read \S+missing\.pem$/,
        ],
        [
          join(dir, 'not-a-key.pem'),
          /^digest: configuration error: DKIM_PRIVATE_KEY_FILE does not hold a PEM private key$/,
        ],
      ] as const) {
        const digest = digestCli({
          prefix: uniquePrefix(),
          dataDir: dir,
          env: { DKIM_DOMAIN: 'orbit-weekly.example', DKIM_SELECTOR: 'nd', DKIM_PRIVATE_KEY_FILE: file },
        });
        const r = digest('status');
        expect(r.code).not.toBe(0);
        expect(r.err.trim().split('\n')).toHaveLength(1);
        expect(r.err.trim()).toMatch(line);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000); // two CLI starts, slow on a loaded machine

  it('refuses a key that is not an RSA private key in one line', () => {
    expect(() => new DkimSigner({ domainName: 'd', keySelector: 's', privateKey: 'nope' })).toThrow(
      /^DKIM_PRIVATE_KEY_FILE does not hold a PEM private key$/,
    );
  });
});

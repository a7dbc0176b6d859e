/**
 * DKIM signing of the digests we build ourselves (RFC 6376, rsa-sha256, c=relaxed/relaxed), as
 * Nodemailer's own signer does it (`nodemailer/lib/dkim/sign`): its relaxed header canonicalisation
 * (`sign.relaxedHeaders`) and its folding (`foldLines`), the same tags in the same order, so the
 * field is byte for byte the one Nodemailer's DKIM stream would add (tests/integration/dkim-signer.test.ts
 * compares them). What no library does for a message built from prepared pieces is the body hash,
 * computed while the pieces are copied (dkim-relaxed-body.ts): the bytes are never read back, parsed or
 * un-dot-stuffed.
 *
 * Two things are ours, for speed. The key is parsed once (a PEM string would be parsed by every
 * signature). And the RSA signature, about 0.2-0.3 ms of CPU, more than everything else a send worker
 * does for a message, runs on libuv's thread pool (`crypto.sign` with a callback): only the ~600 bytes
 * of canonical header data go there, the event loop goes on with the other lanes meanwhile, and a
 * worker process can use a second core for its signatures. Nodemailer's `sign` signs synchronously,
 * which is why the field is assembled here rather than by calling it.
 */
import { createPrivateKey, type KeyObject, sign as rsaSign } from 'node:crypto';
import nodemailerSign from 'nodemailer/lib/dkim/sign';
import { foldLines } from 'nodemailer/lib/mime-funcs';
import { ConfigError } from '../errors/config-error.ts';
import { RelaxedBodyHash } from './dkim-relaxed-body.ts';

/**
 * The header fields a digest's signature covers. RFC 8058: a one-click List-Unsubscribe counts only
 * when the signature covers List-Unsubscribe and List-Unsubscribe-Post. Content-Type and the transfer
 * encoding are signed too, so nobody can re-frame the signed body.
 */
export const DKIM_SIGNED_HEADERS =
  'from:to:subject:date:message-id:reply-to:list-id:list-unsubscribe:list-unsubscribe-post:' +
  'mime-version:content-type:content-transfer-encoding';

export interface DkimKey {
  domainName: string;
  keySelector: string;
  /** PEM (PKCS#1 or PKCS#8) of an RSA private key. */
  privateKey: string;
}

/** A header block (CRLF line ends, folded lines allowed) as Nodemailer's signer reads it. */
function headerLines(block: string): Array<{ key: string; line: string }> {
  const out: Array<{ key: string; line: string }> = [];
  for (const line of block.split(/\r\n(?![ \t])/)) {
    if (!line) continue;
    out.push({ key: line.slice(0, line.indexOf(':')).trim().toLowerCase(), line });
  }
  return out;
}

/** Relaxed canonicalisation of one header field's value (RFC 6376 3.4.2), as Nodemailer's signer does it. */
const relaxedValue = (field: string): string =>
  field
    .slice(field.indexOf(':') + 1)
    .replace(/\r?\n/g, '')
    .replace(/[ \t]+/g, ' ')
    .replace(/^ | $/g, '');

// A domain name or selector: letters, digits, hyphens, dots (what a DNS label of a TXT record takes).
const DNS_NAME = /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/i;

export class DkimSigner {
  readonly domainName: string;
  readonly keySelector: string;
  private readonly privateKey: KeyObject;

  constructor(key: DkimKey) {
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey(key.privateKey);
    } catch {
      throw new ConfigError('DKIM_PRIVATE_KEY_FILE does not hold a PEM private key');
    }
    if (privateKey.asymmetricKeyType !== 'rsa')
      throw new ConfigError(
        `DKIM_PRIVATE_KEY_FILE holds an ${privateKey.asymmetricKeyType} key; DKIM signing here needs an RSA key`,
      );
    if (!DNS_NAME.test(key.domainName))
      throw new ConfigError(`DKIM_DOMAIN "${key.domainName}" is not a domain name`);
    if (!DNS_NAME.test(key.keySelector))
      throw new ConfigError(`DKIM_SELECTOR "${key.keySelector}" is not a DNS label`);
    this.privateKey = privateKey;
    this.domainName = key.domainName.toLowerCase();
    this.keySelector = key.keySelector;
  }

  /** A body hash to feed while the body is written. */
  bodyHash(): RelaxedBodyHash {
    return new RelaxedBodyHash();
  }

  /** The `DKIM-Signature:` field (folded, ending with CRLF) for a message's header block and body hash. */
  signatureField(headerBlock: string, bodyHash: string): Promise<string> {
    const canonical = nodemailerSign.relaxedHeaders(headerLines(headerBlock), DKIM_SIGNED_HEADERS);
    const tags = [
      'v=1',
      'a=rsa-sha256',
      'c=relaxed/relaxed',
      `d=${this.domainName}`,
      'q=dns/txt',
      `s=${this.keySelector}`,
      `bh=${bodyHash}`,
      `h=${canonical.fieldNames}`,
    ].join('; ');
    const unsigned = `${foldLines(`DKIM-Signature: ${tags}`, 76)};\r\n b=`;
    const data = Buffer.from(`${canonical.headers}dkim-signature:${relaxedValue(unsigned)}`, 'latin1');
    return new Promise((resolve, reject) => {
      rsaSign('sha256', data, this.privateKey, (err, signature) => {
        if (err) return reject(err);
        // Folded as Nodemailer folds it.
        const b = signature.toString('base64').replace(/(^.{73}|.{75}(?!\r?\n|\r))/g, '$&\r\n ');
        resolve(`${unsigned}${b.trim()}\r\n`);
      });
    });
  }

  /** A whole unstuffed message (the string path), signed: the signature field goes first. */
  async signMessage(raw: string): Promise<string> {
    const split = raw.indexOf('\r\n\r\n');
    const head = split === -1 ? raw : raw.slice(0, split + 2);
    const hash = this.bodyHash();
    if (split !== -1) hash.text(raw.slice(split + 4));
    return (await this.signatureField(head, hash.digest())) + raw;
  }
}

/**
 * A self-signed certificate for the test SMTP servers (127.0.0.1 and localhost), generated once per
 * test process with `selfsigned` and written to a PEM file, which test containers trust through
 * SMTP_TLS_CA_FILE: the mailer verifies the test relay's certificate as it would a real one.
 * `otherTls` is a second certificate nobody trusts (a wrong relay certificate).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface TestTls {
  key: string;
  cert: string;
  /** The certificate as a PEM file, for SMTP_TLS_CA_FILE (and a sink process's --cert). */
  caFile: string;
  /** The private key as a PEM file (a sink process's --key). */
  keyFile: string;
}

const make = async (name: string): Promise<TestTls> => {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), 'nd-tls-'));
  const caFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}.key`);
  writeFileSync(caFile, pems.cert);
  writeFileSync(keyFile, pems.private, { mode: 0o600 });
  return { key: pems.private, cert: pems.cert, caFile, keyFile };
};

let trusted: Promise<TestTls> | undefined;
let other: Promise<TestTls> | undefined;

/** The test servers' certificate, trusted by every test container. */
export const testTls = (): Promise<TestTls> => (trusted ??= make('test-relay'));
/** A certificate with the right names that nobody trusts. */
export const otherTls = (): Promise<TestTls> => (other ??= make('other-relay'));

/**
 * An independent DKIM verifier for tests: Debian's python3-dkim (dkimpy), the library behind its
 * `dkimverify`, run on each message with the public key served by a stand-in for the DNS lookup of
 * `<selector>._domainkey.<domain>` (tests have no DNS of their own).
 */
import { execFile } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

// Debian's python (pyenv's first python3 on PATH has no dkim module).
const PYTHON = '/usr/bin/python3';

const SCRIPT = `
import sys, dkim
record = sys.argv[1].encode()
name = sys.argv[2].encode()
def dns(q, timeout=5):
    return record if q.rstrip(b'.') == name else None
for path in sys.argv[3:]:
    with open(path, 'rb') as f:
        print('pass' if dkim.verify(f.read(), dnsfunc=dns) else 'fail')
`;

export interface DkimTestKey {
  domainName: string;
  keySelector: string;
  /** PKCS#1 PEM, as an operator's DKIM_PRIVATE_KEY_FILE holds it. */
  privateKeyPem: string;
  publicKey: KeyObject;
}

export function dkimTestKey(domainName = 'orbit-weekly.example', keySelector = 'nd'): DkimTestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    domainName,
    keySelector,
    privateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicKey,
  };
}

/** dkimpy's verdict on each message, in order: 'pass' or 'fail'. */
export async function dkimVerify(key: DkimTestKey, messages: Array<Buffer | string>): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'nd-dkimverify-'));
  try {
    const files = messages.map((m, i) => {
      const file = join(dir, `${i}.eml`);
      writeFileSync(file, m);
      return file;
    });
    const p = key.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    const name = `${key.keySelector}._domainkey.${key.domainName}`;
    const { stdout } = await run(PYTHON, ['-c', SCRIPT, `v=DKIM1; k=rsa; p=${p}`, name, ...files], {
      maxBuffer: 1 << 20,
    });
    return stdout.trim().split('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

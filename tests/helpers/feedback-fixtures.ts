/**
 * The feedback fixtures of tests/fixtures/feedback/ (DSNs as Postfix, Exchange Online and Gmail write
 * them, the RFC 5965 example report), with our addresses put in: `__RETURN_PATH__` (the digest's
 * envelope sender), `__RECIPIENT__` (the reader), `__MESSAGE_ID__` (the digest's Message-ID).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('../fixtures/feedback/', import.meta.url));

export function feedbackFixture(
  name: string,
  values: { returnPath?: string; recipient?: string; messageId?: string } = {},
): Buffer {
  const text = readFileSync(`${DIR}${name}`, 'utf8')
    .replaceAll('__RETURN_PATH__', values.returnPath ?? 'nobody@example.com')
    .replaceAll('__RECIPIENT__', values.recipient ?? 'reader@example.org')
    .replaceAll('__MESSAGE_ID__', values.messageId ?? '<none@example.com>');
  return Buffer.from(text.replace(/\r?\n/g, '\r\n'));
}

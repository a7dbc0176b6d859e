/**
 * One address as we store and compare it: parsed with an RFC 5322 parser (email-addresses), trimmed,
 * lower-cased as a whole. The local part is case-sensitive in theory, but no mainstream provider treats
 * it so, and keeping `Ann@x` and `ann@x` apart would let a duplicate slip past the suppression list.
 */
import { createHash } from 'node:crypto';
import emailAddresses from 'email-addresses';

const MAX_LENGTH = 254;

// The RFC parser is the slowest step of an import, and an address is normalised at the entry point
// and again inside the store: remember the last few thousand answers.
const recent = new Map<string, string | undefined>();
const RECENT_MAX = 5000;

/** The normalised address, or undefined when the input is not exactly one plain address. */
export function normaliseEmail(input: unknown): string | undefined {
  if (typeof input !== 'string') return undefined;
  if (recent.has(input)) return recent.get(input);
  const result = parse(input);
  if (recent.size >= RECENT_MAX) recent.clear();
  recent.set(input, result);
  if (result !== undefined) recent.set(result, result);
  return result;
}

function parse(input: string): string | undefined {
  const trimmed = input.normalize('NFC').trim();
  if (trimmed.length === 0 || trimmed.length > MAX_LENGTH || /[\r\n<>,]/.test(trimmed)) return undefined;
  const parsed = emailAddresses.parseOneAddress({ input: trimmed, rejectTLD: true, rfc6532: true });
  if (parsed?.type !== 'mailbox' || parsed.name) return undefined;
  // The domain needs a dot and no empty labels (rejectTLD already refuses `a@localhost`).
  if (!/^[^.]+(\.[^.]+)+$/.test(parsed.domain)) return undefined;
  return parsed.address.toLowerCase();
}

/** The form kept in the suppression set: never the address itself (it survives `forget`). */
export function suppressionHash(normalisedEmail: string): string {
  return createHash('sha256').update(normalisedEmail).digest('hex');
}

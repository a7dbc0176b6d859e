/**
 * The one address grammar of every entry (sign-up, `subscribers add`, CSV import, the API, test sends)
 * and the form we store and compare: exactly one plain mailbox `local@domain`.
 *
 * Refused, each with a reason in our words: quoted local parts, comments, spaces, several addresses,
 * group syntax, `Name <...>`, IP literals, control characters. RFC 5322 allows some of these, but a
 * parser that turns `"attacker@evil.example;victim"@readers.example` into a plain string handed the
 * confirmation link to an attacker (issue 18 #2): we accept only what means the same thing to every
 * relay and mail client, and never rewrite an address into a different one.
 *
 * Canonical form: the local part lower-cased (no mainstream provider treats it case-sensitively, and
 * keeping `Ann@x` and `ann@x` apart would let a duplicate slip past the suppression list); the domain
 * in its ASCII (punycode) form from node:url's domainToASCII (UTS #46, the same mapping as browsers),
 * so `bücher.example` and `xn--bcher-kva.example` are one subscriber.
 */
import { createHash } from 'node:crypto';
import { domainToASCII } from 'node:url';
import emailAddresses from 'email-addresses';
import { type Refusal, refusal } from '../i18n/reader-problem.ts';

const MAX_LENGTH = 254;
const MAX_LOCAL_OCTETS = 64;

/**
 * An address in canonical form, or why it is refused: `reason` finishes "the address ..." for
 * operators, `problem` is the reader's sentence (a catalogue key).
 */
export type EmailCheck = { ok: true; email: string } | Refusal;

// RFC 5322 atext, plus any non-ASCII letter, mark or number (RFC 6532 internationalised local parts).
const LOCAL_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\p{L}\p{M}\p{N}-]+$/u;
// Letters, digits and hyphens, not at either end; the last label is letters or an IDN (xn--) label.
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const TOP_LABEL = /^([a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

// The check runs at the entry point and again inside the store: remember the last few thousand answers.
const recent = new Map<string, EmailCheck>();
const RECENT_MAX = 5000;

/** Checks one address against the grammar; the canonical form when it passes. */
export function checkEmail(input: unknown): EmailCheck {
  if (typeof input !== 'string') return MISSING;
  const known = recent.get(input);
  if (known) return known;
  const result = check(input);
  if (recent.size >= RECENT_MAX) recent.clear();
  recent.set(input, result);
  if (result.ok) recent.set(result.email, result);
  return result;
}

/** The canonical address, or undefined when the input is not exactly one plain address. */
export function normaliseEmail(input: unknown): string | undefined {
  const checked = checkEmail(input);
  return checked.ok ? checked.email : undefined;
}

const MISSING = refusal('reason.email.missing', 'is missing');

function check(input: string): EmailCheck {
  const text = input.normalize('NFC').trim();
  if (text.length === 0) return MISSING;
  if (text.length > MAX_LENGTH)
    return refusal('reason.email.tooLong', `is longer than ${MAX_LENGTH} characters`, { max: MAX_LENGTH });
  if (/[\u0000-\u001f\u007f]/.test(text))
    return refusal('reason.email.control', 'contains a line break or control character');
  if (text.includes('"'))
    return refusal('reason.email.quoted', 'has quotation marks (quoted addresses are not accepted)');
  if (/[<>]/.test(text))
    return refusal('reason.email.named', 'has a name or <...> around it (give the address alone)');
  if (text.includes(':')) return refusal('reason.email.group', 'uses group syntax (give one plain address)');
  if (/[,;]/.test(text))
    return refusal('reason.email.several', 'lists more than one address (give one at a time)');
  if (/[()]/.test(text))
    return refusal('reason.email.comment', 'has a comment in brackets (give the plain address)');
  if (/[[\]]/.test(text)) return refusal('reason.email.ipLiteral', 'names an IP address instead of a domain');
  if (/\s/u.test(text))
    return refusal('reason.email.space', 'contains a space (one address, without spaces)');
  if (text.includes('\\')) return refusal('reason.email.backslash', 'contains a backslash');
  const at = text.split('@');
  if (at.length === 1) return refusal('reason.email.noAt', 'has no @');
  if (at.length > 2) return refusal('reason.email.manyAt', 'has more than one @');
  const [local, domain] = at as [string, string];

  if (local.length === 0) return refusal('reason.email.noLocal', 'has nothing before the @');
  if (Buffer.byteLength(local) > MAX_LOCAL_OCTETS)
    return refusal('reason.email.localTooLong', `has more than ${MAX_LOCAL_OCTETS} characters before the @`, {
      max: MAX_LOCAL_OCTETS,
    });
  if (!local.split('.').every((atom) => LOCAL_ATOM.test(atom)))
    return refusal(
      'reason.email.localChars',
      'has a character or a dot before the @ that addresses cannot have',
    );

  if (domain.length === 0) return refusal('reason.email.noDomain', 'has no domain after the @');
  const ascii = domainToASCII(domain);
  const labels = ascii.split('.');
  if (!ascii || ascii.length > 253 || !labels.every((l) => LABEL.test(l)))
    return refusal('reason.email.badDomain', `has a domain "${domain}" that is not a valid domain name`, {
      domain,
    });
  if (labels.length < 2 || !TOP_LABEL.test(labels.at(-1)!))
    return refusal(
      'reason.email.noPublicEnding',
      `has a domain "${domain}" without a public ending such as .com`,
      {
        domain,
      },
    );

  // The RFC 5322 parser has the last word: the text must be one mailbox that it reads back unchanged
  // (no quoting, comment or folding it would strip).
  const email = `${local.toLowerCase()}@${ascii}`;
  const parsed = emailAddresses.parseOneAddress({ input: email, rejectTLD: true, rfc6532: true });
  if (parsed?.type !== 'mailbox' || parsed.name || parsed.address !== email)
    return refusal('reason.email.invalid', 'is not a valid address');
  return { ok: true, email };
}

/** The form kept in the suppression set: never the address itself (it survives `forget`). */
export function suppressionHash(normalisedEmail: string): string {
  return createHash('sha256').update(normalisedEmail).digest('hex');
}

/**
 * Sorts an SMTP failure into what the engine does about it (pure). Decided on Nodemailer's stable
 * `code` (and the system error's `originalCode` it keeps), the server's `responseCode`, the SMTP
 * `command`, and two facts the mail room knows by construction: whether the failure happened while a
 * connection was being set up (`stage: 'connect'`: TCP, greeting, EHLO, STARTTLS, AUTH) and whether the
 * final "." of the message had been written (`bodySent`); never on message text.
 *
 * - `config`: authentication, the relay's certificate, or the sender refused: pause the edition,
 *   suppress nobody.
 * - `unreachable`: the relay could not be reached or would not start a session (refused, timed out, TLS
 *   handshake broke, 421 greeting, DNS): stop claiming and wait for it (relay-outage.ts).
 * - `throttled`: 421/454, the server asks us to slow down: rate-limit the worker, retry later.
 * - `temporary`: any other 4xx, or a network error before the final "." was written: retry with backoff.
 * - `bounce`: 5xx for the recipient (RCPT): the address is suppressed.
 * - `rejected`: 5xx for the message itself (after DATA): failed, not suppressed.
 * - `uncertain`: the final "." was written and no reply came: the server may have accepted it.
 */
export type SmtpErrorClass =
  | 'config'
  | 'unreachable'
  | 'throttled'
  | 'temporary'
  | 'bounce'
  | 'rejected'
  | 'uncertain';

export interface SmtpFailure {
  code?: string;
  /** The system or TLS error's own code, which Nodemailer keeps when it sets `code` (ECONNREFUSED...). */
  originalCode?: string;
  responseCode?: number;
  command?: string;
  /** Set by the connection pool when the failure came while opening a connection. */
  stage?: 'connect';
  /** True when the final "." of the message had been written (prepared-body-connection.ts). */
  bodySent?: boolean;
}

// ERELAYDOWN: the pool gave up on an outage longer than RELAY_OUTAGE_LIMIT (pause, as for a login).
const CONFIG_CODES = new Set(['EAUTH', 'ENOAUTH', 'EOAUTH2', 'EREQUIRETLS', 'ECONFIG', 'ERELAYDOWN']);
const AUTH_REPLIES = new Set([530, 534, 535, 538]);
const THROTTLE_REPLIES = new Set([421, 454]);
/**
 * Node's (OpenSSL's) certificate verification failures: the relay is not who it claims to be, or we do
 * not trust its issuer. Waiting does not fix that; an operator does.
 */
const CERTIFICATE_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_REJECTED',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export function isCertificateFailure(failure: SmtpFailure): boolean {
  return CERTIFICATE_CODES.has(failure.originalCode ?? '') || CERTIFICATE_CODES.has(failure.code ?? '');
}

export function classifySmtpError(failure: SmtpFailure): SmtpErrorClass {
  const { code, responseCode, bodySent } = failure;
  const command = (failure.command ?? '').toUpperCase();
  if ((code && CONFIG_CODES.has(code)) || (responseCode && AUTH_REPLIES.has(responseCode))) return 'config';
  if (isCertificateFailure(failure)) return 'config';
  if (failure.stage === 'connect') {
    // A relay that refuses STARTTLS for good is configuration; anything else while opening is an outage.
    if (code === 'ETLS' && responseCode && responseCode >= 500) return 'config';
    return 'unreachable';
  }
  if (code === 'ETLS') return 'config';
  if (responseCode && THROTTLE_REPLIES.has(responseCode)) return 'throttled';
  if (responseCode && responseCode >= 400 && responseCode < 500) return 'temporary';
  if (responseCode && responseCode >= 500) {
    if (command.startsWith('RCPT') || code === 'EENVELOPE') {
      // A rejected sender (MAIL FROM) is our configuration, not the recipient's address.
      return command.startsWith('MAIL') ? 'config' : 'bounce';
    }
    if (command.startsWith('MAIL')) return 'config';
    return 'rejected';
  }
  // No reply from the server: a network problem. Before the final "." the server cannot have accepted
  // the message; after it, nobody knows.
  return bodySent ? 'uncertain' : 'temporary';
}

/** Exponential backoff with full jitter (ms), for temporary failures. `random` in [0, 1). */
export function retryDelay(attempt: number, random: number, baseMs = 1000, capMs = 10 * 60_000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

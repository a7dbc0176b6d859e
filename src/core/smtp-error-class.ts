/**
 * Sorts an SMTP failure into what the engine does about it (pure). Decided on Nodemailer's stable
 * `code`, the server's `responseCode` and the SMTP `command`, plus whether the message body had been
 * handed over completely; never on message text.
 *
 * - `config`: authentication, TLS, or the sender refused: pause the edition, suppress nobody.
 * - `throttled`: 421/454, the server asks us to slow down: rate-limit the worker, retry later.
 * - `temporary`: any other 4xx, or a network error before the body was handed over: retry with backoff.
 * - `bounce`: 5xx for the recipient (RCPT): the address is suppressed.
 * - `rejected`: 5xx for the message itself (after DATA): failed, not suppressed.
 * - `uncertain`: the connection broke after the body was handed over: the server may have accepted it.
 */
export type SmtpErrorClass = 'config' | 'throttled' | 'temporary' | 'bounce' | 'rejected' | 'uncertain';

export interface SmtpFailure {
  code?: string;
  responseCode?: number;
  command?: string;
  /** True when the whole message body had been streamed to the server. */
  bodySent?: boolean;
}

const CONFIG_CODES = new Set(['EAUTH', 'ENOAUTH', 'EOAUTH2', 'ETLS', 'EREQUIRETLS', 'ECONFIG']);
const AUTH_REPLIES = new Set([530, 534, 535, 538]);
const THROTTLE_REPLIES = new Set([421, 454]);

export function classifySmtpError(failure: SmtpFailure): SmtpErrorClass {
  const { code, responseCode, bodySent } = failure;
  const command = (failure.command ?? '').toUpperCase();
  if ((code && CONFIG_CODES.has(code)) || (responseCode && AUTH_REPLIES.has(responseCode))) return 'config';
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
  // No reply from the server: a network problem. Before the body was complete the server cannot have
  // accepted the message (it needs the final "."); after it, nobody knows.
  return bodySent ? 'uncertain' : 'temporary';
}

/** Exponential backoff with full jitter (ms), for temporary failures. `random` in [0, 1). */
export function retryDelay(attempt: number, random: number, baseMs = 1000, capMs = 10 * 60_000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

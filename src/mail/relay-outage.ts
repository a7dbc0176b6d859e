/**
 * A relay outage, as plain data (pure): when it began, the last error, when the relay is tried next.
 * The connection pool keeps one while no connection can be opened; workers stop claiming recipients
 * meanwhile (a claim is made only with a connection in hand), so an outage costs time, not deliveries.
 * The record is also stored in Redis (redis-relay-status.ts) so that `digest status`, the API and the
 * dashboard of any process can say "relay unreachable since 10:02, next try in 20 s".
 */
import { isCertificateFailure, type SmtpFailure } from '../core/smtp-error-class.ts';

export interface RelayOutage {
  /** Epoch ms of the first failed connection of this outage. */
  since: number;
  /** Epoch ms of the last failed attempt. */
  lastTryAt: number;
  /** Epoch ms of the next attempt. */
  nextTryAt: number;
  /** Failed attempts so far. */
  tries: number;
  /** The last failure, in our words (`describeRelayFailure`). */
  lastError: string;
}

/** Probe delays: 1 s, 2 s, 4 s ... up to 60 s. */
export function probeDelayMs(tries: number): number {
  return Math.min(60_000, 1000 * 2 ** Math.max(0, tries - 1));
}

export function startOutage(now: number, failure: string): RelayOutage {
  return { since: now, lastTryAt: now, nextTryAt: now + probeDelayMs(1), tries: 1, lastError: failure };
}

export function failedProbe(outage: RelayOutage, now: number, failure: string): RelayOutage {
  const tries = outage.tries + 1;
  return { ...outage, lastTryAt: now, nextTryAt: now + probeDelayMs(tries), tries, lastError: failure };
}

/** Whether the outage has lasted longer than the operator's limit (RELAY_OUTAGE_LIMIT). */
export const outageOverLimit = (outage: RelayOutage, now: number, limitMs: number): boolean =>
  now - outage.since >= limitMs;

const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);

/**
 * "relay unreachable since 10:02 UTC, next try in 20 s (last error: connection refused)"; `givenUp`
 * once the outage outlasted the limit (the editions it held are paused).
 */
export function describeOutage(outage: RelayOutage, now: number, givenUp = false): string {
  const wait = Math.max(0, Math.ceil((outage.nextTryAt - now) / 1000));
  const next = givenUp
    ? `given up at ${hhmm(outage.lastTryAt)} UTC after RELAY_OUTAGE_LIMIT, tried again on the next send`
    : `next try in ${wait} s`;
  return `relay unreachable since ${hhmm(outage.since)} UTC, ${next} (last error: ${outage.lastError})`;
}

/** The reason an edition pauses with when an outage outlasts the limit. */
export function describeOutageLimit(outage: RelayOutage, limitMs: number): string {
  return `relay unreachable since ${hhmm(outage.since)} UTC, longer than the limit of ${Math.round(limitMs / 1000)} s (RELAY_OUTAGE_LIMIT); last error: ${outage.lastError}. Resume the edition once the relay answers.`;
}

/** A relay failure in one line of our words, with the codes an operator can search for. */
export function describeRelayFailure(failure: SmtpFailure & { message?: string }): string {
  const code = failure.originalCode ?? failure.code ?? '';
  const reply = failure.responseCode ? ` (${failure.responseCode})` : '';
  if (isCertificateFailure(failure)) return `the relay's TLS certificate was refused (${code})`;
  if (failure.code === 'EAUTH' || failure.responseCode === 535)
    return `the relay refused our login${reply}: check the user and password in SMTP_URL (EAUTH)`;
  if (failure.responseCode === 530) return `the relay requires a login (530): add it to SMTP_URL`;
  if (failure.code === 'ETLS') return `the TLS handshake with the relay failed${reply} (ETLS)`;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused (ECONNREFUSED)';
    case 'ETIMEDOUT':
      return 'no answer in time (ETIMEDOUT)';
    case 'ECONNRESET':
      return 'connection reset by the relay (ECONNRESET)';
    case 'EDNS':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the relay's host name did not resolve (${code})`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `no route to the relay (${code})`;
  }
  if (failure.responseCode === 421) return 'the relay is not taking connections (421)';
  if (failure.responseCode) return `the relay answered ${failure.responseCode}`;
  return `the connection to the relay failed (${code || 'unknown'})`;
}

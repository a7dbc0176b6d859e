import { describe, expect, it } from 'vitest';
import { classifySmtpError } from '../../src/core/smtp-error-class.ts';
import {
  describeOutage,
  describeRelayFailure,
  failedProbe,
  outageOverLimit,
  probeDelayMs,
  startOutage,
} from '../../src/mail/relay-outage.ts';
import { relayTlsOptions } from '../../src/mail/smtp-mailer.ts';

const at = (hhmmss: string) => Date.parse(`2026-12-07T${hhmmss}Z`);

describe('relay outage', () => {
  it('probes after 1, 2, 4 ... seconds, never more than 60 s apart', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 30].map(probeDelayMs)).toEqual([
      1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000,
    ]);
  });

  it('says since when, when the next try is and the last error, in our words', () => {
    let o = startOutage(at('10:02:00'), 'connection refused (ECONNREFUSED)');
    o = failedProbe(o, at('10:02:01'), 'no answer in time (ETIMEDOUT)');
    expect(describeOutage(o, at('10:02:01'))).toBe(
      'relay unreachable since 10:02 UTC, next try in 2 s (last error: no answer in time (ETIMEDOUT))',
    );
    expect(outageOverLimit(o, at('10:16:59'), 15 * 60_000)).toBe(false);
    expect(outageOverLimit(o, at('10:17:00'), 15 * 60_000)).toBe(true);
  });

  it.each([
    [
      { code: 'ESOCKET', originalCode: 'ECONNREFUSED', stage: 'connect' as const },
      'connection refused (ECONNREFUSED)',
    ],
    [{ code: 'ETIMEDOUT', stage: 'connect' as const }, 'no answer in time (ETIMEDOUT)'],
    [
      { code: 'EPROTOCOL', responseCode: 421, stage: 'connect' as const },
      'the relay is not taking connections (421)',
    ],
    [
      { code: 'ESOCKET', originalCode: 'ECONNRESET', stage: 'connect' as const },
      'connection reset by the relay (ECONNRESET)',
    ],
  ])('%j is an outage: "%s"', (failure, words) => {
    expect(classifySmtpError(failure)).toBe('unreachable');
    expect(describeRelayFailure(failure)).toBe(words);
  });

  it.each([
    [
      { code: 'ESOCKET', originalCode: 'CERT_HAS_EXPIRED', stage: 'connect' as const },
      "the relay's TLS certificate was refused (CERT_HAS_EXPIRED)",
    ],
    [
      { code: 'ESOCKET', originalCode: 'ERR_TLS_CERT_ALTNAME_INVALID', stage: 'connect' as const },
      "the relay's TLS certificate was refused (ERR_TLS_CERT_ALTNAME_INVALID)",
    ],
    [
      { code: 'EAUTH', responseCode: 535, stage: 'connect' as const },
      'the relay refused our login (535): check the user and password in SMTP_URL (EAUTH)',
    ],
  ])('%j pauses the edition: "%s"', (failure, words) => {
    expect(classifySmtpError(failure)).toBe('config');
    expect(describeRelayFailure(failure)).toBe(words);
  });

  it('verifies a relay certificate unless the relay is on loopback with no CA given', () => {
    expect(relayTlsOptions('relay.example', undefined)).toBeUndefined();
    expect(relayTlsOptions('10.0.0.5', undefined)).toBeUndefined();
    expect(relayTlsOptions('127.0.0.1', undefined)).toEqual({ rejectUnauthorized: false });
    expect(relayTlsOptions('127.0.0.1', 'PEM')).toEqual({ ca: 'PEM' });
    expect(relayTlsOptions('relay.example', 'PEM')).toEqual({ ca: 'PEM' });
  });
});

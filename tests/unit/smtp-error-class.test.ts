import { describe, expect, it } from 'vitest';
import { classifySmtpError, retryDelay } from '../../src/core/smtp-error-class.ts';

describe('classifySmtpError', () => {
  it.each([
    [{ code: 'EAUTH', responseCode: 535, command: 'AUTH PLAIN' }, 'config'],
    [{ code: 'ETLS', command: 'CONN' }, 'config'],
    [{ code: 'EENVELOPE', responseCode: 530, command: 'MAIL FROM' }, 'config'],
    [{ code: 'EENVELOPE', responseCode: 553, command: 'MAIL FROM' }, 'config'],
    [{ code: 'EENVELOPE', responseCode: 421, command: 'RCPT TO' }, 'throttled'],
    [{ code: 'EMESSAGE', responseCode: 454, command: 'DATA' }, 'throttled'],
    [{ code: 'EENVELOPE', responseCode: 451, command: 'RCPT TO' }, 'temporary'],
    [{ code: 'EMESSAGE', responseCode: 452, command: 'DATA' }, 'temporary'],
    [{ code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' }, 'bounce'],
    [{ code: 'EENVELOPE', responseCode: 551, command: 'RCPT TO' }, 'bounce'],
    [{ code: 'EMESSAGE', responseCode: 554, command: 'DATA' }, 'rejected'],
    [{ code: 'ECONNECTION', command: 'CONN', bodySent: false }, 'temporary'],
    [{ code: 'ETIMEDOUT', command: 'CONN' }, 'temporary'],
    [{ code: 'ECONNECTION', command: 'CONN', bodySent: true }, 'uncertain'],
    [{ code: 'ESOCKET', bodySent: true }, 'uncertain'],
  ])('%j → %s', (failure, expected) => {
    expect(classifySmtpError(failure)).toBe(expected);
  });

  it('never looks at the message text', () => {
    const a = classifySmtpError({ code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' });
    const withText = classifySmtpError(
      Object.assign(
        { code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' },
        { message: 'try again later' },
      ),
    );
    expect(withText).toBe(a);
  });
});

describe('retryDelay', () => {
  it('grows exponentially with jitter between half and the full ceiling, capped', () => {
    expect(retryDelay(1, 0)).toBe(500);
    expect(retryDelay(1, 0.999)).toBeLessThanOrEqual(1000);
    expect(retryDelay(4, 0)).toBe(4000);
    expect(retryDelay(4, 0.5)).toBe(6000);
    expect(retryDelay(30, 0.999)).toBeLessThanOrEqual(600_000);
    expect(retryDelay(30, 0)).toBe(300_000);
  });
});

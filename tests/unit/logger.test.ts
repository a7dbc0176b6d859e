import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, maskAddresses } from '../../src/logging/logger.ts';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  return { lines, logger: createLogger({ level: 'info', pretty: false }, stream) };
}

describe('structured logs', () => {
  it('writes one JSON line per event with its stable name', () => {
    const { lines, logger } = capture();
    logger.info({ event: 'edition.action', edition: '2026-W47', action: 'send' }, 'queued');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 30,
      event: 'edition.action',
      edition: '2026-W47',
      msg: 'queued',
    });
  });

  it('keeps addresses out: redacted fields, masked error messages and SMTP replies', () => {
    const { lines, logger } = capture();
    const err = Object.assign(new Error('Recipient rejected: <ann@example.com>'), {
      response: '550 5.1.1 <ann@example.com>: no such user',
      responseCode: 550,
      rejected: ['ann@example.com'],
    });
    logger.warn({ event: 'send.failed', subscriberId: 's1', email: 'ann@example.com', err }, 'failed');
    const line = lines.join('\n');
    expect(line).not.toContain('ann@example.com');
    const parsed = JSON.parse(lines[0]!);
    expect(parsed).toMatchObject({ subscriberId: 's1', email: '[redacted]' });
    expect(parsed.err.message).toBe('Recipient rejected: <[address]>');
    expect(parsed.err.responseCode).toBe(550);
  });

  it('masks every address shape it meets', () => {
    expect(maskAddresses('to "Zoë" <zoe.b+tag@sub.example.co.uk>, bob@x.org')).toBe(
      'to "Zoë" <[address]>, [address]',
    );
    expect(maskAddresses('no address here @ all')).toBe('no address here @ all');
  });
});

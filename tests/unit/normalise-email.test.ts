import { describe, expect, it } from 'vitest';
import { normaliseEmail, suppressionHash } from '../../src/subscribers/normalise-email.ts';

describe('normaliseEmail', () => {
  it.each([
    ['  Ann.Lee@Example.COM ', 'ann.lee@example.com'],
    ['ann+news@example.co.uk', 'ann+news@example.co.uk'],
    ['"ann"@example.com', 'ann@example.com'],
    ['\tann@example.com\n'.trim(), 'ann@example.com'],
  ])('%j -> %j', (input, want) => {
    expect(normaliseEmail(input)).toBe(want);
  });

  it.each([
    'ann',
    'ann@localhost',
    'ann@@example.com',
    'Ann <ann@example.com>',
    'ann@example.com, bob@example.com',
    'ann@example.com\r\nBcc: x@y.com',
    '',
    `${'a'.repeat(250)}@example.com`,
    'ann@example..com',
  ])('refuses %j', (input) => {
    expect(normaliseEmail(input)).toBeUndefined();
  });

  it('refuses non-strings', () => {
    expect(normaliseEmail(undefined)).toBeUndefined();
    expect(normaliseEmail(['a@b.com'])).toBeUndefined();
  });

  it('hashes for the suppression list with sha256 hex', () => {
    expect(suppressionHash('ann@example.com')).toMatch(/^[0-9a-f]{64}$/);
  });
});

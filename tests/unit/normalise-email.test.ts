import { describe, expect, it } from 'vitest';
import { checkEmail, normaliseEmail, suppressionHash } from '../../src/subscribers/normalise-email.ts';

describe('normaliseEmail', () => {
  it.each([
    ['  Ann.Lee@Example.COM ', 'ann.lee@example.com'],
    ['ann+news@example.co.uk', 'ann+news@example.co.uk'],
    ['Ann@Bücher.Example', 'ann@xn--bcher-kva.example'],
    ['ann@xn--bcher-kva.example', 'ann@xn--bcher-kva.example'],
    ["o'neil+news@example.com", "o'neil+news@example.com"],
    ['=calc@readers.example', '=calc@readers.example'],
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
    // Quoted local parts once lost their quotes and became other addresses (issue 18 #2).
    '"ann"@example.com',
    '"attacker@evil.example;victim"@readers.example',
    '"x victim"@readers.example',
    'group: ann@example.com;',
    'ann(comment)@example.com',
    'ann@[192.0.2.1]',
    'ann @example.com',
    'ann.@example.com',
    'ann@exa_mple.com',
  ])('refuses %j', (input) => {
    expect(normaliseEmail(input)).toBeUndefined();
  });

  it('gives a reason in our words', () => {
    expect(checkEmail('"attacker@evil.example;victim"@readers.example')).toEqual({
      ok: false,
      reason: 'has quotation marks (quoted addresses are not accepted)',
      // What a reader reads instead, in their language (src/i18n/reader-problem.ts).
      problem: { key: 'reason.email.quoted', values: undefined },
    });
    expect(checkEmail('ann@mail.x1')).toMatchObject({
      problem: { key: 'reason.email.noPublicEnding', values: { domain: 'mail.x1' } },
    });
    expect(checkEmail('a@b.example, c@d.example')).toMatchObject({ reason: /more than one address/ });
    expect(checkEmail('Ann <a@b.example>')).toMatchObject({ reason: /address alone/ });
    expect(checkEmail('ann')).toMatchObject({ reason: 'has no @' });
  });

  it('refuses non-strings', () => {
    expect(normaliseEmail(undefined)).toBeUndefined();
    expect(normaliseEmail(['a@b.com'])).toBeUndefined();
  });

  it('hashes for the suppression list with sha256 hex', () => {
    expect(suppressionHash('ann@example.com')).toMatch(/^[0-9a-f]{64}$/);
  });
});

import { describe, expect, it } from 'vitest';
import { safeRedirect, signUpOrigins } from '../../src/subscribers/signup-redirect.ts';

describe('the sign-up form redirect', () => {
  const origins = signUpOrigins('https://orbit.example/about', 'https://digest.orbit.example');

  it('accepts the publication own origins only', () => {
    expect(safeRedirect('https://orbit.example/thanks?x=1', origins)).toBe(
      'https://orbit.example/thanks?x=1',
    );
    expect(safeRedirect('https://digest.orbit.example/editions', origins)).toBe(
      'https://digest.orbit.example/editions',
    );
    expect(safeRedirect('HTTPS://ORBIT.EXAMPLE/thanks', origins)).toBe('https://orbit.example/thanks');
  });

  it('never redirects anywhere else (no open redirect)', () => {
    for (const bad of [
      'https://evil.example/',
      'http://orbit.example/thanks', // another scheme is another origin
      'https://orbit.example:8443/',
      'https://orbit.example.evil.example/',
      'https://evil.example/?https://orbit.example/',
      'https://orbit.example@evil.example/',
      'https://user:pass@orbit.example/',
      '//evil.example/',
      '/\\evil.example',
      '/thanks',
      'javascript:alert(1)',
      'data:text/html,hi',
      ' https://evil.example',
      `https://orbit.example/${'a'.repeat(2000)}`,
      '',
      undefined,
      ['https://orbit.example/'],
    ])
      expect(safeRedirect(bad, origins), String(bad)).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { MAX_URL_LENGTH, safeHttpUrl } from '../../src/render/safe-url.ts';

describe('safeHttpUrl', () => {
  it.each([
    ['https://example.org/a?b=1&c=2', 'https://example.org/a?b=1&c=2'],
    ['HTTP://Example.org', 'http://example.org/'],
    ['  https://example.org/a b"c  ', 'https://example.org/a%20b%22c'],
  ])('lets %s through as %s', (input, expected) => {
    expect(safeHttpUrl(input)).toBe(expected);
  });

  it.each([
    'javascript:alert(1)',
    ' JavaScript:alert(1)',
    'java\nscript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox',
    '//example.org/protocol-relative',
    '/relative/path',
    'https://',
    'mailto:a@example.org',
    '',
    undefined,
    42,
  ])('turns %j into no link', (input) => {
    expect(safeHttpUrl(input)).toBeUndefined();
  });

  it('refuses URLs longer than the line budget allows', () => {
    expect(safeHttpUrl(`https://example.org/${'a'.repeat(MAX_URL_LENGTH)}`)).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { redactLinkTokens } from '../../src/http/redact-link-tokens.ts';

describe('redactLinkTokens', () => {
  it('hides the token of unsubscribe, preference and confirm links, and nothing else', () => {
    expect(redactLinkTokens('/u/djF8azF8abc.def')).toBe('/u/[token]');
    expect(redactLinkTokens('/p/djF8azF8abc.def?saved=1')).toBe('/p/[token]?saved=1');
    expect(redactLinkTokens('/c/x.y')).toBe('/c/[token]');
    expect(redactLinkTokens('/editions/2026-W47')).toBe('/editions/2026-W47');
    expect(redactLinkTokens('/api/u/x')).toBe('/api/u/x');
  });
});

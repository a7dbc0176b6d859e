import { describe, expect, it } from 'vitest';
import { signLink, signLinkPair, verifyLink } from '../../src/links/signed-link.ts';
import { linkUrl, subscriberLinks } from '../../src/links/subscriber-links.ts';

const k1 = { id: 'k1', secret: 'old-secret-0123456789abcdef' };
const k2 = { id: 'k2', secret: 'new-secret-0123456789abcdef' };
const now = 1_790_000_000;
const sub = 'AbCdEfGhIjKlMnOp';

/** Changes the character at `i` to another base64url character. */
const flip = (token: string, i: number) =>
  token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);

describe('signed links', () => {
  it('round-trips subscriber, issue time and key id', () => {
    const token = signLink({ purpose: 'unsubscribe', subscriberId: sub, issuedAt: now }, k2);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(verifyLink(token, [k2, k1], 'unsubscribe', now)).toEqual({
      subscriberId: sub,
      issuedAt: now,
      keyId: 'k2',
    });
  });

  it('refuses a token with any one character changed', () => {
    const token = signLink({ purpose: 'preferences', subscriberId: sub, issuedAt: now }, k1);
    for (let i = 0; i < token.length; i++) {
      if (token[i] === '.') continue;
      expect(verifyLink(flip(token, i), [k1], 'preferences', now), `position ${i}`).toBeUndefined();
    }
  });

  it('refuses truncated, extended and garbage tokens', () => {
    const token = signLink({ purpose: 'preferences', subscriberId: sub, issuedAt: now }, k1);
    for (const bad of [
      token.slice(0, -1),
      token.slice(0, -10),
      `${token}A`,
      token.split('.')[0]!,
      '',
      '.',
      'a.b.c',
      `${token}.x`,
    ])
      expect(verifyLink(bad, [k1], 'preferences', now)).toBeUndefined();
  });

  it('binds the purpose: an unsubscribe token is not a preferences or confirm token', () => {
    const token = signLink({ purpose: 'unsubscribe', subscriberId: sub, issuedAt: now }, k1);
    expect(verifyLink(token, [k1], 'preferences', now)).toBeUndefined();
    expect(verifyLink(token, [k1], 'confirm', now)).toBeUndefined();
  });

  it('verifies with an older key still configured, not with a removed key', () => {
    const old = signLink({ purpose: 'unsubscribe', subscriberId: sub, issuedAt: now }, k1);
    expect(verifyLink(old, [k2, k1], 'unsubscribe', now)?.keyId).toBe('k1');
    expect(verifyLink(old, [k2], 'unsubscribe', now)).toBeUndefined();
    // Same key id, different secret (a rotated-in-place key) is also refused.
    expect(
      verifyLink(old, [{ id: 'k1', secret: 'another-secret-0123456789' }], 'unsubscribe', now),
    ).toBeUndefined();
  });

  it('confirm tokens expire after 7 days; unsubscribe and preference tokens never do', () => {
    const week = 7 * 24 * 3600;
    const confirm = signLink({ purpose: 'confirm', subscriberId: sub, issuedAt: now }, k1);
    expect(verifyLink(confirm, [k1], 'confirm', now + week)).toBeDefined();
    expect(verifyLink(confirm, [k1], 'confirm', now + week + 1)).toBeUndefined();
    const tenYears = now + 10 * 365 * 24 * 3600;
    for (const purpose of ['unsubscribe', 'preferences'] as const) {
      const token = signLink({ purpose, subscriberId: sub, issuedAt: now }, k1);
      expect(verifyLink(token, [k1], purpose, tenYears)).toBeDefined();
    }
  });

  it('subscriberLinks signs with the newest key under the public URL', () => {
    const links = subscriberLinks('https://digest.example', sub, [k2, k1], now);
    expect(links.unsubscribe).toMatch(/^https:\/\/digest\.example\/u\/[A-Za-z0-9_.-]+$/);
    expect(links.preferences).toMatch(/^https:\/\/digest\.example\/p\/[A-Za-z0-9_.-]+$/);
    const token = links.unsubscribe.split('/u/')[1]!;
    expect(verifyLink(token, [k2], 'unsubscribe', now)?.subscriberId).toBe(sub);
  });

  it('v2: one HMAC signs a pair; each token verifies for its own purpose only', () => {
    const pair = signLinkPair(sub, now, k2);
    const [payloadU, tagU] = pair.unsubscribe.split('.');
    const [payloadP, tagP] = pair.preferences.split('.');
    // One payload, two different 16-byte tags (22 base64url characters).
    expect(payloadU).toBe(payloadP);
    expect(tagU).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(tagP).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(tagU).not.toBe(tagP);
    expect(verifyLink(pair.unsubscribe, [k2, k1], 'unsubscribe', now)).toEqual({
      subscriberId: sub,
      issuedAt: now,
      keyId: 'k2',
    });
    expect(verifyLink(pair.preferences, [k2, k1], 'preferences', now)?.subscriberId).toBe(sub);
    expect(verifyLink(pair.unsubscribe, [k2], 'preferences', now)).toBeUndefined();
    expect(verifyLink(pair.preferences, [k2], 'unsubscribe', now)).toBeUndefined();
    for (const token of [pair.unsubscribe, pair.preferences])
      expect(verifyLink(token, [k2], 'confirm', now)).toBeUndefined();
    // The whole HMAC as the tag is not a token either: a tag is exactly its half.
    const whole = `${payloadU}.${Buffer.concat([Buffer.from(tagU!, 'base64url'), Buffer.from(tagP!, 'base64url')]).toString('base64url')}`;
    expect(verifyLink(whole, [k2], 'unsubscribe', now)).toBeUndefined();
    expect(verifyLink(whole, [k2], 'preferences', now)).toBeUndefined();
  });

  it('v2: refuses any one character changed, a removed key, and truncation', () => {
    const pair = signLinkPair(sub, now, k1);
    for (const [purpose, token] of [
      ['unsubscribe', pair.unsubscribe],
      ['preferences', pair.preferences],
    ] as const) {
      for (let i = 0; i < token.length; i++) {
        if (token[i] === '.') continue;
        expect(verifyLink(flip(token, i), [k1], purpose, now), `${purpose} ${i}`).toBeUndefined();
      }
      expect(verifyLink(token.slice(0, -1), [k1], purpose, now)).toBeUndefined();
      expect(verifyLink(`${token}A`, [k1], purpose, now)).toBeUndefined();
      expect(verifyLink(token, [k2], purpose, now)).toBeUndefined();
      expect(verifyLink(token, [k1], purpose, now + 10 * 365 * 24 * 3600)).toBeDefined();
    }
  });

  it('v1 unsubscribe and preference tokens (emails sent before v2) still verify', () => {
    for (const purpose of ['unsubscribe', 'preferences'] as const) {
      const token = signLink({ purpose, subscriberId: sub, issuedAt: now }, k1);
      expect(verifyLink(token, [k2, k1], purpose, now)?.subscriberId).toBe(sub);
    }
  });

  it('linkUrl signs unsubscribe and preference links as v2, confirmation links as v1', () => {
    const tokenOf = (url: string) => url.split('/').pop()!;
    const version = (url: string) =>
      Buffer.from(tokenOf(url).split('.')[0]!, 'base64url').toString().slice(0, 2);
    const u = linkUrl('https://d.test', 'unsubscribe', sub, [k1], now);
    const c = linkUrl('https://d.test', 'confirm', sub, [k1], now);
    expect(version(u)).toBe('v2');
    expect(version(c)).toBe('v1');
    expect(u).toBe(subscriberLinks('https://d.test', sub, [k1], now).unsubscribe);
    expect(verifyLink(tokenOf(c), [k1], 'confirm', now)?.subscriberId).toBe(sub);
  });

  it('refuses to sign an id that could break the payload', () => {
    expect(() => signLinkPair('a|b', now, k1)).toThrow();
    expect(() => signLink({ purpose: 'confirm', subscriberId: 'a|b', issuedAt: now }, k1)).toThrow();
  });
});

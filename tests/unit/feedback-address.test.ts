import { describe, expect, it } from 'vitest';
import {
  base32,
  feedbackAddresses,
  feedbackLoopAddress,
  fromBase32,
  parseDigestMessageId,
  verifyFeedbackAddress,
} from '../../src/feedback/feedback-address.ts';

const k1 = { id: 'k1', secret: 'old-secret-0123456789abcdef' };
const k2 = { id: 'k2', secret: 'new-secret-0123456789abcdef' };
const sub = 'AbCdEfGhIjKlMn_-';
const domain = 'bounces.example.com';

/** Changes the character at `i` of the local part to another base32 character. */
const flip = (address: string, i: number) =>
  address.slice(0, i) + (address[i] === 'a' ? 'b' : 'a') + address.slice(i + 1);

describe('feedback addresses', () => {
  it('are deterministic, short, lower case, and name edition and subscriber', () => {
    const a = feedbackAddresses('2026-W47', sub, k2, domain);
    expect(feedbackAddresses('2026-W47', sub, k2, domain)).toEqual(a);
    expect(a.bounce).toMatch(/^b-2026w47-[a-z2-7]{20}-[a-z2-7]{16}@bounces\.example\.com$/);
    expect(a.unsubscribe).toMatch(/^u-2026w47-[a-z2-7]{20}-[a-z2-7]{16}@bounces\.example\.com$/);
    expect(a.bounce.split('@')[0]!.length).toBeLessThanOrEqual(64);
    expect(verifyFeedbackAddress(a.bounce, [k2, k1], domain)).toEqual({
      kind: 'bounce',
      editionId: '2026-W47',
      subscriberId: sub,
    });
    expect(verifyFeedbackAddress(a.unsubscribe, [k2], domain)).toEqual({
      kind: 'unsubscribe',
      editionId: '2026-W47',
      subscriberId: sub,
    });
  });

  it('survive a mail system that upper-cases the address', () => {
    const a = feedbackAddresses('2026-W01', sub, k1, domain);
    expect(verifyFeedbackAddress(a.bounce.toUpperCase(), [k1], domain)).toMatchObject({ kind: 'bounce' });
  });

  it('keep working with an older key that is still configured, and stop once it is removed', () => {
    const a = feedbackAddresses('2026-W47', sub, k1, domain);
    expect(verifyFeedbackAddress(a.bounce, [k2, k1], domain)).toMatchObject({ subscriberId: sub });
    expect(verifyFeedbackAddress(a.bounce, [k2], domain)).toBeUndefined();
  });

  it('refuse any changed character, truncation, other kind or other domain', () => {
    const a = feedbackAddresses('2026-W47', sub, k1, domain);
    const local = a.bounce.indexOf('@');
    for (let i = 2; i < local; i++) {
      if (a.bounce[i] === '-') continue;
      expect(verifyFeedbackAddress(flip(a.bounce, i), [k1], domain), `position ${i}`).toBeUndefined();
    }
    expect(verifyFeedbackAddress(a.bounce.replace(/.@/, '@'), [k1], domain)).toBeUndefined();
    expect(verifyFeedbackAddress(`u${a.bounce.slice(1)}`, [k1], domain)).toBeUndefined();
    expect(verifyFeedbackAddress(a.bounce.replace(domain, 'example.net'), [k1], domain)).toBeUndefined();
    expect(verifyFeedbackAddress(`postmaster@${domain}`, [k1], domain)).toBeUndefined();
    expect(verifyFeedbackAddress('', [k1], domain)).toBeUndefined();
    expect(verifyFeedbackAddress(`${'b'.repeat(300)}@${domain}`, [k1], domain)).toBeUndefined();
  });

  it('cannot be forged for another subscriber or edition by moving parts between addresses', () => {
    const a = feedbackAddresses('2026-W47', sub, k1, domain);
    const b = feedbackAddresses('2026-W48', 'ZZZZZZZZZZZZZZZZ', k1, domain);
    const [, ed, , tag] = a.bounce.split('@')[0]!.split('-');
    const [, , sidB] = b.bounce.split('@')[0]!.split('-');
    expect(verifyFeedbackAddress(`b-${ed}-${sidB}-${tag}@${domain}`, [k1], domain)).toBeUndefined();
  });

  it('have one fixed feedback-loop address per key', () => {
    const loop = feedbackLoopAddress(k1, domain);
    expect(loop).toMatch(/^f-[a-z2-7]{16}@bounces\.example\.com$/);
    expect(verifyFeedbackAddress(loop, [k2, k1], domain)).toEqual({ kind: 'loop' });
    expect(verifyFeedbackAddress(loop, [k2], domain)).toBeUndefined();
    expect(verifyFeedbackAddress(flip(loop, 3), [k1], domain)).toBeUndefined();
  });

  it('base32 has exactly one spelling per byte string', () => {
    const bytes = Buffer.from('AbCdEfGhIjKlMn_-', 'base64url');
    const text = base32(bytes);
    expect(fromBase32(text, 12)).toEqual(bytes);
    // The last character carries 4 padding bits, which must be zero.
    const last = text.at(-1)!;
    const other = 'abcdefghijklmnopqrstuvwxyz234567'['abcdefghijklmnopqrstuvwxyz234567'.indexOf(last) ^ 1]!;
    expect(fromBase32(text.slice(0, -1) + other, 12)).toBeUndefined();
    expect(fromBase32(text.slice(0, -1), 12)).toBeUndefined();
    expect(fromBase32(`${text}a`, 12)).toBeUndefined();
  });

  it('reads a digest Message-ID', () => {
    expect(parseDigestMessageId(`<2026-W47.${sub}@example.com>`)).toEqual({
      editionId: '2026-W47',
      subscriberId: sub,
    });
    expect(parseDigestMessageId('<abc@example.com>')).toBeUndefined();
  });
});

import calculateSlot from 'cluster-key-slot';
import { describe, expect, it } from 'vitest';
import { articleKeys, editionKeys, sourceKeys } from '../../src/redis/key-layout.ts';

describe('key layout', () => {
  it('puts every key of an edition in the edition’s slot', () => {
    const k = editionKeys('nd', '2026-W47');
    const slots = new Set(Object.values(k).map((key) => calculateSlot(key)));
    expect(slots.size).toBe(1);
    expect(k.ledger).toBe('nd:{ed:2026-W47}:ledger');
  });

  it('names the stores’ keys under the prefix', () => {
    expect(articleKeys('nd').doc('a1')).toBe('nd:article:a1');
    expect(sourceKeys('nd').index).toBe('nd:sources');
  });
});

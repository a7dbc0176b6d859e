import { describe, expect, it } from 'vitest';
import { variantKey } from '../../src/render/variant-key.ts';

describe('variantKey', () => {
  it('is "all" for no topics, with its locale', () => {
    expect(variantKey([], 'en')).toBe('all@en');
  });
  it('ignores order and duplicates', () => {
    expect(variantKey(['lunar', 'launch'], 'de')).toBe('launch+lunar@de');
    expect(variantKey(['launch', 'lunar', 'launch'], 'de')).toBe('launch+lunar@de');
    expect(variantKey(['lunar'], 'de')).not.toBe(variantKey(['lunar', 'launch'], 'de'));
  });
  it('tells languages apart: one compile per (topics, locale)', () => {
    expect(variantKey(['lunar'], 'de')).not.toBe(variantKey(['lunar'], 'fr'));
    expect(variantKey([], 'pt-BR')).toBe('all@pt-BR');
  });
});

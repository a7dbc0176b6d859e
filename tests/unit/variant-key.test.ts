import { describe, expect, it } from 'vitest';
import { variantKey } from '../../src/render/variant-key.ts';

describe('variantKey', () => {
  it('is "all" for no topics', () => {
    expect(variantKey([])).toBe('all');
  });
  it('ignores order and duplicates', () => {
    expect(variantKey(['lunar', 'launch'])).toBe('launch+lunar');
    expect(variantKey(['launch', 'lunar', 'launch'])).toBe('launch+lunar');
    expect(variantKey(['lunar'])).not.toBe(variantKey(['lunar', 'launch']));
  });
});

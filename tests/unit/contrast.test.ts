import { describe, expect, it } from 'vitest';
import { AA_TEXT, contrastRatio, linkColour, masthead } from '../../src/render/contrast.ts';
import { PALETTE } from '../../src/render/digest-model.ts';

describe('contrast', () => {
  it('computes the WCAG ratio', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
  });

  it('every text colour of the palette passes AA on the background it is used on', () => {
    expect(contrastRatio(PALETTE.text, PALETTE.card)).toBeGreaterThanOrEqual(AA_TEXT);
    expect(contrastRatio(PALETTE.muted, PALETTE.card)).toBeGreaterThanOrEqual(AA_TEXT);
    expect(contrastRatio(PALETTE.muted, PALETTE.background)).toBeGreaterThanOrEqual(AA_TEXT);
    expect(contrastRatio(PALETTE.text, PALETTE.background)).toBeGreaterThanOrEqual(AA_TEXT);
  });

  it.each(['#1d3557', '#ffcc00', '#e63946', '#f1faee', '#000000', '#ffffff', '#777777'])(
    'any brand colour (%s) gets readable masthead text and AA links',
    (brand) => {
      const m = masthead(brand);
      expect(contrastRatio(m.text, m.background)).toBeGreaterThanOrEqual(AA_TEXT);
      expect(contrastRatio(linkColour(brand, PALETTE.card), PALETTE.card)).toBeGreaterThanOrEqual(AA_TEXT);
    },
  );

  it('keeps the brand colour itself when it already reads well', () => {
    expect(masthead('#1d3557')).toEqual({ background: '#1d3557', text: '#ffffff' });
    expect(masthead('#ffcc00')).toEqual({ background: '#ffcc00', text: '#111827' });
  });
});

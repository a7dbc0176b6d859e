/**
 * WCAG 2.x contrast (pure), used to derive text and link colours from the publication's brand colour
 * so that any brand colour still yields AA contrast (4.5:1 for body text).
 */
export function relativeLuminance(hex: string): number {
  const channels = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16) / 255);
  const [r, g, b] = channels.map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)) as [
    number,
    number,
    number,
  ];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

export const AA_TEXT = 4.5;

/** White or near-black, whichever reads better on `background`. */
export function textOn(background: string): string {
  return contrastRatio('#ffffff', background) >= contrastRatio('#111827', background) ? '#ffffff' : '#111827';
}

/**
 * The masthead: the brand colour with white or near-black text when one of them passes AA; a mid
 * tone where neither does (#e63946, #777777) is darkened step by step until white text passes.
 */
export function masthead(brand: string): { background: string; text: string } {
  const text = textOn(brand);
  if (contrastRatio(text, brand) >= AA_TEXT) return { background: brand, text };
  let background = brand;
  for (let k = 0.9; contrastRatio('#ffffff', background) < AA_TEXT && k > 0; k -= 0.1) {
    background = scale(brand, k);
  }
  return { background, text: '#ffffff' };
}

function scale(hex: string, k: number): string {
  const channel = (i: number) =>
    Math.round(Number.parseInt(hex.slice(i, i + 2), 16) * k)
      .toString(16)
      .padStart(2, '0');
  return `#${channel(1)}${channel(3)}${channel(5)}`;
}

/** The brand colour for links on `background` when it passes AA, else a dark blue that does. */
export function linkColour(brand: string, background: string): string {
  return contrastRatio(brand, background) >= AA_TEXT ? brand : '#1d4ed8';
}

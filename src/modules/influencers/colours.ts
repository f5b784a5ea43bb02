/**
 * The named colours this module speaks in (photo analysis, wardrobe colours):
 * an RGB value is named by the nearest colour of a fixed palette.
 */

export type Rgb = [number, number, number];

/** Named colours the analysis speaks in (nearest by weighted RGB distance). */
const NAMED: { name: string; rgb: Rgb; neutral?: boolean }[] = [
  { name: 'black', rgb: [20, 20, 20], neutral: true },
  { name: 'charcoal', rgb: [64, 64, 64], neutral: true },
  { name: 'grey', rgb: [128, 128, 128], neutral: true },
  { name: 'silver', rgb: [192, 192, 192], neutral: true },
  { name: 'white', rgb: [245, 245, 245], neutral: true },
  { name: 'cream', rgb: [240, 228, 200], neutral: true },
  { name: 'beige', rgb: [205, 180, 145], neutral: true },
  { name: 'brown', rgb: [120, 75, 40] },
  { name: 'red', rgb: [200, 30, 40] },
  { name: 'burgundy', rgb: [110, 20, 40] },
  { name: 'orange', rgb: [240, 130, 30] },
  { name: 'yellow', rgb: [240, 215, 50] },
  { name: 'olive', rgb: [110, 115, 40] },
  { name: 'green', rgb: [50, 150, 60] },
  { name: 'teal', rgb: [20, 128, 128] },
  { name: 'sky blue', rgb: [120, 180, 230] },
  { name: 'blue', rgb: [40, 80, 200] },
  { name: 'navy', rgb: [20, 30, 90] },
  { name: 'purple', rgb: [120, 50, 150] },
  { name: 'lavender', rgb: [190, 160, 220] },
  { name: 'pink', rgb: [240, 150, 180] },
];

export function colourName(rgb: Rgb): string {
  let best = NAMED[0]!;
  let bestD = Infinity;
  for (const c of NAMED) {
    const rm = (rgb[0] + c.rgb[0]) / 2;
    const dr = rgb[0] - c.rgb[0];
    const dg = rgb[1] - c.rgb[1];
    const db = rgb[2] - c.rgb[2];
    // "redmean" weighting: closer to perceived distance than plain RGB.
    const d = (2 + rm / 256) * dr * dr + 4 * dg * dg + (2 + (255 - rm) / 256) * db * db;
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best.name;
}

export const isNeutral = (name: string) => NAMED.find((c) => c.name === name)?.neutral === true;

export function hexToRgb(hex: string): Rgb {
  const n = parseInt(hex.replace('#', ''), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/**
 * Reading photos of a character (POST /api/v1/characters/analyze-photos).
 *
 * With OpenAI, a vision model looks at the photos and answers JSON. Offline,
 * the embedded analysis derives what the pixels themselves say: PNG (pngjs)
 * and JPEG (jpeg-js) are decoded; other formats (WebP, GIF, …) cannot be read
 * offline and are listed as unreadable (415 when none is readable). From each
 * photo: orientation and aspect ratio, brightness and contrast (mean and
 * spread of luma), saturation, warm/cool cast (red against blue), dominant
 * colours named from a fixed palette, and the colour of the lower centre
 * (where clothing usually is in a portrait). These become a base prompt and
 * wardrobe colour suggestions, deterministically: the same photos always give
 * the same answer.
 */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { z } from 'zod';
import { ProviderError } from '../../infra/ai/openai.js';
import type { OpenAiText } from '../../infra/ai/text.js';
import { UnsupportedMediaError } from '../../infra/blobs.js';
import { colourName, isNeutral } from './colours.js';
import type { WardrobeItem } from './inputs.js';

export interface Photo {
  bytes: Buffer;
  contentType: string;
}

export interface PhotoAnalysis {
  basePrompt: string;
  wardrobe: WardrobeItem[];
  attributes: Record<string, unknown>;
  provider: 'openai' | 'embedded';
  model: string;
}

export const EMBEDDED_ANALYSIS_MODEL = 'embedded-pixel-analysis-v1';

interface Decoded {
  width: number;
  height: number;
  data: Uint8Array; // RGBA
}

function decode(photo: Photo): Decoded | null {
  try {
    if (photo.contentType === 'image/png') {
      const png = PNG.sync.read(photo.bytes);
      return { width: png.width, height: png.height, data: png.data };
    }
    if (photo.contentType === 'image/jpeg') {
      const img = jpeg.decode(photo.bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 50, maxMemoryUsageInMB: 256 });
      return { width: img.width, height: img.height, data: img.data };
    }
  } catch {
    return null;
  }
  return null;
}

export interface PhotoStats {
  width: number;
  height: number;
  orientation: 'portrait' | 'landscape' | 'square';
  aspectRatio: number;
  /** Mean luma 0–255 and its label. */
  brightness: number;
  lighting: 'dark' | 'dim' | 'balanced' | 'bright';
  /** Standard deviation of luma and its label. */
  contrastValue: number;
  contrast: 'low' | 'medium' | 'high';
  saturation: number;
  palette: 'muted' | 'moderate' | 'vivid';
  /** Mean red minus mean blue. */
  castValue: number;
  cast: 'warm' | 'cool' | 'neutral';
  /** Named colours with their share of the photo (0–1), largest first. */
  dominantColours: { name: string; share: number }[];
  /** The dominant colour of the lower centre. */
  centreLowerColour: string;
}

const round = (n: number, places = 2) => Math.round(n * 10 ** places) / 10 ** places;

export function photoStats(img: Decoded): PhotoStats {
  const { width, height, data } = img;
  const step = Math.max(1, Math.floor(Math.sqrt((width * height) / 40_000)));
  let n = 0;
  let sumL = 0;
  let sumL2 = 0;
  let sumR = 0;
  let sumB = 0;
  let sumS = 0;
  const counts = new Map<string, number>();
  const lower = new Map<string, number>();
  for (let y = 0; y < height; y += step) {
    for (let x = 0; x < width; x += step) {
      const o = (y * width + x) * 4;
      const r = data[o]!;
      const g = data[o + 1]!;
      const b = data[o + 2]!;
      const l = 0.2126 * r + 0.7152 * g + 0.0722 * b;
      n++;
      sumL += l;
      sumL2 += l * l;
      sumR += r;
      sumB += b;
      const max = Math.max(r, g, b);
      sumS += max ? (max - Math.min(r, g, b)) / max : 0;
      const name = colourName([r, g, b]);
      counts.set(name, (counts.get(name) ?? 0) + 1);
      if (x >= width / 4 && x < (3 * width) / 4 && y >= 0.6 * height && y < 0.95 * height) lower.set(name, (lower.get(name) ?? 0) + 1);
    }
  }
  const mean = sumL / n;
  const sd = Math.sqrt(Math.max(0, sumL2 / n - mean * mean));
  const sat = sumS / n;
  const cast = (sumR - sumB) / n;
  const ratio = width / height;
  const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const lowerTop = [...lower.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? sorted[0]![0];
  return {
    width,
    height,
    orientation: ratio > 1.1 ? 'landscape' : ratio < 0.9 ? 'portrait' : 'square',
    aspectRatio: round(ratio),
    brightness: Math.round(mean),
    lighting: mean < 70 ? 'dark' : mean < 110 ? 'dim' : mean < 175 ? 'balanced' : 'bright',
    contrastValue: Math.round(sd),
    contrast: sd < 35 ? 'low' : sd < 65 ? 'medium' : 'high',
    saturation: round(sat),
    palette: sat < 0.2 ? 'muted' : sat < 0.5 ? 'moderate' : 'vivid',
    castValue: Math.round(cast),
    cast: cast > 15 ? 'warm' : cast < -15 ? 'cool' : 'neutral',
    dominantColours: sorted
      .map(([name, c]) => ({ name, share: round(c / n) }))
      .filter((c) => c.share >= 0.05)
      .slice(0, 4),
    centreLowerColour: lowerTop,
  };
}

const LIGHTING_WORDS = { dark: 'low, moody', dim: 'soft, dim', balanced: 'even, natural', bright: 'bright, airy' } as const;
const CAST_WORDS = { warm: 'a warm colour cast', cool: 'a cool colour cast', neutral: 'neutral white balance' } as const;

const list = (xs: string[]) => (xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}`);
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Majority label across photos (ties: the first photo's). */
function majority<T extends string>(values: T[]): T {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || values.indexOf(a[0]) - values.indexOf(b[0]))[0]![0];
}

/** The embedded analysis of decodable photos; 415 when none can be read offline. */
export function analyzeEmbedded(photos: Photo[]): PhotoAnalysis {
  const readable: { index: number; stats: PhotoStats }[] = [];
  const unreadable: { index: number; contentType: string }[] = [];
  photos.forEach((p, index) => {
    const img = decode(p);
    if (img && img.width > 0 && img.height > 0) readable.push({ index, stats: photoStats(img) });
    else unreadable.push({ index, contentType: p.contentType });
  });
  if (!readable.length) {
    const types = [...new Set(unreadable.map((u) => u.contentType))].join(', ');
    throw new UnsupportedMediaError(
      `the embedded provider reads PNG and JPEG photos only; ${types} cannot be analysed offline (send PNG or JPEG, or configure OPENAI_API_KEY for a vision model)`,
      'files',
    );
  }
  const stats = readable.map((r) => r.stats);
  // Colours: each photo's shares averaged, so every photo counts the same.
  const shares = new Map<string, number>();
  for (const s of stats) for (const c of s.dominantColours) shares.set(c.name, (shares.get(c.name) ?? 0) + c.share / stats.length);
  const dominant = [...shares.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([name, share]) => ({ name, share: round(share) }));
  const names = dominant.slice(0, 3).map((c) => c.name);
  const lighting = majority(stats.map((s) => s.lighting));
  const contrast = majority(stats.map((s) => s.contrast));
  const cast = majority(stats.map((s) => s.cast));
  const palette = majority(stats.map((s) => s.palette));
  const orientation = majority(stats.map((s) => s.orientation));
  const outfit = majority(stats.map((s) => s.centreLowerColour));
  const accents = dominant.map((c) => c.name).filter((c) => !isNeutral(c) && c !== outfit);
  const neutrals = dominant.map((c) => c.name).filter((c) => isNeutral(c) && c !== outfit);

  const basePrompt = [
    `A character photographed in ${LIGHTING_WORDS[lighting]} light with ${contrast} contrast and ${CAST_WORDS[cast]}`,
    `a ${palette} palette dominated by ${list(names)}`,
    `wearing ${outfit} clothing`,
    `${orientation} framing`,
  ].join(', ') + '.';

  const wardrobe: WardrobeItem[] = [
    { name: `${cap(outfit)} top`, description: `The ${outfit} seen on the character in the photos.`, category: 'top', colour: outfit },
    {
      name: `${cap(accents[0] ?? neutrals[0] ?? 'black')} ${cast === 'warm' ? 'knit cardigan' : cast === 'cool' ? 'denim jacket' : 'blazer'}`,
      description: `A layer in ${accents[0] ?? neutrals[0] ?? 'black'}, matching the ${cast === 'neutral' ? 'neutral' : cast} tones of the photos.`,
      category: 'outerwear',
      colour: accents[0] ?? neutrals[0] ?? 'black',
    },
    {
      name: `${cap(neutrals[0] ?? 'black')} ${contrast === 'high' ? 'tailored trousers' : 'relaxed trousers'}`,
      description: `A ${neutrals[0] ?? 'black'} base that keeps the ${palette} palette.`,
      category: 'bottom',
      colour: neutrals[0] ?? 'black',
    },
    {
      name: `${cap(accents[1] ?? accents[0] ?? outfit)} ${lighting === 'bright' || lighting === 'balanced' ? 'scarf' : 'beanie'}`,
      description: 'An accent in one of the photos’ colours.',
      category: 'accessory',
      colour: accents[1] ?? accents[0] ?? outfit,
    },
  ];

  return {
    basePrompt,
    wardrobe,
    attributes: {
      photos: readable.length,
      orientation,
      lighting,
      contrast,
      cast,
      palette,
      dominantColours: dominant.slice(0, 5),
      outfitColour: outfit,
      perPhoto: readable.map((r) => ({ index: r.index, ...r.stats })),
      unreadable,
    },
    provider: 'embedded',
    model: EMBEDDED_ANALYSIS_MODEL,
  };
}

const VisionAnswer = z.object({
  basePrompt: z.string().trim().min(1).max(4000),
  wardrobe: z
    .array(
      z.object({
        name: z.string().trim().min(1).max(200),
        description: z.string().max(1000).nullish(),
        category: z.string().max(100).nullish(),
        colour: z.string().max(100).nullish(),
      }),
    )
    .max(50)
    .default([]),
  attributes: z.record(z.string(), z.unknown()).default({}),
});

const SYSTEM = [
  'You analyse photos of one person so an AI influencer can be generated to look like them.',
  'Answer a JSON object: {"basePrompt": string (one paragraph describing the person’s look for an image model: age range, hair, face, build, style; no names),',
  '"wardrobe": [{"name", "description", "category" (top|bottom|outerwear|dress|shoes|accessory), "colour"}] (the clothing seen, 2–8 items),',
  '"attributes": {"hair", "eyes", "skinTone", "ageRange", "style", "lighting", "dominantColours": [string]}}.',
].join(' ');

export async function analyzeWithOpenAi(backend: OpenAiText, photos: Photo[], signal?: AbortSignal): Promise<PhotoAnalysis> {
  const res = await backend.complete({
    system: SYSTEM,
    prompt: `Analyse these ${photos.length} photo(s) of the same person.`,
    images: photos,
    json: true,
    maxTokens: 1200,
    signal,
  });
  const parsed = VisionAnswer.safeParse(JSON.parse(res.text));
  if (!parsed.success) throw new ProviderError('The LLM provider returned an analysis in an unexpected shape');
  return { ...parsed.data, provider: 'openai', model: res.model };
}

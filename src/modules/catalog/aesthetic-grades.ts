/**
 * The catalog of the 10 aesthetic grade presets (GET /api/v1/config/aesthetic-grades).
 * An influencer or a batch names one by id; image prompts get its `promptSuffix`
 * appended and its `avoid` list as what to keep out, and the embedded provider
 * tints its images with `palette`.
 */
export interface AestheticGrade {
  id: string;
  name: string;
  description: string;
  /** Appended to every image prompt made with this grade. */
  promptSuffix: string;
  /** Kept out of images made with this grade (sent as "avoid: …"). */
  avoid: string[];
  /** Dominant colours, hex, used by the embedded image provider. */
  palette: string[];
}

export const AESTHETIC_GRADES: readonly AestheticGrade[] = [
  { id: 'natural', name: 'Natural', description: 'True-to-life colour, soft daylight, no visible grading.', promptSuffix: 'natural daylight, true-to-life colours, soft shadows, unretouched skin texture', avoid: ['heavy filters', 'oversaturation'], palette: ['#d9c8b4', '#8a9a7b', '#f2efe9'] },
  { id: 'golden-hour', name: 'Golden hour', description: 'Warm low sun, long shadows, glowing highlights.', promptSuffix: 'golden hour sunlight, warm amber tones, long soft shadows, glowing rim light', avoid: ['cold blue cast', 'flat midday light'], palette: ['#f4a259', '#f6d6a8', '#8c5a3c'] },
  { id: 'film-35mm', name: '35mm film', description: 'Analog film look: grain, gentle halation, muted greens.', promptSuffix: 'shot on 35mm film, fine grain, gentle halation, muted greens, slightly lifted blacks', avoid: ['digital sharpness', 'HDR look'], palette: ['#c9b79c', '#6b7f6a', '#3d3a36'] },
  { id: 'editorial', name: 'Editorial', description: 'Magazine polish: studio light, crisp detail, confident framing.', promptSuffix: 'high-end editorial photography, studio lighting, crisp detail, magazine composition', avoid: ['snapshot framing', 'cluttered background'], palette: ['#1f1f1f', '#e8e4dd', '#b23a48'] },
  { id: 'moody-noir', name: 'Moody noir', description: 'Deep shadows, low key, desaturated with a single accent.', promptSuffix: 'low-key lighting, deep shadows, desaturated palette with one accent colour, cinematic mood', avoid: ['bright even lighting', 'pastel tones'], palette: ['#121212', '#3a3f44', '#a23b2a'] },
  { id: 'pastel-dream', name: 'Pastel dream', description: 'Airy pastels, high key, soft focus.', promptSuffix: 'airy pastel palette, high-key lighting, soft focus, dreamy atmosphere', avoid: ['harsh contrast', 'dark tones'], palette: ['#f7c6d9', '#c6e2f7', '#fdf1c7'] },
  { id: 'vibrant-pop', name: 'Vibrant pop', description: 'Saturated colour blocks, punchy contrast, playful.', promptSuffix: 'saturated colour blocking, punchy contrast, bold playful composition, clean background', avoid: ['muted colours', 'grain'], palette: ['#ff3d7f', '#ffd23f', '#3bceac'] },
  { id: 'cinematic-teal-orange', name: 'Cinematic teal & orange', description: 'Blockbuster grade: teal shadows, warm skin.', promptSuffix: 'cinematic colour grade, teal shadows and orange highlights, anamorphic feel, shallow depth of field', avoid: ['flat colour', 'green cast'], palette: ['#0f4c5c', '#e36414', '#fb8b24'] },
  { id: 'minimal-mono', name: 'Minimal monochrome', description: 'Black and white, clean lines, lots of negative space.', promptSuffix: 'black and white photography, minimalist composition, clean lines, generous negative space', avoid: ['colour', 'busy background'], palette: ['#000000', '#7f7f7f', '#ffffff'] },
  { id: 'retro-90s', name: 'Retro 90s', description: 'Disposable-camera flash, bold 90s colour, candid.', promptSuffix: '1990s disposable camera look, direct flash, bold retro colours, candid moment, date-stamp vibe', avoid: ['modern smartphone look', 'studio polish'], palette: ['#2b59c3', '#f25f5c', '#ffe066'] },
];

export function findGrade(id: string | null | undefined): AestheticGrade | null {
  return id ? (AESTHETIC_GRADES.find((g) => g.id === id) ?? null) : null;
}

/**
 * The embedded provider: offline and deterministic. For images it draws a
 * stylised portrait whose palette, face shape and features derive from a hash
 * of the prompt, so the same persona always gets the same picture, and it says
 * in the metadata that it is the embedded provider.
 */
import { createHash } from 'node:crypto';
import { PNG } from 'pngjs';
import type { AiProvider, GeneratedImage, ImageRequest } from './provider.js';

const SIZE = 256;
export const EMBEDDED_IMAGE_MODEL = 'embedded-portrait-v1';

type Rgb = [number, number, number];

function hsl(h: number, s: number, l: number): Rgb {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

export function drawPortrait(seed: Buffer): Buffer {
  const png = new PNG({ width: SIZE, height: SIZE });
  const byte = (i: number) => seed[i % seed.length]!;
  const hue = (byte(0) / 255) * 360;
  const bgTop = hsl(hue, 0.55, 0.78);
  const bgBottom = hsl((hue + 40) % 360, 0.5, 0.55);
  const skin = hsl(15 + (byte(1) / 255) * 25, 0.45, 0.35 + (byte(2) / 255) * 0.45);
  const hair = hsl((byte(3) / 255) * 360, 0.35, 0.12 + (byte(4) / 255) * 0.5);
  const shirt = hsl((hue + 180) % 360, 0.6, 0.45);
  const eye: Rgb = [30, 30, 40];
  const faceRx = 48 + (byte(5) % 16);
  const faceRy = 60 + (byte(6) % 14);
  const hairLen = byte(7) % 3; // 0 short, 1 medium, 2 long
  const smile = (byte(8) % 5) - 1;
  const cx = SIZE / 2;
  const cy = 104;

  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const t = y / SIZE;
      let c: Rgb = [0, 1, 2].map((i) => Math.round(bgTop[i]! * (1 - t) + bgBottom[i]! * t)) as Rgb;
      const dx = x - cx;
      // shoulders
      const sy = y - 250;
      if ((dx * dx) / (95 * 95) + (sy * sy) / (80 * 80) <= 1) c = shirt;
      // long hair behind the head
      const hy = y - cy;
      if (hairLen === 2 && Math.abs(dx) < faceRx + 14 && y > cy - 30 && y < cy + faceRy + 30) c = hair;
      // neck
      if (Math.abs(dx) < 18 && y > cy + faceRy - 12 && y < 200) c = skin;
      // hair cap
      const capRy = faceRy + 6 + hairLen * 4;
      if ((dx * dx) / ((faceRx + 8) ** 2) + ((hy + 10) ** 2) / capRy ** 2 <= 1 && y < cy) c = hair;
      // face
      if ((dx * dx) / faceRx ** 2 + (hy * hy) / faceRy ** 2 <= 1 && !(y < cy - faceRy * 0.45)) c = skin;
      // eyes
      for (const ex of [-faceRx * 0.4, faceRx * 0.4]) {
        if ((x - cx - ex) ** 2 + (y - cy + 6) ** 2 <= 25) c = eye;
      }
      // mouth: a curve whose bend comes from the seed
      const my = cy + faceRy * 0.5 - (smile * (dx * dx)) / 400;
      if (Math.abs(dx) < faceRx * 0.35 && Math.abs(y - my) < 2) c = [120, 40, 50];
      const o = (y * SIZE + x) * 4;
      png.data[o] = c[0];
      png.data[o + 1] = c[1];
      png.data[o + 2] = c[2];
      png.data[o + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

export class EmbeddedProvider implements AiProvider {
  readonly name = 'embedded' as const;

  async generateImage(req: ImageRequest): Promise<GeneratedImage> {
    const seed = createHash('sha256').update(req.prompt).digest();
    return {
      bytes: drawPortrait(seed),
      contentType: 'image/png',
      metadata: {
        provider: 'embedded',
        model: EMBEDDED_IMAGE_MODEL,
        seed: seed.toString('hex').slice(0, 16),
        note: 'Drawn offline by personagraph’s embedded provider; configure an OpenAI provider for generated portraits.',
        styleReferences: req.styleReferences?.length ?? 0,
      },
    };
  }
}

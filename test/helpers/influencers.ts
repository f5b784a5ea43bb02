/**
 * Fixtures for the influencers tests: images (PNG, JPEG, GIF) and WAV audio
 * made in the test, multipart bodies, and polling helpers.
 */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { TestServer } from './server.js';

export const WAIT_MS = 60_000;

type Rgb = [number, number, number];

/** An image whose upper part is `top` and lower part `bottom` (e.g. background and clothing). */
function pixels(width: number, height: number, top: Rgb, bottom: Rgb, noise = 0): Buffer {
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = y < height * 0.55 ? top : bottom;
      const o = (y * width + x) * 4;
      const n = noise ? ((x * 7 + y * 13) % (2 * noise)) - noise : 0;
      data[o] = Math.max(0, Math.min(255, c[0] + n));
      data[o + 1] = Math.max(0, Math.min(255, c[1] + n));
      data[o + 2] = Math.max(0, Math.min(255, c[2] + n));
      data[o + 3] = 255;
    }
  }
  return data;
}

export function png(top: Rgb, bottom: Rgb = top, width = 48, height = 64): Buffer {
  const img = new PNG({ width, height });
  pixels(width, height, top, bottom).copy(img.data);
  return PNG.sync.write(img);
}

export function jpg(top: Rgb, bottom: Rgb = top, width = 64, height = 48): Buffer {
  return Buffer.from(jpeg.encode({ data: pixels(width, height, top, bottom, 4), width, height }, 90).data);
}

/** A 1×1 GIF (a format the embedded analysis cannot read). */
export function gif(): Buffer {
  return Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');
}

/** A mono 8-bit WAV of `seconds` at `rate` Hz (a tone), small enough for tests. */
export function wav(seconds: number, rate = 1000, tone = 220): Buffer {
  const n = Math.round(seconds * rate);
  const b = Buffer.alloc(44 + n);
  b.write('RIFF', 0, 'latin1');
  b.writeUInt32LE(36 + n, 4);
  b.write('WAVE', 8, 'latin1');
  b.write('fmt ', 12, 'latin1');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20); // PCM
  b.writeUInt16LE(1, 22); // mono
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate, 28); // byte rate
  b.writeUInt16LE(1, 32);
  b.writeUInt16LE(8, 34);
  b.write('data', 36, 'latin1');
  b.writeUInt32LE(n, 40);
  for (let i = 0; i < n; i++) b[44 + i] = 128 + Math.round(100 * Math.sin((2 * Math.PI * tone * i) / rate));
  return b;
}

export interface Part {
  field: string;
  bytes?: Buffer;
  value?: string;
  type?: string;
  filename?: string;
}

/** A multipart/form-data body and its Content-Type, as fetch's FormData makes them. */
export async function multipart(parts: Part[]): Promise<{ rawBody: Buffer; headers: Record<string, string> }> {
  const form = new FormData();
  for (const p of parts) {
    if (p.bytes) form.append(p.field, new Blob([new Uint8Array(p.bytes)], { type: p.type ?? 'application/octet-stream' }), p.filename ?? `${p.field}.bin`);
    else form.append(p.field, p.value ?? '');
  }
  const req = new Request('http://localhost/', { method: 'POST', body: form });
  return { rawBody: Buffer.from(await req.arrayBuffer()), headers: { 'Content-Type': req.headers.get('content-type')! } };
}

export async function poll<T>(what: string, fn: () => Promise<T | null | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what} did not happen`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Polls GET …/reference-pack until the pack has ended. */
export function waitForPack(s: Pick<TestServer, 'request'>, influencerId: string): Promise<any> {
  return poll('the reference pack', async () => {
    const res = await s.request('GET', `/api/v1/influencers/${influencerId}/reference-pack`);
    if (res.status !== 200) throw new Error(`reference-pack: ${res.status} ${res.text}`);
    return res.body.status === 'completed' || res.body.status === 'failed' ? res.body : null;
  });
}

/** Polls GET /api/v1/previews/:id until it has ended. */
export function waitForPreview(s: Pick<TestServer, 'request'>, id: string): Promise<any> {
  return poll('the preview', async () => {
    const res = await s.request('GET', `/api/v1/previews/${id}`);
    if (res.status !== 200) throw new Error(`preview: ${res.status} ${res.text}`);
    return res.body.status === 'completed' || res.body.status === 'failed' ? res.body : null;
  });
}

/**
 * AutoPersonas' config catalogs (features, pricing, aesthetic grades), the
 * media route serving blobs, and the blob store's sniffing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { putBlob, sniffMedia } from '../src/infra/blobs.js';
import { estimate } from '../src/modules/catalog/pricing.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let s: TestServer;

beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s?.close());

function png(width: number, height: number): Buffer {
  const p = new PNG({ width, height });
  p.data.fill(200);
  return PNG.sync.write(p);
}

describe('config catalogs', () => {
  it('GET /api/v1/config/aesthetic-grades lists the 10 presets with what each does to prompts', async () => {
    const res = await s.request('GET', '/api/v1/config/aesthetic-grades');
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(10);
    expect(new Set(res.body.map((g: any) => g.id)).size).toBe(10);
    for (const g of res.body) {
      expect(g.promptSuffix.length).toBeGreaterThan(20);
      expect(g.palette.every((c: string) => /^#[0-9a-f]{6}$/.test(c))).toBe(true);
    }
  });

  it('GET /api/v1/config/pricing is the rate table, priced per provider; estimates use it', async () => {
    const res = await s.request('GET', '/api/v1/config/pricing');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ currency: 'USD', unit: 'micro-dollars' });
    const image = res.body.rates.find((r: any) => r.action === 'image.generate');
    expect(image.priceMicros.openai).toBeGreaterThan(0);
    expect(image.priceMicros.embedded).toBe(0);
    const e = estimate([
      { action: 'image.generate', quantity: 3, provider: 'openai' },
      { action: 'caption.generate', quantity: 3, provider: 'openai' },
    ]);
    const caption = res.body.rates.find((r: any) => r.action === 'caption.generate');
    expect(e.totalMicros).toBe(3 * image.priceMicros.openai + 3 * caption.priceMicros.openai);
    expect(e.total).toBe(e.totalMicros / 1e6);
  });

  it('GET /api/v1/config/features reflects the providers in force', async () => {
    const res = await s.request('GET', '/api/v1/config/features');
    expect(res.status).toBe(200);
    expect(res.body.providers).toEqual({ text: 'embedded', images: 'embedded', video: 'embedded' });
    expect(res.body.embeddedAi).toBe(true);
    const withOpenAi = await startTestServer({ OPENAI_API_KEY: 'sk-test-0000', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' });
    try {
      expect((await withOpenAi.request('GET', '/api/v1/config/features')).body.providers.images).toBe('openai');
    } finally {
      await withOpenAi.close();
    }
    const off = await startTestServer({ EMBEDDED_AI: 'false' });
    try {
      const f = (await off.request('GET', '/api/v1/config/features')).body;
      expect(f.providers.images).toBeNull();
      expect(f.contentGeneration).toBe(false);
    } finally {
      await off.close();
    }
  });

  it('needs character:read', async () => {
    const { key } = await s.createKey(['content:read']);
    for (const p of ['/api/v1/config/features', '/api/v1/config/pricing', '/api/v1/config/aesthetic-grades']) {
      const res = await s.request('GET', p, { key });
      expect(res.status).toBe(403);
      expect(res.body.error).toMatchObject({ type: 'authorization_error' });
      expect(res.body.error.message).toContain('character:read');
    }
  });
});

describe('media', () => {
  it('serves a team’s blob with its sniffed type, an ETag, and 304 on revalidation; other teams get 404', async () => {
    const me = await s.request('GET', '/api/v1/me');
    const bytes = png(4, 3);
    const sniffed = await sniffMedia(bytes, ['image'], 'image/png');
    const blob = await putBlob(s.app.deps.prisma, { teamId: me.body.team.id, bytes, kind: sniffed.kind, contentType: sniffed.contentType });
    const res = await fetch(`${s.url}/api/v1/media/${blob.id}`, { headers: { Authorization: `Bearer ${s.adminKey}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    const etag = res.headers.get('etag')!;
    const again = await fetch(`${s.url}/api/v1/media/${blob.id}`, { headers: { Authorization: `Bearer ${s.adminKey}`, 'If-None-Match': etag } });
    expect(again.status).toBe(304);

    const other = await s.createTeam('media outsiders');
    expect((await s.request('GET', `/api/v1/media/${blob.id}`, { key: other.key })).status).toBe(404);
    expect((await s.request('GET', '/api/v1/media/00000000-0000-4000-8000-000000000000.png')).status).toBe(404);
    const noScope = await s.createKey(['profile:read']);
    expect((await s.request('GET', `/api/v1/media/${blob.id}`, { key: noScope.key })).status).toBe(403);
    const contentReader = await s.createKey(['content:read']);
    expect((await s.request('GET', `/api/v1/media/${blob.id}`, { key: contentReader.key })).status).toBe(200);
  });

  it('sniffs content rather than trusting labels', async () => {
    await expect(sniffMedia(Buffer.from('just text'), ['image'], 'image/png')).rejects.toMatchObject({ httpStatus: 415 });
    await expect(sniffMedia(png(2, 2), ['audio'], 'audio/mpeg')).rejects.toMatchObject({ httpStatus: 415 });
    // labelled as audio, bytes are an image, and images are allowed: still refused as mislabelled
    await expect(sniffMedia(png(2, 2), ['image', 'audio'], 'audio/wav')).rejects.toMatchObject({ httpStatus: 415, message: expect.stringContaining('labelled audio/wav') });
    // a JPEG labelled image/png is the same kind: stored as what it is
    await expect(sniffMedia(png(2, 2), ['image'], 'image/jpeg')).resolves.toMatchObject({ kind: 'image', contentType: 'image/png' });
    await expect(sniffMedia(Buffer.alloc(0), ['image'])).rejects.toMatchObject({ httpStatus: 415 });
  });
});

/**
 * POST /api/v1/characters/analyze-photos: 1–10 uploaded photos → base prompt,
 * wardrobe and attributes, to start a character from. Nothing is stored but
 * the cost record. The analysers themselves are in photo-analysis.ts.
 */
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { ValidationError } from '../../errors.js';
import { sniffMedia, UnsupportedMediaError } from '../../infra/blobs.js';
import type { Uploads } from '../../infra/uploads.js';
import { estimate, recordCosts } from '../catalog/service.js';
import type { Billable } from './costs.js';
import { analyzeEmbedded, analyzeWithOpenAi, type PhotoAnalysis } from './photo-analysis.js';

export const MAX_ANALYZE_PHOTOS = 10;

/** 1–10 uploaded photos → base prompt, wardrobe and attributes. Nothing is stored but the cost record. */
export async function analyzePhotos(ctx: ServiceContext, read: () => Promise<Uploads>, opts: { dryRun?: boolean } = {}): Promise<Billable<PhotoAnalysis>> {
  requireScope(ctx, 'character:write');
  const body = await read();
  if (body.json !== undefined) throw new UnsupportedMediaError('send the photos as multipart/form-data (files) or one raw image body', 'files');
  const dryRun = opts.dryRun || body.fields.dryRun === 'true';
  if (!body.files.length) throw new ValidationError(`send 1–${MAX_ANALYZE_PHOTOS} photos`, 'files');
  if (body.files.length > MAX_ANALYZE_PHOTOS) throw new ValidationError(`at most ${MAX_ANALYZE_PHOTOS} photos`, 'files');
  const photos = [];
  for (const f of body.files) {
    const sniffed = await sniffMedia(f.bytes, ['image'], f.declaredType, f.field);
    photos.push({ bytes: f.bytes, contentType: sniffed.contentType });
  }
  const backend = ctx.deps.ai.forText();
  const cost = estimate([{ action: 'photo.analyze', quantity: photos.length, provider: backend.kind }]);
  if (dryRun) return { dryRun: true, estimate: cost };
  const result = backend.kind === 'openai' ? await analyzeWithOpenAi(backend, photos) : analyzeEmbedded(photos);
  await recordCosts(ctx.deps.prisma, ctx.actor.teamId, [{ action: 'photo.analyze', quantity: photos.length, provider: result.provider, model: result.model }], { analysis: 'analyze-photos' });
  return { dryRun: false, result, estimate: cost };
}

/**
 * The influencer routes that take uploads, as mutations: reference images,
 * voice samples, photos to analyze (files as base64 in the arguments, held to
 * the same per-file size and count limits as a multipart upload), and the
 * wardrobe generation. The services receive the same `Uploads` the REST
 * multipart reader gives them.
 */
import { builder, readableWith } from '../../../graphql/builder.js';
import { decodeContent } from '../../../graphql/bytes.js';
import { mutationErrors } from '../../../graphql/errors.js';
import { PayloadTooLargeError, ValidationError, NotFoundError } from '../../../errors.js';
import type { ServiceContext } from '../../../context.js';
import type { Uploads } from '../../../infra/uploads.js';
import { CostEstimateRef } from '../../catalog/schema.js';
import * as influencers from '../service.js';
import { MAX_REFERENCES } from '../inputs.js';
import { idArg } from './args.js';
import { WardrobeItemRef } from './influencer.js';

const UploadInput = builder.inputType('UploadInput', {
  description: 'One file of an upload: its bytes in base64 and what a multipart part would say about it.',
  fields: (t) => ({
    base64: t.string({ required: true, description: 'The bytes, base64-encoded (a data: URL prefix is allowed).' }),
    contentType: t.string({ description: 'e.g. image/png, audio/wav (otherwise read from the bytes).' }),
    filename: t.string(),
    field: t.string({ description: 'The multipart field name: for references the view (front, left, right, back, other).' }),
  }),
});

type UploadArg = { base64: string; contentType?: string | null; filename?: string | null; field?: string | null };

/** The files as a multipart body would give them: at most `maxFiles`, each within MEDIA_MAX_UPLOAD_BYTES. */
function uploadsOf(ctx: ServiceContext, files: readonly UploadArg[] | null | undefined, maxFiles: number, json?: unknown): () => Promise<Uploads> {
  const list = files ?? [];
  if (list.length > maxFiles) throw new ValidationError(`at most ${maxFiles} files`, 'files');
  const limit = ctx.deps.config.mediaMaxUploadBytes;
  const decoded = list.map((f, i) => {
    const bytes = decodeContent(f.base64, 'BASE64', `files.${i}.base64`);
    if (bytes.length > limit) throw new PayloadTooLargeError(limit);
    return { field: f.field ?? 'files', filename: f.filename ?? null, declaredType: f.contentType ?? null, bytes };
  });
  return async () => ({ files: decoded, fields: {}, json });
}

async function influencerAfter(ctx: ServiceContext, id: string) {
  const inf = await influencers.findInfluencer(ctx, id);
  if (!inf) throw new NotFoundError('Influencer not found', 'influencer_not_found');
  return inf;
}

const GenerateWardrobePayload = builder
  .objectRef<influencers.Billable<{ influencer: { id: string }; items: unknown[]; provider: string; model: string }>>('GenerateWardrobePayload')
  .implement({
    authScopes: readableWith.characters,
    fields: (t) => ({
      items: t.field({ type: [WardrobeItemRef], nullable: true, description: 'The items made; null for a dry run.', resolve: (r) => (r.dryRun ? null : (r.result.items as never)) }),
      influencer: t.prismaField({
        type: 'Influencer',
        nullable: true,
        description: 'The influencer with its wardrobe; null for a dry run.',
        resolve: (_q, r, _a, ctx) => (r.dryRun ? null : influencerAfter(ctx, r.result.influencer.id)),
      }),
      provider: t.string({ nullable: true, resolve: (r) => (r.dryRun ? null : r.result.provider) }),
      model: t.string({ nullable: true, resolve: (r) => (r.dryRun ? null : r.result.model) }),
      estimate: t.field({ type: CostEstimateRef, resolve: (r) => r.estimate }),
    }),
  });

const AnalyzePhotosPayload = builder
  .objectRef<influencers.Billable<{ basePrompt: string; wardrobe: unknown[]; attributes: Record<string, unknown>; provider: string; model: string }>>('AnalyzePhotosPayload')
  .implement({
    authScopes: readableWith.characters,
    description: 'What the photos show, as a base prompt, wardrobe and attributes (nothing is stored); null fields for a dry run.',
    fields: (t) => ({
      basePrompt: t.string({ nullable: true, resolve: (r) => (r.dryRun ? null : r.result.basePrompt) }),
      wardrobe: t.field({ type: [WardrobeItemRef], nullable: true, resolve: (r) => (r.dryRun ? null : (r.result.wardrobe as never)) }),
      attributes: t.field({ type: 'JSON', nullable: true, resolve: (r) => (r.dryRun ? null : r.result.attributes) }),
      provider: t.string({ nullable: true, resolve: (r) => (r.dryRun ? null : r.result.provider) }),
      model: t.string({ nullable: true, resolve: (r) => (r.dryRun ? null : r.result.model) }),
      estimate: t.field({ type: CostEstimateRef, resolve: (r) => r.estimate }),
    }),
  });

builder.mutationFields((t) => ({
  setInfluencerReferences: t.prismaField({
    type: 'Influencer',
    errors: mutationErrors,
    description: 'Sets (replaces) the reference images: uploaded files (field = the view) or existing images [{view, mediaId | url}].',
    args: {
      ...idArg(t),
      references: t.arg({ type: 'JSON', required: false, description: '[{view, mediaId | url}], as the REST JSON body’s references.' }),
      files: t.arg({ type: [UploadInput], required: false }),
    },
    resolve: async (_q, _r, { id, references, files }, ctx) => {
      const json = references === undefined || references === null ? undefined : { references };
      if (json !== undefined && files?.length) throw new ValidationError('give references or files, not both', 'files');
      return influencers.setReferences(ctx, String(id), uploadsOf(ctx, files, MAX_REFERENCES, json));
    },
  }),
  addInfluencerVoiceSamples: t.prismaField({
    type: 'Influencer',
    errors: mutationErrors,
    description: 'Adds voice sample audio (WAV, MP3, …) for cloning; the influencer’s voice and voiceSamples show the result.',
    args: { ...idArg(t), files: t.arg({ type: [UploadInput], required: true }) },
    resolve: async (_q, _r, { id, files }, ctx) => {
      await influencers.addVoiceSamples(ctx, String(id), uploadsOf(ctx, files, influencers.MAX_VOICE_FILES));
      return influencerAfter(ctx, String(id));
    },
  }),
  deleteVoiceSample: t.prismaField({
    type: 'Influencer',
    errors: mutationErrors,
    description: 'Removes a voice sample (its audioUrl, or its media id).',
    args: { ...idArg(t), audio: t.arg.string({ required: true, description: 'The sample’s audioUrl or media id.' }) },
    resolve: async (_q, _r, { id, audio }, ctx) => {
      await influencers.deleteVoiceSample(ctx, String(id), audio);
      return influencerAfter(ctx, String(id));
    },
  }),
  generateWardrobe: t.field({
    type: GenerateWardrobePayload,
    errors: mutationErrors,
    description: 'Generates wardrobe items from the base prompt (appended, or replacing the wardrobe with replace: true).',
    args: { ...idArg(t), count: t.arg.int(), prompt: t.arg.string(), replace: t.arg.boolean(), dryRun: t.arg.boolean() },
    resolve: (_r, { id, count, prompt, replace, dryRun }, ctx) =>
      influencers.generateWardrobe(ctx, String(id), { count: count ?? undefined, prompt, replace: replace ?? undefined, dryRun: dryRun ?? undefined }) as never,
  }),
  analyzePhotos: t.field({
    type: AnalyzePhotosPayload,
    errors: mutationErrors,
    description: 'Analyzes 1–10 photos into a base prompt, wardrobe and attributes; nothing is stored.',
    args: { files: t.arg({ type: [UploadInput], required: true }), dryRun: t.arg.boolean() },
    resolve: (_r, { files, dryRun }, ctx) => influencers.analyzePhotos(ctx, uploadsOf(ctx, files, influencers.MAX_ANALYZE_PHOTOS), { dryRun: dryRun ?? false }) as never,
  }),
}));

/** REST paths of the influencers module (seed 001, AutoPersonas). Thin: parse, call the service, shape the body. */
import { z } from 'zod';
import type { Influencer, Preview } from '../../generated/prisma/client.js';
import { mediaUrl } from '../../infra/blobs.js';
import { listBody, pageOf } from '../../rest/list.js';
import { created, ok, type RestResult, type Route } from '../../rest/route.js';
import { readUploads } from '../../rest/uploads.js';
import type { CostEstimate } from '../catalog/service.js';
import * as inputs from './inputs.js';
import * as influencers from './service.js';
import * as bodies from './responses.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function influencerJson(i: Influencer) {
  const v = influencers.voiceOf(i);
  return {
    id: i.id,
    name: i.name,
    handle: i.handle,
    bio: i.bio,
    niche: i.niche,
    basePrompt: i.basePrompt,
    aestheticGrade: i.aestheticGrade,
    wardrobe: influencers.wardrobeOf(i),
    ingredients: influencers.jsonObject(i.ingredients),
    references: influencers.referencesOf(i).map(influencers.referenceJson),
    voice: { cloneStatus: v.cloneStatus, voiceId: v.voiceId, sampleCount: v.sampleCount, totalDuration: v.totalDurationMs / 1000, provider: v.provider },
    personaId: i.personaId,
    createdAt: iso(i.createdAt),
    updatedAt: iso(i.updatedAt),
  };
}

function packJson(p: influencers.ReferencePack) {
  return { ...p, createdAt: iso(p.createdAt), finishedAt: iso(p.finishedAt) };
}

function previewJson(p: Preview, cost?: { currency: 'USD'; totalMicros: number; total: number }) {
  const spec = influencers.previewSpec(p);
  const images = influencers.previewImages(p);
  return {
    id: p.id,
    influencerId: p.influencerId,
    status: p.status,
    count: p.count,
    done: images.length,
    spec: { name: spec.name ?? null, basePrompt: spec.basePrompt ?? null, aestheticGrade: spec.aestheticGrade ?? null, niche: spec.niche ?? null },
    images: images.map((id) => ({ mediaId: id, url: mediaUrl(id) })),
    error: p.error,
    ...(cost ? { cost } : {}),
    createdAt: iso(p.createdAt),
    updatedAt: iso(p.updatedAt),
  };
}

function collaborationJson(c: influencers.CollaborationWithMembers) {
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    influencerIds: c.members.map((m) => m.influencerId),
    influencers: c.members.map((m) => ({ id: m.influencer.id, name: m.influencer.name, handle: m.influencer.handle, position: m.position })),
    createdAt: iso(c.createdAt),
  };
}

function voiceJson(v: influencers.VoiceProfile) {
  return { ...v, samples: v.samples.map((s) => ({ ...s, createdAt: iso(s.createdAt) })) };
}

const estimateBody = (e: CostEstimate) => ({ dryRun: true, ...e });

function billable<T>(r: influencers.Billable<T>, shape: (x: T) => unknown, status = 200): RestResult {
  return r.dryRun ? ok(estimateBody(r.estimate)) : ok(shape(r.result), status);
}

const PackQuery = z.object({ jobId: z.string().max(100).optional() });
const AnalyzeQuery = z.object({ dryRun: z.enum(['true', 'false']).optional() });

export const influencersRoutes: Route[] = [
  {
    method: 'GET',
    path: '/api/v1/influencers',
    scope: 'character:read',
    response: pageOf(bodies.InfluencerBody),
    query: inputs.ListInput,
    summary: 'List influencers, newest first',
    handler: async ({ ctx, query }) => ok(listBody(await influencers.listInfluencers(ctx, Object.fromEntries(query.entries())), influencerJson)),
  },
  {
    method: 'POST',
    path: '/api/v1/influencers',
    scope: 'character:write',
    response: bodies.InfluencerBody,
    body: inputs.CreateInfluencerInput,
    responses: { 201: 'Created' },
    summary: 'Create an influencer (name required; handle unique per team)',
    handler: async ({ ctx, body }) => created(influencerJson(await influencers.createInfluencer(ctx, body))),
  },
  {
    method: 'GET',
    path: '/api/v1/influencers/:id',
    scope: 'character:read',
    response: bodies.InfluencerBody,
    summary: 'Get an influencer',
    handler: async ({ ctx, params }) => ok(influencerJson(await influencers.getInfluencer(ctx, params.id!))),
  },
  {
    method: 'PUT',
    path: '/api/v1/influencers/:id',
    scope: 'character:write',
    response: bodies.InfluencerBody,
    body: inputs.UpdateInfluencerInput,
    summary: 'Update an influencer: the fields given change (null clears one), the others stay',
    handler: async ({ ctx, params, body }) => ok(influencerJson(await influencers.updateInfluencer(ctx, params.id!, body))),
  },
  {
    method: 'DELETE',
    path: '/api/v1/influencers/:id',
    scope: 'character:write',
    response: bodies.DeletedBody,
    summary: 'Delete an influencer with its voice samples, previews and collaboration memberships',
    handler: async ({ ctx, params }) => {
      const inf = await influencers.deleteInfluencer(ctx, params.id!);
      return ok({ id: inf.id, deleted: true });
    },
  },
  {
    method: 'POST',
    path: '/api/v1/influencers/:id/references',
    scope: 'character:write',
    response: bodies.InfluencerBody,
    rawBody: true,
    summary: 'Set (replace) the reference images: multipart files (fields front/left/right/back/other, or files + views) or JSON {references:[{view, mediaId|url}]}',
    handler: async ({ ctx, params, headers, readRaw }) =>
      ok(
        influencerJson(
          await influencers.setReferences(ctx, params.id!, () => readUploads({ headers, readRaw }, { maxFileBytes: ctx.deps.config.mediaMaxUploadBytes, maxJsonDepth: ctx.deps.config.maxJsonDepth, maxFiles: inputs.MAX_REFERENCES })),
        ),
      ),
  },
  {
    method: 'POST',
    path: '/api/v1/influencers/:id/generate-references',
    scope: 'character:write',
    response: bodies.ReferencePackOrEstimateBody,
    body: inputs.GenerateReferencesInput,
    responses: { 202: 'Accepted: the reference-pack job (queued); poll GET /api/v1/influencers/:id/reference-pack', 200: 'dryRun: the cost estimate' },
    summary: 'Generate the 4-view reference pack (front, left, right, back) as a background job',
    handler: async ({ ctx, params, body }) => billable(await influencers.generateReferences(ctx, params.id!, body), packJson, 202),
  },
  {
    method: 'GET',
    path: '/api/v1/influencers/:id/reference-pack',
    scope: 'character:read',
    response: bodies.ReferencePackBody,
    query: PackQuery,
    summary: 'Status of the latest reference pack (or ?jobId=): done/total, the views made, cost',
    handler: async ({ ctx, params, query }) => ok(packJson(await influencers.getReferencePack(ctx, params.id!, query.get('jobId')))),
  },
  {
    method: 'POST',
    path: '/api/v1/characters/analyze-photos',
    scope: 'character:write',
    response: bodies.PhotoAnalysisOrEstimateBody,
    rawBody: true,
    query: AnalyzeQuery,
    summary: 'Analyze 1–10 uploaded photos (multipart) into a base prompt, wardrobe and attributes; nothing is stored',
    handler: async ({ ctx, headers, readRaw, query }) =>
      billable(
        await influencers.analyzePhotos(ctx, () => readUploads({ headers, readRaw }, { maxFileBytes: ctx.deps.config.mediaMaxUploadBytes, maxJsonDepth: ctx.deps.config.maxJsonDepth, maxFiles: influencers.MAX_ANALYZE_PHOTOS }), {
          dryRun: query.get('dryRun') === 'true',
        }),
        (r) => r,
      ),
  },
  {
    method: 'POST',
    path: '/api/v1/characters/:id/voice-samples',
    scope: 'character:write',
    response: bodies.VoiceSamplesAddedBody,
    rawBody: true,
    responses: { 201: 'the samples added and the voice profile' },
    summary: 'Upload voice sample audio (multipart or a raw audio/* body) for cloning',
    handler: async ({ ctx, params, headers, readRaw }) => {
      const r = await influencers.addVoiceSamples(ctx, params.id!, () =>
        readUploads({ headers, readRaw }, { maxFileBytes: ctx.deps.config.mediaMaxUploadBytes, maxJsonDepth: ctx.deps.config.maxJsonDepth, maxFiles: influencers.MAX_VOICE_FILES }),
      );
      return created({ added: voiceJson({ ...r.profile, samples: r.added }).samples, voiceProfile: voiceJson(r.profile) });
    },
  },
  {
    method: 'DELETE',
    path: '/api/v1/characters/:id/voice-samples/:audioUrl',
    scope: 'character:write',
    response: bodies.VoiceProfileBody,
    summary: 'Remove a voice sample (its audio URL, URL-encoded, or its media id); answers the voice profile',
    handler: async ({ ctx, params }) => ok(voiceJson(await influencers.deleteVoiceSample(ctx, params.id!, params.audioUrl!))),
  },
  {
    method: 'GET',
    path: '/api/v1/characters/:id/voice-profile',
    scope: 'character:read',
    response: bodies.VoiceProfileBody,
    summary: 'Voice profile: samples, total duration, clone status and voice id',
    handler: async ({ ctx, params }) => ok(voiceJson(await influencers.getVoiceProfile(ctx, params.id!))),
  },
  {
    method: 'POST',
    path: '/api/v1/characters/:id/wardrobe/generate',
    scope: 'character:write',
    response: bodies.WardrobeOrEstimateBody,
    body: inputs.WardrobeGenerateInput,
    summary: 'Generate wardrobe items from the base prompt (appended, or replace: true)',
    handler: async ({ ctx, params, body }) =>
      billable(await influencers.generateWardrobe(ctx, params.id!, body), (r) => ({ items: r.items, wardrobe: influencers.wardrobeOf(r.influencer), provider: r.provider, model: r.model })),
  },
  {
    method: 'PATCH',
    path: '/api/v1/characters/:id/ingredients',
    scope: 'character:write',
    response: bodies.IngredientsBody,
    body: z.record(z.string(), z.unknown()).describe('A JSON merge patch (RFC 7386): objects merge, null removes, arrays and scalars replace'),
    summary: 'Merge-patch the ingredient library (application/merge-patch+json or application/json); answers the whole library',
    handler: async ({ ctx, params, body }) => {
      const inf = await influencers.patchIngredients(ctx, params.id!, body);
      return ok({ influencerId: inf.id, ingredients: influencers.jsonObject(inf.ingredients), updatedAt: iso(inf.updatedAt) });
    },
  },
  {
    method: 'POST',
    path: '/api/v1/previews',
    scope: 'character:write',
    response: bodies.PreviewOrEstimateBody,
    body: inputs.CreatePreviewInput,
    responses: { 202: 'Accepted: the preview (queued); a job makes its images', 200: 'dryRun: the cost estimate' },
    summary: 'Generate 1–4 preview images of an influencer ({influencerId}) or a draft ({basePrompt, aestheticGrade?, …}) as a job',
    handler: async ({ ctx, body }) => billable(await influencers.createPreview(ctx, body), (p) => previewJson(p), 202),
  },
  {
    method: 'GET',
    path: '/api/v1/previews',
    scope: 'character:read',
    response: pageOf(bodies.PreviewBody),
    query: inputs.PreviewListInput,
    summary: 'List previews, newest first (filter: influencerId)',
    handler: async ({ ctx, query }) => ok(listBody(await influencers.listPreviews(ctx, Object.fromEntries(query.entries())), (p) => previewJson(p))),
  },
  {
    // content neighbours (issue 20)
    method: 'POST',
    path: '/api/v1/previews/:id/influencer',
    scope: 'character:write',
    body: inputs.PreviewToInfluencerInput,
    response: bodies.InfluencerBody,
    responses: { 201: 'The new influencer (the chosen image as its front reference)', 409: 'The preview is not completed, or is of an influencer already' },
    summary: 'Turn a completed draft preview into an influencer (name, handle, bio, imageIndex)',
    handler: async ({ ctx, params, body }) => created(influencerJson(await influencers.influencerFromPreview(ctx, params.id!, body))),
  },
  {
    method: 'GET',
    path: '/api/v1/previews/:id',
    scope: 'character:read',
    response: bodies.PreviewBody,
    summary: 'Get a preview: status, images made so far, cost',
    handler: async ({ ctx, params }) => {
      const p = await influencers.getPreview(ctx, params.id!);
      return ok(previewJson(p, await influencers.previewCost(ctx.deps, p)));
    },
  },
  {
    method: 'POST',
    path: '/api/v1/collaborations',
    scope: 'character:write',
    response: bodies.CollaborationBody,
    body: inputs.CreateCollaborationInput,
    responses: { 201: 'Created' },
    summary: 'Create a collaboration of 2–10 distinct influencers (in order)',
    handler: async ({ ctx, body }) => created(collaborationJson(await influencers.createCollaboration(ctx, body))),
  },
  {
    method: 'GET',
    path: '/api/v1/collaborations',
    scope: 'character:read',
    response: pageOf(bodies.CollaborationBody),
    query: inputs.ListInput,
    summary: 'List collaborations, newest first',
    handler: async ({ ctx, query }) => ok(listBody(await influencers.listCollaborations(ctx, Object.fromEntries(query.entries())), collaborationJson)),
  },
  {
    method: 'GET',
    path: '/api/v1/collaborations/:id',
    scope: 'character:read',
    response: bodies.CollaborationBody,
    summary: 'Get a collaboration',
    handler: async ({ ctx, params }) => ok(collaborationJson(await influencers.getCollaboration(ctx, params.id!))),
  },
  {
    method: 'DELETE',
    path: '/api/v1/collaborations/:id',
    scope: 'character:write',
    response: bodies.DeletedBody,
    summary: 'Delete a collaboration (the influencers stay)',
    handler: async ({ ctx, params }) => {
      const c = await influencers.deleteCollaboration(ctx, params.id!);
      return ok({ id: c.id, deleted: true });
    },
  },
];

/** REST paths of the profiles module (seed 001, AutoPersonas). Thin: parse, call the service, shape the body. */
import type { MediaItem, ProfileVoiceSample } from '../../generated/prisma/client.js';
import { mediaUrl } from '../../infra/blobs.js';
import type { CostEstimate } from '../catalog/service.js';
import { listBody, pageOf } from '../../rest/list.js';
import { created, ok, type Route } from '../../rest/route.js';
import * as inputs from './inputs.js';
import * as profiles from './service.js';
import * as bodies from './responses.js';

const iso = (d: Date) => d.toISOString();

export function profileJson(p: profiles.ProfileView) {
  return {
    id: p.id,
    name: p.name,
    influencerId: p.influencerId,
    niche: p.niche,
    description: p.description,
    contentDirections: profiles.directionsOf(p),
    voiceCorpusSize: p._count.voiceSamples,
    createdAt: iso(p.createdAt),
    updatedAt: iso(p.updatedAt),
  };
}

export function sampleJson(s: ProfileVoiceSample) {
  return { id: s.id, text: s.text, source: s.source, createdAt: iso(s.createdAt) };
}

export function statsJson(s: profiles.VoiceStats) {
  return { profileId: s.profileId, corpusSize: s.corpusSize, bySource: s.bySource, style: s.style, recentSamples: s.recentSamples.map(sampleJson) };
}

export function mediaJson(m: MediaItem) {
  return {
    id: m.id,
    profileId: m.profileId,
    kind: m.kind,
    source: m.source,
    url: m.blobId ? mediaUrl(m.blobId) : m.url,
    /** True when `url` points outside this server (imported media kept by reference). */
    external: !m.blobId,
    caption: m.caption,
    contentItemId: m.contentItemId,
    externalId: m.externalId,
    metadata: m.metadata,
    createdAt: iso(m.createdAt),
  };
}

const estimateBody = (e: CostEstimate) => ({ dryRun: true, ...e });

const base = '/api/v1/profiles';

export const profilesRoutes: Route[] = [
  {
    method: 'GET',
    path: base,
    scope: 'profile:read',
    response: pageOf(bodies.ProfileBody),
    query: inputs.ProfileListInput,
    summary: 'List profiles (brand voices), newest first',
    handler: async ({ ctx, query }) => ok(listBody(await profiles.listProfiles(ctx, Object.fromEntries(query.entries())), profileJson)),
  },
  {
    method: 'POST',
    path: base,
    scope: 'profile:write',
    response: bodies.ProfileBody,
    body: inputs.CreateProfileInput,
    responses: { 201: 'Created' },
    summary: 'Create a profile: name, influencerId, niche, description, contentDirections, voiceCorpus',
    handler: async ({ ctx, body }) => created(profileJson(await profiles.createProfile(ctx, body))),
  },
  {
    method: 'GET',
    path: `${base}/:profileId`,
    scope: 'profile:read',
    response: bodies.ProfileBody,
    summary: 'Get a profile',
    handler: async ({ ctx, params }) => ok(profileJson(await profiles.getProfile(ctx, params.profileId!))),
  },
  {
    method: 'PUT',
    path: `${base}/:profileId`,
    scope: 'profile:write',
    response: bodies.ProfileBody,
    body: inputs.UpdateProfileInput,
    summary: 'Update a profile: the given fields change, the others stay (voiceCorpus adds samples)',
    handler: async ({ ctx, params, body }) => ok(profileJson(await profiles.updateProfile(ctx, params.profileId!, body))),
  },
  {
    method: 'DELETE',
    path: `${base}/:profileId`,
    scope: 'profile:write',
    response: bodies.ProfileDeletedBody,
    summary: 'Delete a profile with its voice corpus, media library, batches and content items',
    handler: async ({ ctx, params }) => {
      const p = await profiles.deleteProfile(ctx, params.profileId!);
      return ok({ id: p.id, deleted: true });
    },
  },
  {
    method: 'POST',
    path: `${base}/:profileId/voice-corpus`,
    scope: 'profile:write',
    response: bodies.VoiceSamplesAddedBody,
    body: inputs.AddVoiceSamplesInput,
    summary: 'Add texts to the profile’s voice corpus; answers how many were new and the voice stats',
    handler: async ({ ctx, params, body }) => {
      const r = await profiles.addProfileVoiceSamples(ctx, params.profileId!, body);
      return ok({ added: r.added, ...statsJson(r.stats) });
    },
  },
  {
    method: 'POST',
    path: `${base}/:profileId/content-directions/draft`,
    scope: 'content:generate',
    response: bodies.DraftedDirectionsBody,
    body: inputs.DraftDirectionsInput,
    responses: { 200: 'The drafted directions (saved on the profile with save: true), or the cost estimate for dryRun' },
    summary: 'Draft content directions from a free-form prompt (returned; appended to the profile with save: true)',
    handler: async ({ ctx, params, body }) => {
      const r = await profiles.draftContentDirections(ctx, params.profileId!, body);
      if (r.dryRun) return ok(estimateBody(r.estimate));
      const d = r.result;
      return ok({ profileId: d.profileId, directions: d.drafted, saved: d.saved, provider: d.provider, model: d.model, usage: d.usage });
    },
  },
  {
    method: 'POST',
    path: `${base}/:profileId/generate-caption`,
    scope: 'content:generate',
    response: bodies.CaptionBody,
    body: inputs.GenerateCaptionInput,
    responses: { 200: 'The caption, or the cost estimate for dryRun' },
    summary: 'Write a caption for an image URL in the profile’s voice (grounded in its corpus)',
    handler: async ({ ctx, params, body }) => {
      const r = await profiles.generateCaption(ctx, params.profileId!, body);
      if (r.dryRun) return ok(estimateBody(r.estimate));
      const c = r.result;
      return ok({ caption: c.caption, provider: c.provider, model: c.model, usage: c.usage, profileId: c.profileId });
    },
  },
  {
    method: 'GET',
    path: `${base}/:profileId/voice-stats`,
    scope: 'content:read',
    response: bodies.VoiceStatsBody,
    query: inputs.VoiceStatsInput,
    summary: 'Voice corpus stats: size, by source, the voice’s style, recent samples (limit, default 10)',
    handler: async ({ ctx, params, query }) => ok(statsJson(await profiles.voiceStats(ctx, params.profileId!, Object.fromEntries(query.entries())))),
  },
  {
    method: 'GET',
    path: `${base}/:profileId/media-library`,
    scope: 'content:read',
    response: pageOf(bodies.MediaItemBody),
    query: inputs.MediaLibraryInput,
    summary: 'The profile’s generated and imported media, newest first (filters kind, source)',
    handler: async ({ ctx, params, query }) => ok(listBody(await profiles.mediaLibrary(ctx, params.profileId!, Object.fromEntries(query.entries())), mediaJson)),
  },
];

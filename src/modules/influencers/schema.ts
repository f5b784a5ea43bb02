/**
 * The influencers module in the graph: Influencer, Collaboration, Preview and
 * VoiceSample nodes, `Persona.influencers`, queries, mutations and the
 * `influencerJob` subscription (the `influencer.job` topic). Relations go
 * through `t.relation` / nested selections, so lists of influencers with
 * their collaborations or previews load with a fixed number of statements.
 * `Influencer.profiles` and `Influencer.contentItems` are added by the
 * profiles and content modules.
 */
import { builder, readableWith } from '../../graphql/builder.js';
import { mutationErrors } from '../../graphql/errors.js';
import { NodeInterface, registerNode } from '../../graphql/node.js';
import { mediaUrl } from '../../infra/blobs.js';
import { CostEstimateRef } from '../catalog/schema.js';
import type { InfluencerJobEvent as InfluencerJobEventPayload } from './events.js';
import type { WardrobeItem } from './inputs.js';
import type { Preview as PreviewRow } from '../../generated/prisma/client.js';
import * as influencers from './service.js';

const newestFirst = [{ createdAt: 'desc' as const }, { id: 'desc' as const }];

type RefJson = ReturnType<typeof influencers.referenceJson>;
const InfluencerReference = builder.objectRef<RefJson>('InfluencerReference').implement({
  authScopes: readableWith.characters,
  description: 'A reference image of one view.',
  fields: (t) => ({
    view: t.exposeString('view', { description: 'front, left, right, back or other.' }),
    mediaId: t.exposeID('mediaId'),
    url: t.exposeString('url', { description: 'GET it with the API key (/api/v1/media/{id}).' }),
    source: t.exposeString('source', { description: 'upload, media (existing media) or generated (a reference pack).' }),
  }),
});

const WardrobeItemRef = builder.objectRef<WardrobeItem>('WardrobeItem').implement({
  authScopes: readableWith.characters,
  fields: (t) => ({
    name: t.exposeString('name'),
    description: t.string({ nullable: true, resolve: (w) => w.description ?? null }),
    category: t.string({ nullable: true, resolve: (w) => w.category ?? null }),
    colour: t.string({ nullable: true, resolve: (w) => w.colour ?? null }),
  }),
});

const CloneStatus = builder.enumType('VoiceCloneStatus', { values: ['none', 'pending', 'ready'] as const });

const VoiceState = builder.objectRef<influencers.VoiceState>('InfluencerVoice').implement({
  authScopes: readableWith.characters,
  description: `The embedded voice clone: ready once the samples add up to at least 30 s of audio; the voiceId derives from the samples.`,
  fields: (t) => ({
    cloneStatus: t.field({ type: CloneStatus, resolve: (v) => v.cloneStatus }),
    voiceId: t.exposeString('voiceId', { nullable: true }),
    sampleCount: t.exposeInt('sampleCount'),
    totalDuration: t.float({ description: 'Seconds.', resolve: (v) => v.totalDurationMs / 1000 }),
    provider: t.exposeString('provider'),
  }),
});

export const VoiceSample = builder.prismaObject('VoiceSample', {
  authScopes: readableWith.characters,
  description: 'An uploaded voice sample of an influencer.',
  fields: (t) => ({
    id: t.exposeID('id'),
    audioUrl: t.string({ description: 'GET it with the API key; DELETE /api/v1/characters/:id/voice-samples/{this URL, encoded} removes it.', resolve: (s) => mediaUrl(s.blobId) }),
    duration: t.float({ nullable: true, description: 'Seconds, read from the audio (WAV); null when unknown.', resolve: (s) => (s.durationMs === null ? null : s.durationMs / 1000) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

export const Influencer = builder.prismaObject('Influencer', {
  authScopes: readableWith.characters,
  description: 'An AI influencer (AutoPersonas character): look, wardrobe, ingredient library, reference images and voice.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    handle: t.exposeString('handle', { nullable: true, description: 'Without the leading "@"; unique per team.' }),
    bio: t.exposeString('bio', { nullable: true }),
    niche: t.exposeString('niche', { nullable: true }),
    basePrompt: t.exposeString('basePrompt', { nullable: true }),
    aestheticGrade: t.exposeString('aestheticGrade', { nullable: true, description: 'An id of GET /api/v1/config/aesthetic-grades.' }),
    wardrobe: t.field({ type: [WardrobeItemRef], resolve: (i) => influencers.wardrobeOf(i) }),
    ingredients: t.field({ type: 'JSON', description: 'The ingredient library (patched with setInfluencerIngredients, JSON merge patch).', resolve: (i) => influencers.jsonObject(i.ingredients) }),
    references: t.field({ type: [InfluencerReference], resolve: (i) => influencers.referencesOf(i).map(influencers.referenceJson) }),
    voice: t.field({ type: VoiceState, resolve: (i) => influencers.voiceOf(i) }),
    voiceSamples: t.relation('voiceSamples', { query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } }),
    persona: t.relation('persona', { nullable: true, description: 'The persona this influencer embodies.' }),
    previews: t.relation('previews', { description: 'Newest first.', query: { orderBy: newestFirst } }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

export const Collaboration = builder.prismaObject('Collaboration', {
  authScopes: readableWith.characters,
  description: 'Several influencers (2–10, in order) grouped for joint content.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    influencers: t.field({
      type: [Influencer],
      description: 'In the order they were given.',
      select: (_args, _ctx, nested) => ({ members: { orderBy: { position: 'asc' }, select: { influencer: nested(true) } } }),
      resolve: (c) => c.members.map((m) => m.influencer),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.prismaObjectField('Influencer', 'collaborations', (t) =>
  t.field({
    type: [Collaboration],
    select: (_args, _ctx, nested) => ({ collaborations: { orderBy: { collaborationId: 'asc' }, select: { collaboration: nested(true) } } }),
    resolve: (i) => i.collaborations.map((m) => m.collaboration),
  }),
);

const PreviewStatus = builder.enumType('PreviewStatus', { values: ['queued', 'running', 'completed', 'failed'] as const });

export const Preview = builder.prismaObject('Preview', {
  authScopes: readableWith.characters,
  description: 'Preview images of an influencer or a draft character, made by a background job.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.field({ type: PreviewStatus, resolve: (p) => p.status as 'queued' | 'running' | 'completed' | 'failed' }),
    count: t.exposeInt('count'),
    done: t.int({ resolve: (p) => influencers.previewImages(p).length }),
    imageUrls: t.stringList({ description: 'In the order they were made.', resolve: (p) => influencers.previewImages(p).map(mediaUrl) }),
    spec: t.field({ type: 'JSON', description: 'What the previews were made from: name, basePrompt, aestheticGrade, niche.', resolve: (p) => {
      const s = influencers.previewSpec(p);
      return { name: s.name ?? null, basePrompt: s.basePrompt ?? null, aestheticGrade: s.aestheticGrade ?? null, niche: s.niche ?? null };
    } }),
    error: t.exposeString('error', { nullable: true }),
    influencer: t.relation('influencer', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

registerNode('Influencer', (ctx, id) => influencers.findInfluencer(ctx, id));
registerNode('Collaboration', (ctx, id) => influencers.findCollaboration(ctx, id));
registerNode('Preview', (ctx, id) => influencers.findPreview(ctx, id));

builder.prismaObjectField('Persona', 'influencers', (t) =>
  t.relation('influencers', {
    description: 'The caller’s team’s influencers that embody this persona.',
    query: (_args, ctx) => ({ where: { teamId: ctx.actor.teamId }, orderBy: newestFirst }),
  }),
);

// --- reference packs and estimates -----------------------------------------------------------



const Money = builder.objectRef<{ currency: 'USD'; totalMicros: number; total: number }>('InfluencerCost').implement({
  authScopes: readableWith.characters,
  fields: (t) => ({ currency: t.exposeString('currency'), totalMicros: t.exposeInt('totalMicros'), total: t.exposeFloat('total') }),
});

const JobStatus = builder.enumType('InfluencerJobStatus', { values: ['queued', 'running', 'completed', 'failed'] as const });

const ReferencePack = builder.objectRef<influencers.ReferencePack>('ReferencePack').implement({
  authScopes: readableWith.characters,
  description: 'A 4-view reference pack job (front, left, right, back).',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The job id.' }),
    influencerId: t.exposeID('influencerId'),
    status: t.field({ type: JobStatus, resolve: (p) => p.status }),
    done: t.exposeInt('done'),
    total: t.exposeInt('total'),
    views: t.field({ type: [InfluencerReference], resolve: (p) => p.views }),
    error: t.exposeString('error', { nullable: true }),
    cost: t.field({ type: Money, resolve: (p) => p.cost }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
  }),
});

builder.prismaObjectField('Influencer', 'referencePack', (t) =>
  t.field({
    type: ReferencePack,
    nullable: true,
    description: 'The latest reference pack job, if any.',
    resolve: (i, _args, ctx) => influencers.getReferencePack(ctx, i.id).catch((e) => (e?.code === 'reference_pack_not_found' ? null : Promise.reject(e))),
  }),
);

// --- queries --------------------------------------------------------------------------------

const idArg = (t: any) => ({ id: t.arg.id({ required: true }) });

builder.queryFields((t) => ({
  influencer: t.prismaField({ type: 'Influencer', nullable: true, args: idArg(t), resolve: (query, _root, { id }, ctx) => influencers.findInfluencer(ctx, String(id), query) }),
  influencers: t.prismaConnection({
    type: 'Influencer',
    cursor: 'id',
    description: 'The team’s influencers, newest first.',
    resolve: (query, _root, _args, ctx) => influencers.findInfluencers(ctx, query),
  }, { authScopes: readableWith.characters }, { authScopes: readableWith.characters }),
  collaboration: t.prismaField({ type: 'Collaboration', nullable: true, args: idArg(t), resolve: (query, _root, { id }, ctx) => influencers.findCollaboration(ctx, String(id), query) }),
  collaborations: t.prismaConnection({
    type: 'Collaboration',
    cursor: 'id',
    description: 'The team’s collaborations, newest first.',
    resolve: (query, _root, _args, ctx) => influencers.findCollaborations(ctx, query),
  }, { authScopes: readableWith.characters }, { authScopes: readableWith.characters }),
  preview: t.prismaField({ type: 'Preview', nullable: true, args: idArg(t), resolve: (query, _root, { id }, ctx) => influencers.findPreview(ctx, String(id), query) }),
  previews: t.prismaConnection({
    type: 'Preview',
    cursor: 'id',
    description: 'The team’s previews, newest first.',
    args: { influencerId: t.arg.id({ required: false }) },
    resolve: (query, _root, { influencerId }, ctx) => influencers.findPreviews(ctx, influencerId ? String(influencerId) : null, query),
  }, { authScopes: readableWith.characters }, { authScopes: readableWith.characters }),
}));

// --- mutations ---------------------------------------------------------------------------

const WardrobeItemInput = builder.inputType('WardrobeItemInput', {
  fields: (t) => ({ name: t.string({ required: true }), description: t.string(), category: t.string(), colour: t.string() }),
});

const ReferenceInput = builder.inputType('InfluencerReferenceInput', {
  description: 'A reference image from the team’s existing media: its id or its URL.',
  fields: (t) => ({ view: t.string({ required: true }), mediaId: t.id(), url: t.string() }),
});

const influencerFields = (t: any, required: boolean) => ({
  name: t.string({ required }),
  handle: t.string({ description: 'A leading "@" is dropped.' }),
  bio: t.string(),
  niche: t.string(),
  basePrompt: t.string(),
  aestheticGrade: t.string({ description: 'An id of the aesthetic-grade catalog.' }),
  wardrobe: t.field({ type: [WardrobeItemInput] }),
  ingredients: t.field({ type: 'JSON' }),
  references: t.field({ type: [ReferenceInput] }),
  personaId: t.id(),
});

const CreateInfluencerInput = builder.inputType('CreateInfluencerInput', { fields: (t) => influencerFields(t, true) });
const UpdateInfluencerInput = builder.inputType('UpdateInfluencerInput', {
  description: 'The fields given change (null clears a nullable one); the others stay.',
  fields: (t) => influencerFields(t, false),
});

/** GraphQL null and absent differ: keep keys the client sent (including nulls), drop the rest. */
const given = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

const GenerateReferencesPayload = builder.objectRef<influencers.Billable<influencers.ReferencePack>>('GenerateReferencesPayload').implement({
  authScopes: readableWith.characters,
  fields: (t) => ({
    referencePack: t.field({ type: ReferencePack, nullable: true, description: 'null for a dry run.', resolve: (r) => (r.dryRun ? null : r.result) }),
    estimate: t.field({ type: CostEstimateRef, resolve: (r) => r.estimate }),
  }),
});

const GeneratePreviewsPayload = builder.objectRef<influencers.Billable<PreviewRow>>('GeneratePreviewsPayload').implement({
  authScopes: readableWith.characters,
  fields: (t) => ({
    preview: t.field({ type: Preview, nullable: true, description: 'null for a dry run.', resolve: (r) => (r.dryRun ? null : r.result) }),
    estimate: t.field({ type: CostEstimateRef, resolve: (r) => r.estimate }),
  }),
});

const GeneratePreviewsInput = builder.inputType('GeneratePreviewsInput', {
  description: 'An influencer (influencerId) or a draft (basePrompt, …); count 1–4.',
  fields: (t) => ({
    influencerId: t.id(),
    name: t.string(),
    basePrompt: t.string(),
    aestheticGrade: t.string(),
    niche: t.string(),
    count: t.int({ description: '1–4 (default 1).' }),
    dryRun: t.boolean(),
  }),
});

builder.mutationFields((t) => ({
  createInfluencer: t.prismaField({
    type: 'Influencer',
    errors: mutationErrors,
    args: { input: t.arg({ type: CreateInfluencerInput, required: true }) },
    resolve: (_q, _root, { input }, ctx) => influencers.createInfluencer(ctx, given(input)),
  }),
  updateInfluencer: t.prismaField({
    type: 'Influencer',
    errors: mutationErrors,
    args: { ...idArg(t), input: t.arg({ type: UpdateInfluencerInput, required: true }) },
    resolve: (_q, _root, { id, input }, ctx) => influencers.updateInfluencer(ctx, String(id), given(input)),
  }),
  deleteInfluencer: t.prismaField({
    type: 'Influencer',
    errors: mutationErrors,
    description: 'Deletes the influencer (voice samples, previews and collaboration memberships with it); returns it as it was.',
    args: idArg(t),
    resolve: (_q, _root, { id }, ctx) => influencers.deleteInfluencer(ctx, String(id)),
  }),
  setInfluencerIngredients: t.prismaField({
    type: 'Influencer',
    errors: mutationErrors,
    description: 'Applies a JSON merge patch (RFC 7386) to the ingredient library: objects merge, null removes, arrays and scalars replace.',
    args: { ...idArg(t), patch: t.arg({ type: 'JSON', required: true }) },
    resolve: (_q, _root, { id, patch }, ctx) => influencers.patchIngredients(ctx, String(id), patch),
  }),
  generateReferences: t.field({
    type: GenerateReferencesPayload,
    errors: mutationErrors,
    description: 'Queues the 4-view reference pack; follow it with influencerJob(influencerId).',
    args: { ...idArg(t), dryRun: t.arg.boolean({ required: false }) },
    resolve: (_root, { id, dryRun }, ctx) => influencers.generateReferences(ctx, String(id), { dryRun: dryRun ?? undefined }),
  }),
  generatePreviews: t.field({
    type: GeneratePreviewsPayload,
    errors: mutationErrors,
    description: 'Queues preview images of an influencer or a draft; follow them with influencerJob(previewId).',
    args: { input: t.arg({ type: GeneratePreviewsInput, required: true }) },
    resolve: (_root, { input }, ctx) => influencers.createPreview(ctx, { ...given(input), ...(input.influencerId ? { influencerId: String(input.influencerId) } : {}) }),
  }),
  createCollaboration: t.prismaField({
    type: 'Collaboration',
    errors: mutationErrors,
    args: { name: t.arg.string({ required: true }), description: t.arg.string(), influencerIds: t.arg.idList({ required: true }) },
    resolve: (_q, _root, args, ctx) => influencers.createCollaboration(ctx, { name: args.name, description: args.description, influencerIds: args.influencerIds.map(String) }),
  }),
  deleteCollaboration: t.prismaField({
    type: 'Collaboration',
    errors: mutationErrors,
    args: idArg(t),
    resolve: (_q, _root, { id }, ctx) => influencers.deleteCollaboration(ctx, String(id)),
  }),
}));

// --- subscription ------------------------------------------------------------------------

const InfluencerJobKind = builder.enumType('InfluencerJobKind', { values: ['references', 'preview'] as const });

const InfluencerJobEvent = builder.objectRef<InfluencerJobEventPayload>('InfluencerJobEvent').implement({
  authScopes: readableWith.characters,
  description: 'Progress of a reference pack or a preview.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The reference-pack job id or the preview id.' }),
    influencerId: t.exposeID('influencerId', { nullable: true }),
    kind: t.field({ type: InfluencerJobKind, resolve: (e) => e.kind }),
    status: t.field({ type: JobStatus, resolve: (e) => e.status }),
    done: t.exposeInt('done'),
    total: t.exposeInt('total'),
    mediaUrls: t.stringList({ resolve: (e) => e.mediaIds.map(mediaUrl) }),
    error: t.exposeString('error', { nullable: true }),
    at: t.field({ type: 'DateTime', resolve: (e) => e.at }),
  }),
});

builder.subscriptionField('influencerJob', (t) =>
  t.field({
    type: InfluencerJobEvent,
    description: 'Live progress of an influencer’s reference packs and previews (influencerId), or of one preview (previewId; ends with it).',
    args: { influencerId: t.arg.id({ required: false }), previewId: t.arg.id({ required: false }) },
    subscribe: (_root, { influencerId, previewId }, ctx) =>
      influencers.influencerJobEvents(ctx, { influencerId: influencerId ? String(influencerId) : null, previewId: previewId ? String(previewId) : null }),
    resolve: (e) => e,
  }),
);

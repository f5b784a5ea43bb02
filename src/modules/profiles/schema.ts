/**
 * The profiles module in the graph: the `Profile` node (with its influencer,
 * voice corpus, voice stats and media library), `ProfileVoiceSample` and
 * `MediaItem`, the queries `profile` / `profiles`, the mutations, and
 * `Influencer.profiles`. `Profile.batches` and `Profile.contentItems` come
 * from the content module; `Influencer` from the influencers module (the
 * links to it are added only when that type exists, so this file builds
 * either way).
 *
 * Scopes as in REST: the profile itself needs profile:read; its corpus
 * (`voiceSamples`, `voiceStats`) and `mediaLibrary` need content:read, like
 * GET …/voice-stats and …/media-library.
 */
import { builder, readableWith } from '../../graphql/builder.js';
import { mutationErrors } from '../../graphql/errors.js';
import { NodeInterface, registerNode } from '../../graphql/node.js';
import { mediaUrl } from '../../infra/blobs.js';
import { CostEstimateRef } from '../catalog/schema.js';
import type { VoiceStyle as VoiceStyleShape } from './voice.js';
import { MEDIA_KINDS, MEDIA_SOURCES } from './inputs.js';
import * as profiles from './service.js';

const newestFirst = [{ createdAt: 'desc' as const }, { id: 'desc' as const }];

const ContentDirection = builder.objectRef<profiles.ContentDirection>('ContentDirection').implement({
  authScopes: readableWith.directions,
  description: 'A recurring theme for a profile’s posts; content batches can be made from one.',
  fields: (t) => ({
    id: t.exposeID('id'),
    title: t.exposeString('title'),
    prompt: t.exposeString('prompt'),
  }),
});

const VoiceStyle = builder.objectRef<VoiceStyleShape>('VoiceStyle').implement({
  authScopes: readableWith.voiceCorpus,
  description: 'The habits of a voice, read from its corpus (src/modules/profiles/voice.ts).',
  fields: (t) => ({
    samples: t.exposeInt('samples', { description: 'Samples the style was read from (the newest 200 at most).' }),
    hashtags: t.exposeStringList('hashtags', { description: 'Most used first.' }),
    emoji: t.exposeStringList('emoji'),
    phrases: t.exposeStringList('phrases', { description: 'Recurring two-word phrases.' }),
    averageWords: t.exposeInt('averageWords'),
    lowercaseShare: t.exposeFloat('lowercaseShare'),
    exclamationShare: t.exposeFloat('exclamationShare'),
    questionShare: t.exposeFloat('questionShare'),
  }),
});

const VoiceCorpusBySource = builder.objectRef<profiles.VoiceStats['bySource']>('VoiceCorpusBySource').implement({
  authScopes: readableWith.voiceCorpus,
  fields: (t) => ({
    manual: t.exposeInt('manual'),
    import: t.exposeInt('import'),
    approved: t.exposeInt('approved', { description: 'Captions of approved content items.' }),
  }),
});

export const ProfileVoiceSample = builder.prismaObject('ProfileVoiceSample', {
  authScopes: readableWith.voiceCorpus,
  description: 'One text of a profile’s voice corpus.',
  fields: (t) => ({
    id: t.exposeID('id'),
    text: t.exposeString('text'),
    source: t.exposeString('source', { description: 'manual, import or approved.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const VoiceStats = builder.objectRef<profiles.VoiceStats>('VoiceStats').implement({
  authScopes: readableWith.voiceCorpus,
  fields: (t) => ({
    profileId: t.exposeID('profileId'),
    corpusSize: t.exposeInt('corpusSize'),
    bySource: t.field({ type: VoiceCorpusBySource, resolve: (s) => s.bySource }),
    style: t.field({ type: VoiceStyle, resolve: (s) => s.style }),
    recentSamples: t.field({ type: [ProfileVoiceSample], resolve: (s) => s.recentSamples }),
  }),
});

export const MediaItem = builder.prismaObject('MediaItem', {
  authScopes: readableWith.media,
  description: 'An entry of a profile’s media library: generated (a content item’s image) or imported (a post of a connected account).',
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.exposeString('kind', { description: 'image or video.' }),
    source: t.exposeString('source', { description: 'generated or imported.' }),
    url: t.string({ nullable: true, description: 'The media URL (/api/v1/media/{id}, fetched with the API key) or, for media kept by reference, the external URL.', resolve: (m) => (m.blobId ? mediaUrl(m.blobId) : m.url) }),
    external: t.boolean({ description: 'True when url points outside this server.', resolve: (m) => !m.blobId }),
    caption: t.exposeString('caption', { nullable: true }),
    contentItemId: t.exposeID('contentItemId', { nullable: true }),
    externalId: t.exposeString('externalId', { nullable: true, description: 'The platform’s post id (imported media).' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const MediaKind = builder.enumType('MediaItemKind', { values: MEDIA_KINDS });
const MediaSource = builder.enumType('MediaItemSource', { values: MEDIA_SOURCES });

/**
 * For relation queries: the corpus and the media library need content:read
 * (as in REST). They are loaded with the profile's own query, so without the
 * scope the query selecting them fails (a missing_scope error naming it)
 * rather than answering an empty list; `voiceStats` fails alone (null).
 */
const needsContentRead = (ctx: Parameters<typeof profiles.requireContentRead>[0]) => profiles.requireContentRead(ctx);

const MAX_SAMPLES = 100;

export const Profile = builder.prismaObject('Profile', {
  authScopes: readableWith.profiles,
  description: 'A brand voice: its influencer, niche, content directions and voice corpus.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    niche: t.exposeString('niche', { nullable: true }),
    description: t.exposeString('description', { nullable: true }),
    influencerId: t.exposeID('influencerId', { nullable: true }),
    contentDirections: t.field({ type: [ContentDirection], resolve: (p) => profiles.directionsOf(p) }),
    voiceCorpusSize: t.relationCount('voiceSamples', { description: 'Texts in the voice corpus.' }),
    voiceSamples: t.relation('voiceSamples', {
      description: `The corpus, newest first (limit 1–${MAX_SAMPLES}, default 20). Needs content:read.`,
      args: { limit: t.arg.int({ required: false }) },
      query: (args, ctx) => {
        needsContentRead(ctx);
        return { orderBy: newestFirst, take: Math.min(MAX_SAMPLES, Math.max(1, args.limit ?? 20)) };
      },
    }),
    voiceStats: t.field({
      type: VoiceStats,
      nullable: true,
      description: 'Corpus size, by source, style and recent samples (as GET …/voice-stats). Needs content:read.',
      args: { limit: t.arg.int({ required: false, description: 'Recent samples, 1–100 (default 10).' }) },
      resolve: (p, { limit }, ctx) => profiles.voiceStats(ctx, p.id, limit == null ? {} : { limit }),
    }),
    mediaLibrary: t.relatedConnection('media', {
      cursor: 'id',
      description: 'Generated and imported media, newest first (as GET …/media-library). Needs content:read.',
      args: { kind: t.arg({ type: MediaKind, required: false }), source: t.arg({ type: MediaSource, required: false }) },
      query: (args, ctx) => {
        needsContentRead(ctx);
        return { where: { ...(args.kind ? { kind: args.kind } : {}), ...(args.source ? { source: args.source } : {}) }, orderBy: newestFirst };
      },
    }, { authScopes: readableWith.media }, { authScopes: readableWith.media }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

registerNode('Profile', (ctx, id) => profiles.findProfile(ctx, id));

/** The influencer links, once the influencers module has defined `Influencer`. */
if (builder.configStore.hasImplementation('Influencer')) {
  builder.prismaObjectField('Profile', 'influencer', (t) => t.relation('influencer', { nullable: true }));
  builder.prismaObjectField('Influencer', 'profiles', (t) =>
    t.relation('profiles', { description: 'The profiles (brand voices) this influencer fronts, newest first.', query: { orderBy: newestFirst } }),
  );
}

// --- queries -----------------------------------------------------------------------------

builder.queryFields((t) => ({
  profile: t.prismaField({
    type: 'Profile',
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, { id }, ctx) => profiles.findProfile(ctx, String(id), query),
  }),
  profiles: t.prismaConnection({
    type: 'Profile',
    cursor: 'id',
    description: 'The team’s profiles, newest first.',
    resolve: (query, _root, _args, ctx) => profiles.findProfiles(ctx, query),
  }, { authScopes: readableWith.profiles }, { authScopes: readableWith.profiles }),
}));

// --- mutations ---------------------------------------------------------------------------

const ContentDirectionInput = builder.inputType('ContentDirectionInput', {
  fields: (t) => ({
    id: t.string({ required: false, description: 'Kept when given (letters, digits, _ and -); generated otherwise.' }),
    title: t.string({ required: true }),
    prompt: t.string({ required: true }),
  }),
});

const profileFields = (t: any, required: boolean) => ({
  name: t.string({ required }),
  influencerId: t.id({ required: false, description: 'An influencer of the team; null unlinks.' }),
  niche: t.string({ required: false }),
  description: t.string({ required: false }),
  contentDirections: t.field({ type: [ContentDirectionInput], required: false, description: 'Replaces the list.' }),
  voiceCorpus: t.stringList({ required: false, description: 'Texts added to the voice corpus (never removes any).' }),
});

const CreateProfileInput = builder.inputType('CreateProfileInput', { fields: (t) => profileFields(t, true) });
const UpdateProfileInput = builder.inputType('UpdateProfileInput', {
  description: 'Only the given fields change; null clears influencerId, niche and description.',
  fields: (t) => profileFields(t, false),
});

/** GraphQL input → the REST body shape (ids as strings, absent fields left out). */
function bodyOf(input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) {
    if (v === undefined) continue;
    if (k === 'name' && v === null) continue;
    if (k === 'contentDirections' && Array.isArray(v)) out[k] = v.map((d: Record<string, unknown>) => Object.fromEntries(Object.entries(d).filter(([, x]) => x != null)));
    else if (k === 'contentDirections' && v === null) out[k] = [];
    else if (k === 'voiceCorpus' && v === null) continue;
    else out[k] = k === 'influencerId' && v != null ? String(v) : v;
  }
  return out;
}



const AddVoiceSamplesPayload = builder.objectRef<{ added: number; stats: profiles.VoiceStats }>('AddVoiceSamplesPayload').implement({
  authScopes: readableWith.profiles,
  fields: (t) => ({
    added: t.exposeInt('added', { description: 'New texts (empty and already present ones are skipped).' }),
    stats: t.field({ type: VoiceStats, resolve: (r) => r.stats }),
  }),
});

const DraftPayload = builder.objectRef<profiles.Billable<profiles.DraftOutcome>>('DraftContentDirectionsPayload').implement({
  authScopes: readableWith.generated,
  fields: (t) => ({
    directions: t.field({ type: [ContentDirection], description: 'Empty for a dry run.', resolve: (r) => (r.dryRun ? [] : r.result.drafted) }),
    saved: t.boolean({ resolve: (r) => !r.dryRun && r.result.saved }),
    provider: t.string({ nullable: true, resolve: (r) => (r.dryRun ? null : r.result.provider) }),
    model: t.string({ nullable: true, resolve: (r) => (r.dryRun ? null : r.result.model) }),
    estimate: t.field({ type: CostEstimateRef, resolve: (r) => r.estimate }),
  }),
});

const CaptionPayload = builder.objectRef<profiles.Billable<profiles.CaptionOutcome>>('GenerateCaptionPayload').implement({
  authScopes: readableWith.generated,
  fields: (t) => ({
    caption: t.string({ nullable: true, description: 'null for a dry run.', resolve: (r) => (r.dryRun ? null : r.result.caption) }),
    provider: t.string({ nullable: true, resolve: (r) => (r.dryRun ? null : r.result.provider) }),
    model: t.string({ nullable: true, resolve: (r) => (r.dryRun ? null : r.result.model) }),
    promptTokens: t.int({ nullable: true, resolve: (r) => (r.dryRun ? null : r.result.usage.promptTokens) }),
    completionTokens: t.int({ nullable: true, resolve: (r) => (r.dryRun ? null : r.result.usage.completionTokens) }),
    profileId: t.id({ nullable: true, resolve: (r) => (r.dryRun ? null : r.result.profileId) }),
    estimate: t.field({ type: CostEstimateRef, resolve: (r) => r.estimate }),
  }),
});

const byId = (t: any) => ({ id: t.arg.id({ required: true }) });

builder.mutationFields((t) => ({
  createProfile: t.prismaField({
    type: 'Profile',
    errors: mutationErrors,
    args: { input: t.arg({ type: CreateProfileInput, required: true }) },
    resolve: (_q, _root, { input }, ctx) => profiles.createProfile(ctx, bodyOf(input)),
  }),
  updateProfile: t.prismaField({
    type: 'Profile',
    errors: mutationErrors,
    args: { ...byId(t), input: t.arg({ type: UpdateProfileInput, required: true }) },
    resolve: (_q, _root, { id, input }, ctx) => profiles.updateProfile(ctx, String(id), bodyOf(input)),
  }),
  deleteProfile: t.prismaField({
    type: 'Profile',
    errors: mutationErrors,
    description: 'Deletes the profile with its corpus, media library, batches and content items; returns it as it was.',
    args: byId(t),
    resolve: (_q, _root, { id }, ctx) => profiles.deleteProfile(ctx, String(id)),
  }),
  addVoiceSamples: t.field({
    type: AddVoiceSamplesPayload,
    errors: mutationErrors,
    description: 'Adds texts to the profile’s voice corpus.',
    args: { profileId: t.arg.id({ required: true }), samples: t.arg.stringList({ required: true }) },
    resolve: (_root, { profileId, samples }, ctx) => profiles.addProfileVoiceSamples(ctx, String(profileId), { samples }),
  }),
  draftContentDirections: t.field({
    type: DraftPayload,
    errors: mutationErrors,
    description: 'Drafts content directions from a free-form prompt; `save: true` appends them to the profile.',
    args: {
      profileId: t.arg.id({ required: true }),
      prompt: t.arg.string({ required: true }),
      count: t.arg.int({ required: false, description: '1–10 (default 5).' }),
      save: t.arg.boolean({ required: false }),
      dryRun: t.arg.boolean({ required: false }),
    },
    resolve: (_root, { profileId, prompt, count, save, dryRun }, ctx) =>
      profiles.draftContentDirections(ctx, String(profileId), { prompt, ...(count != null ? { count } : {}), ...(save != null ? { save } : {}), ...(dryRun != null ? { dryRun } : {}) }),
  }),
  generateCaption: t.field({
    type: CaptionPayload,
    errors: mutationErrors,
    description: 'Writes a caption for an image (a media URL of the team or an external http(s) URL) in the profile’s voice.',
    args: {
      profileId: t.arg.id({ required: true }),
      imageUrl: t.arg.string({ required: true }),
      direction: t.arg.string({ required: false, description: 'A content direction id of the profile, or what the post is about.' }),
      instructions: t.arg.string({ required: false }),
      dryRun: t.arg.boolean({ required: false }),
    },
    resolve: (_root, { profileId, imageUrl, direction, instructions, dryRun }, ctx) =>
      profiles.generateCaption(ctx, String(profileId), { imageUrl, direction, instructions, ...(dryRun != null ? { dryRun } : {}) }),
  }),
}));

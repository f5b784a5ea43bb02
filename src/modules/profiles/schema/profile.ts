/**
 * Profile in the graph: the node (with its influencer, voice corpus, voice
 * stats and media library), `Influencer.profiles`, the `profile` and
 * `profiles` queries, and create, update and delete.
 *
 * Scopes as in REST: the profile itself needs profile:read; its corpus
 * (`voiceSamples`, `voiceStats`) and `mediaLibrary` need content:read, like
 * GET …/voice-stats and …/media-library.
 */
import { builder, readableWith } from '../../../graphql/builder.js';
import { mutationErrors } from '../../../graphql/errors.js';
import { NodeInterface, registerNode } from '../../../graphql/node.js';
import * as profiles from '../service.js';
import { ContentDirection, ContentDirectionInput } from './direction.js';
import { MediaKind, MediaSource } from './media.js';
import { VoiceStats } from './voice.js';

const newestFirst = [{ createdAt: 'desc' as const }, { id: 'desc' as const }];

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

registerNode('Profile', (ctx, id) => profiles.findProfile(ctx, id), { prefix: 'prof_' });

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
}));

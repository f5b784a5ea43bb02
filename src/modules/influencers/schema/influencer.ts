/**
 * The Influencer node with its value types (reference images, wardrobe
 * items), `Persona.influencers`, and the `influencer` / `influencers` queries.
 */
import { builder, readableWith } from '../../../graphql/builder.js';
import { NodeInterface, registerNode } from '../../../graphql/node.js';
import type { WardrobeItem } from '../inputs.js';
import * as influencers from '../service.js';
import { idArg, newestFirst } from './args.js';
import { InfluencerVoice } from './voice.js';

type RefJson = ReturnType<typeof influencers.referenceJson>;
export const InfluencerReference = builder.objectRef<RefJson>('InfluencerReference').implement({
  authScopes: readableWith.characters,
  description: 'A reference image of one view.',
  fields: (t) => ({
    view: t.exposeString('view', { description: 'front, left, right, back or other.' }),
    mediaId: t.exposeID('mediaId'),
    url: t.exposeString('url', { description: 'GET it with the API key (/api/v1/media/{id}).' }),
    source: t.exposeString('source', { description: 'upload, media (existing media) or generated (a reference pack).' }),
  }),
});

export const WardrobeItemRef = builder.objectRef<WardrobeItem>('WardrobeItem').implement({
  authScopes: readableWith.characters,
  fields: (t) => ({
    name: t.exposeString('name'),
    description: t.string({ nullable: true, resolve: (w) => w.description ?? null }),
    category: t.string({ nullable: true, resolve: (w) => w.category ?? null }),
    colour: t.string({ nullable: true, resolve: (w) => w.colour ?? null }),
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
    voice: t.field({ type: InfluencerVoice, resolve: (i) => influencers.voiceOf(i) }),
    voiceSamples: t.relation('voiceSamples', { query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } }),
    persona: t.relation('persona', { nullable: true, description: 'The persona this influencer embodies.' }),
    previews: t.relation('previews', { description: 'Newest first.', query: { orderBy: newestFirst } }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

registerNode('Influencer', (ctx, id) => influencers.findInfluencer(ctx, id), { prefix: 'inf_' });

builder.prismaObjectField('Persona', 'influencers', (t) =>
  t.relation('influencers', {
    description: 'The caller’s team’s influencers that embody this persona.',
    query: (_args, ctx) => ({ where: { teamId: ctx.actor.teamId }, orderBy: newestFirst }),
  }),
);

builder.queryFields((t) => ({
  influencer: t.prismaField({ type: 'Influencer', nullable: true, args: idArg(t), resolve: (query, _root, { id }, ctx) => influencers.findInfluencer(ctx, String(id), query) }),
  influencers: t.prismaConnection({
    type: 'Influencer',
    cursor: 'id',
    description: 'The team’s influencers, newest first.',
    resolve: (query, _root, _args, ctx) => influencers.findInfluencers(ctx, query),
  }, { authScopes: readableWith.characters }, { authScopes: readableWith.characters }),
}));

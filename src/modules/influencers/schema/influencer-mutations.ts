/** Mutations of the influencer itself: create, update, delete, and the ingredient library's merge patch. */
import { builder } from '../../../graphql/builder.js';
import { mutationErrors } from '../../../graphql/errors.js';
import * as influencers from '../service.js';
import { given, idArg } from './args.js';

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
}));

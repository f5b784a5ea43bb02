/** ContentDirection in the graph (a profile's recurring themes), its input, and the `draftContentDirections` mutation. */
import { builder, readableWith } from '../../../graphql/builder.js';
import { mutationErrors } from '../../../graphql/errors.js';
import { CostEstimateRef } from '../../catalog/schema.js';
import * as profiles from '../service.js';

export const ContentDirection = builder.objectRef<profiles.ContentDirection>('ContentDirection').implement({
  authScopes: readableWith.directions,
  description: 'A recurring theme for a profile’s posts; content batches can be made from one.',
  fields: (t) => ({
    id: t.exposeID('id'),
    title: t.exposeString('title'),
    prompt: t.exposeString('prompt'),
  }),
});

export const ContentDirectionInput = builder.inputType('ContentDirectionInput', {
  fields: (t) => ({
    id: t.string({ required: false, description: 'Kept when given (letters, digits, _ and -); generated otherwise.' }),
    title: t.string({ required: true }),
    prompt: t.string({ required: true }),
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

builder.mutationFields((t) => ({
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
}));

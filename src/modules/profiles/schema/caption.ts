/** The `generateCaption` mutation: a caption for an image in the profile's voice. */
import { builder, readableWith } from '../../../graphql/builder.js';
import { mutationErrors } from '../../../graphql/errors.js';
import { CostEstimateRef } from '../../catalog/schema.js';
import * as profiles from '../service.js';

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

builder.mutationFields((t) => ({
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

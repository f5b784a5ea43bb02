/**
 * The content neighbours in the graph (issue 20), each the counterpart of a
 * REST path: batches (list, cancel), an item from the team's own image,
 * videos (list, delete, a comparison's winner), and a batch of a collaboration.
 */
import { builder, readableWith } from '../../../graphql/builder.js';
import { mutationErrors } from '../../../graphql/errors.js';
import * as content from '../service.js';
import { GenerateContentInput, GenerateContentPayload } from './batch.js';
import { idArg } from './common.js';
import { VideoRequestPayload } from './video.js';

const BatchFilter = builder.inputType('BatchFilter', {
  fields: (t) => ({ status: t.string({ required: false, description: 'queued, generating, completed, failed or cancelled.' }), profileId: t.id({ required: false }), influencerId: t.id({ required: false }) }),
});
const VideoFilter = builder.inputType('ContentVideoFilter', {
  fields: (t) => ({ status: t.string({ required: false, description: 'queued, rendering, completed or failed.' }), contentItemId: t.id({ required: false }), comparisonId: t.id({ required: false }) }),
});

const str = (v: unknown) => (v == null ? null : String(v));

builder.queryFields((t) => ({
  batches: t.prismaConnection({
    type: 'Batch',
    cursor: 'id',
    description: 'The team’s batches, newest first (GET /api/v1/batches).',
    args: { filter: t.arg({ type: BatchFilter, required: false }) },
    resolve: (query, _root, { filter }, ctx) => content.findBatches(ctx, { status: filter?.status, profileId: str(filter?.profileId), influencerId: str(filter?.influencerId) }, query),
  }, { authScopes: readableWith.content }, { authScopes: readableWith.content }),
  contentVideos: t.prismaConnection({
    type: 'ContentVideo',
    cursor: 'id',
    description: 'The team’s videos, newest first (GET /api/v1/videos).',
    args: { filter: t.arg({ type: VideoFilter, required: false }) },
    resolve: (query, _root, { filter }, ctx) => content.findVideos(ctx, { status: filter?.status, contentItemId: str(filter?.contentItemId), comparisonId: str(filter?.comparisonId) }, query),
  }, { authScopes: readableWith.content }, { authScopes: readableWith.content }),
}));

builder.mutationFields((t) => ({
  cancelBatch: t.prismaField({
    type: 'Batch',
    errors: mutationErrors,
    description: 'Cancels a queued or generating batch: the items made are kept, the pending ones dropped; batchProgress ends with cancelled.',
    args: idArg(t),
    resolve: async (query, _root, { id }, ctx) => (await content.findBatch(ctx, await content.cancelBatch(ctx, String(id)), query))!,
  }),
  createContentItem: t.prismaField({
    type: 'ContentItem',
    errors: mutationErrors,
    description: 'A content item (pending_review) from an image of the team’s media (upload it with uploadMedia).',
    args: { profileId: t.arg.id({ required: true }), mediaId: t.arg.id({ required: true }), caption: t.arg.string({ required: false }), prompt: t.arg.string({ required: false }) },
    resolve: (_q, _root, args, ctx) =>
      content.createContentItem(ctx, async () => ({ files: [], fields: {}, json: { profileId: String(args.profileId), mediaId: String(args.mediaId), caption: args.caption, prompt: args.prompt } })),
  }),
  deleteContentVideo: t.prismaField({
    type: 'ContentVideo',
    errors: mutationErrors,
    description: 'Deletes a completed or failed video; returns it as it was.',
    args: idArg(t),
    resolve: (_q, _root, { id }, ctx) => content.deleteVideo(ctx, String(id)),
  }),
  chooseVideoComparisonWinner: t.field({
    type: VideoRequestPayload,
    errors: mutationErrors,
    description: 'Chooses the winning (completed) variant of an A/B comparison; the others lose.',
    args: { contentItemId: t.arg.id({ required: true }), comparisonId: t.arg.id({ required: true }), videoId: t.arg.id({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const r = await content.chooseComparisonWinner(ctx, String(args.contentItemId), String(args.comparisonId), { videoId: String(args.videoId) });
      return { comparisonId: r.comparisonId, videos: r.videos, item: r.item };
    },
  }),
  generateCollaborationContent: t.field({
    type: GenerateContentPayload,
    errors: mutationErrors,
    description: 'A batch whose every item features the collaboration’s influencers together, posted by input.profileId.',
    args: { ...idArg(t), input: t.arg({ type: GenerateContentInput, required: true }) },
    resolve: (_root, { id, input }, ctx) =>
      content.generateContent(ctx, { ...input, profileId: String(input.profileId), dryRun: input.dryRun ?? undefined }, { collaborationId: String(id) }),
  }),
}));

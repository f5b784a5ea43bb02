/**
 * ContentVideo in the graph: the node, the camera motions, and the
 * `generateContentVideo` mutation (one video, or 2–4 A/B variants).
 */
import { builder, readableWith } from '../../../graphql/builder.js';
import { mutationErrors } from '../../../graphql/errors.js';
import { NodeInterface, registerNode } from '../../../graphql/node.js';
import { VIDEO_MOTIONS } from '../../../infra/ai/video.js';
import { mediaUrl } from '../../../infra/blobs.js';
import * as content from '../service.js';
import { idArg, result } from './common.js';
import { ContentItem } from './item.js';

const MOTION_ENUM = ['zoom_in', 'zoom_out', 'pan_left', 'pan_right'] as const;
type MotionEnum = (typeof MOTION_ENUM)[number];
const VideoMotion = builder.enumType('VideoMotion', { description: 'The camera motion (REST spells it zoom-in, zoom-out, pan-left, pan-right).', values: MOTION_ENUM });
const motionFromEnum = (m: MotionEnum | null | undefined) => (m ? (m.replace('_', '-') as (typeof VIDEO_MOTIONS)[number]) : undefined);
const motionToEnum = (m: unknown): MotionEnum | null => (typeof m === 'string' && (VIDEO_MOTIONS as readonly string[]).includes(m) ? (m.replace('-', '_') as MotionEnum) : null);

export const ContentVideo = builder.prismaObject('ContentVideo', {
  authScopes: readableWith.content,
  description: 'A video of a content item: OpenAI’s video API (MP4) or the embedded animation (GIF). Variants of one A/B comparison share `comparisonId`.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.exposeString('status', { description: 'queued, rendering, completed or failed.' }),
    variant: t.exposeString('variant', { nullable: true, description: 'A, B, C or D within a comparison.' }),
    comparisonId: t.exposeID('comparisonId', { nullable: true }),
    winner: t.exposeBoolean('winner', { description: 'Chosen as its comparison’s winner (chooseVideoComparisonWinner).' }),
    motion: t.field({ type: VideoMotion, nullable: true, resolve: (v) => motionToEnum(content.jsonObject(v.params).motion) }),
    durationSeconds: t.int({ nullable: true, resolve: (v) => (content.jsonObject(v.params).durationSeconds as number | undefined) ?? null }),
    provider: t.string({ nullable: true, resolve: (v) => (content.jsonObject(v.params).provider as string | undefined) ?? null }),
    url: t.string({ nullable: true, description: 'GET it with the API key (/api/v1/media/{id}).', resolve: (v) => (v.blobId ? mediaUrl(v.blobId) : null) }),
    contentType: t.string({ nullable: true, description: 'video/mp4 (OpenAI) or image/gif (embedded).', resolve: (v) => (content.jsonObject(v.params).contentType as string | undefined) ?? null }),
    error: t.exposeString('error', { nullable: true }),
    contentItem: t.relation('contentItem'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

registerNode('ContentVideo', (ctx, id) => content.findVideo(ctx, id), { prefix: 'vid_' });

const VideoVariantInput = builder.inputType('VideoVariantInput', {
  fields: (t) => ({
    motion: t.field({ type: VideoMotion, required: false }),
    durationSeconds: t.int({ required: false, description: '4, 8 or 12.' }),
    prompt: t.string({ required: false }),
  }),
});

export const VideoRequestPayload = builder.objectRef<{ comparisonId: string | null; videos: unknown[]; item: unknown }>('ContentVideoRequest').implement({
  authScopes: readableWith.content,
  fields: (t) => ({
    comparisonId: t.id({ nullable: true, resolve: (r) => r.comparisonId }),
    videos: t.field({ type: [ContentVideo], resolve: (r) => r.videos as never }),
    contentItem: t.field({ type: ContentItem, resolve: (r) => r.item as never }),
  }),
});

builder.mutationFields((t) => ({
  generateContentVideo: t.field({
    type: VideoRequestPayload,
    errors: mutationErrors,
    description: 'Queues a video of the item’s image (one, or 2–4 A/B variants with `variants`); watch ContentItem.videos.',
    args: {
      ...idArg(t),
      motion: t.arg({ type: VideoMotion, required: false }),
      durationSeconds: t.arg.int({ required: false }),
      prompt: t.arg.string({ required: false }),
      variants: t.arg({ type: [VideoVariantInput], required: false, description: '2–4 variants: an A/B comparison under one id.' }),
    },
    resolve: async (_root, args, ctx) => {
      const r = args.variants
        ? await content.generateVideoComparison(ctx, String(args.id), {
            variants: args.variants.map((v) => ({ motion: motionFromEnum(v.motion), durationSeconds: v.durationSeconds ?? undefined, prompt: v.prompt ?? undefined })),
            prompt: args.prompt ?? undefined,
          })
        : await content.generateVideo(ctx, String(args.id), { motion: motionFromEnum(args.motion), durationSeconds: args.durationSeconds ?? undefined, prompt: args.prompt ?? undefined });
      return result(r);
    },
  }),
}));

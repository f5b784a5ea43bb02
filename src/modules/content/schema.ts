/**
 * The content module in the graph: Batch, ContentItem and ContentVideo nodes,
 * their queries and mutations, the `batchProgress` subscription, and the
 * links from profiles and influencers (`Profile.batches`,
 * `Profile.contentItems`, `Influencer.contentItems`). Relations go through
 * `t.relation` / `t.relatedConnection`, so a nested selection (a profile, its
 * latest batches, their items and videos) is loaded with a fixed number of
 * SQL statements whatever the number of items.
 */
import { builder, readableWith } from '../../graphql/builder.js';
import { mutationErrors } from '../../graphql/errors.js';
import { NodeInterface, registerNode } from '../../graphql/node.js';
import { mediaUrl } from '../../infra/blobs.js';
import { columnsFor, loaderFor } from '../../graphql/loaders.js';
import { Prisma } from '../../generated/prisma/client.js';
import { VIDEO_MOTIONS } from '../../infra/ai/video.js';
import { CostEstimateRef } from '../catalog/schema.js';
import type { BatchEvent as BatchEventPayload } from './events.js';
import { CONTENT_STATUSES } from './status.js';
import * as content from './service.js';

export const ContentItemStatus = builder.enumType('ContentItemStatus', {
  description: 'generating → pending_review → approved | rejected; failed when generation gave up (src/modules/content/status.ts).',
  values: CONTENT_STATUSES,
});
const MOTION_ENUM = ['zoom_in', 'zoom_out', 'pan_left', 'pan_right'] as const;
type MotionEnum = (typeof MOTION_ENUM)[number];
const VideoMotion = builder.enumType('VideoMotion', { description: 'The camera motion (REST spells it zoom-in, zoom-out, pan-left, pan-right).', values: MOTION_ENUM });
const motionFromEnum = (m: MotionEnum | null | undefined) => (m ? (m.replace('_', '-') as (typeof VIDEO_MOTIONS)[number]) : undefined);
const motionToEnum = (m: unknown): MotionEnum | null => (typeof m === 'string' && (VIDEO_MOTIONS as readonly string[]).includes(m) ? (m.replace('-', '_') as MotionEnum) : null);

const Money = builder.objectRef<{ currency: 'USD'; totalMicros: number; total: number }>('ContentCost').implement({
  authScopes: readableWith.content,
  description: 'What generations cost, from the recorded costs (micro-dollars and dollars).',
  fields: (t) => ({
    currency: t.exposeString('currency'),
    totalMicros: t.exposeInt('totalMicros'),
    total: t.exposeFloat('total'),
  }),
});



export const ContentVideo = builder.prismaObject('ContentVideo', {
  authScopes: readableWith.content,
  description: 'A video of a content item: OpenAI’s video API (MP4) or the embedded animation (GIF). Variants of one A/B comparison share `comparisonId`.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.exposeString('status', { description: 'queued, rendering, completed or failed.' }),
    variant: t.exposeString('variant', { nullable: true, description: 'A, B, C or D within a comparison.' }),
    comparisonId: t.exposeID('comparisonId', { nullable: true }),
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

/**
 * What the loaders select for a nested selection (columnsFor): the key and the
 * grouping column always, and the columns behind each computed field below.
 * A field missing here makes its loader select every column.
 */
const ITEM_COLUMNS = { always: ['id', 'batchId'], derived: { imageUrl: ['imageBlobId'], generation: ['metadata'] } };
const BATCH_COLUMNS = {
  always: ['id', 'profileId'],
  derived: { items: ['id'], cost: ['id'], progress: ['completed', 'failed', 'count'], prompt: ['options'], contentDirectionId: ['options'], aestheticGrade: ['options'] },
};

export const ContentItem = builder.prismaObject('ContentItem', {
  authScopes: readableWith.content,
  description: 'A generated post: caption and image (and videos), reviewed through its status.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.field({ type: ContentItemStatus, resolve: (i) => i.status as (typeof CONTENT_STATUSES)[number] }),
    position: t.exposeInt('position', { description: 'Its place in its batch.' }),
    prompt: t.exposeString('prompt', { nullable: true, description: 'What the item is about (batch prompt or content direction).' }),
    caption: t.exposeString('caption', { nullable: true }),
    imageUrl: t.string({ nullable: true, resolve: (i) => (i.imageBlobId ? mediaUrl(i.imageBlobId) : null) }),
    rejectReason: t.exposeString('rejectReason', { nullable: true }),
    error: t.exposeString('error', { nullable: true }),
    generation: t.field({
      type: 'JSON',
      description: 'How it was made: image prompt, aesthetic grade, providers and models, regenerations.',
      resolve: (i) => {
        const m = content.jsonObject(i.metadata);
        return { imagePrompt: m.imagePrompt ?? null, aestheticGrade: m.aestheticGrade ?? null, image: m.image ?? null, caption: m.caption ?? null, regenerations: m.generation ?? 0 };
      },
    }),
    batch: t.relation('batch', { nullable: true }),
    videos: t.relation('videos', { query: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

export const Batch = builder.prismaObject('Batch', {
  authScopes: readableWith.content,
  description: 'A content batch: `count` items generated by one background job.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.exposeString('status', { description: 'queued, generating, completed (at least one item made) or failed (none).' }),
    count: t.exposeInt('count'),
    completed: t.exposeInt('completed', { description: 'Items made (pending review or beyond).' }),
    failed: t.exposeInt('failed', { description: 'Items given up.' }),
    progress: t.int({ description: '(completed + failed) / count, 0–100.', resolve: (b) => content.batchProgress(b) }),
    prompt: t.string({ nullable: true, resolve: (b) => (content.jsonObject(b.options).prompt as string | null | undefined) ?? null }),
    contentDirectionId: t.string({ nullable: true, resolve: (b) => (content.jsonObject(b.options).contentDirectionId as string | null | undefined) ?? null }),
    aestheticGrade: t.string({ nullable: true, resolve: (b) => (content.jsonObject(b.options).aestheticGrade as string | null | undefined) ?? null }),
    error: t.exposeString('error', { nullable: true }),
    items: t.field({
      type: [ContentItem],
      description: 'In position order.',
      // One statement for every batch of the query (a loader), not one per batch.
      resolve: (b, _a, ctx, info) => {
        const columns = columnsFor(info, Prisma.ContentItemScalarFieldEnum, ITEM_COLUMNS.always, ITEM_COLUMNS.derived);
        return loaderFor(ctx, `Batch.items:${columns ?? '*'}`, (ids) => content.itemsOfBatches(ctx.deps, ids, columns)).load(b.id);
      },
    }),
    cost: t.field({ type: Money, description: 'Recorded costs of this batch’s generations so far (one query per batch).', resolve: (b, _a, ctx) => content.batchCost(ctx, b.id) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
  }),
});

registerNode('ContentItem', (ctx, id) => content.findContentItem(ctx, id));
registerNode('Batch', (ctx, id) => content.findBatch(ctx, id));
registerNode('ContentVideo', (ctx, id) => content.findVideo(ctx, id));

// --- links from profiles and influencers ------------------------------------------------

const MAX_BATCHES = 50;
const newestFirst = [{ createdAt: 'desc' as const }, { id: 'desc' as const }];

/**
 * Fields on the Profile and Influencer types (defined by their modules). They
 * are added only once those types exist in the graph, so this module builds
 * on its own as well.
 */
function linkProfilesAndInfluencers(): void {
  const has = (name: string) => builder.configStore.hasImplementation(name);
  if (has('Profile')) {
    builder.prismaObjectFields('Profile', (t) => ({
      batches: t.field({
        type: [Batch],
        description: `The profile’s latest batches, newest first (limit 1–${MAX_BATCHES}, default 10).`,
        args: { limit: t.arg.int({ required: false }) },
        // One statement for every profile of the query (a loader per limit), not one per profile.
        resolve: (p, args, ctx, info) => {
          const limit = Math.min(MAX_BATCHES, Math.max(1, args.limit ?? 10));
          const columns = columnsFor(info, Prisma.BatchScalarFieldEnum, BATCH_COLUMNS.always, BATCH_COLUMNS.derived);
          return loaderFor(ctx, `Profile.batches:${limit}:${columns ?? '*'}`, (ids) => content.latestBatchesOf(ctx.deps, ids, limit, columns)).load(p.id);
        },
      }),
      contentItems: t.relatedConnection('contentItems', {
        cursor: 'id',
        description: 'The profile’s content items, newest first.',
        args: { status: t.arg({ type: ContentItemStatus, required: false }) },
        query: (args) => ({ where: args.status ? { status: args.status } : {}, orderBy: newestFirst }),
      }, { authScopes: readableWith.content }, { authScopes: readableWith.content }),
    }));
    builder.prismaObjectField('Batch', 'profile', (t) => t.relation('profile'));
    builder.prismaObjectField('ContentItem', 'profile', (t) => t.relation('profile'));
  }
  if (has('Influencer')) {
    builder.prismaObjectField('Influencer', 'contentItems', (t) =>
      t.relatedConnection('contentItems', {
        cursor: 'id',
        description: 'Content items showing this influencer, newest first.',
        args: { status: t.arg({ type: ContentItemStatus, required: false }) },
        query: (args) => ({ where: args.status ? { status: args.status } : {}, orderBy: newestFirst }),
      }, { authScopes: readableWith.content }, { authScopes: readableWith.content }),
    );
    builder.prismaObjectField('ContentItem', 'influencer', (t) => t.relation('influencer', { nullable: true }));
  }
}
linkProfilesAndInfluencers();

// --- queries -----------------------------------------------------------------------------

const ContentFilter = builder.inputType('ContentItemFilter', {
  fields: (t) => ({
    status: t.field({ type: ContentItemStatus, required: false }),
    profileId: t.id({ required: false }),
    influencerId: t.id({ required: false }),
    batchId: t.id({ required: false }),
  }),
});

const idArg = (t: any) => ({ id: t.arg.id({ required: true }) });

builder.queryFields((t) => ({
  contentItem: t.prismaField({
    type: 'ContentItem',
    nullable: true,
    args: idArg(t),
    resolve: (query, _root, { id }, ctx) => content.findContentItem(ctx, String(id), query),
  }),
  contentItems: t.prismaConnection({
    type: 'ContentItem',
    cursor: 'id',
    description: 'The team’s content items, newest first.',
    args: { filter: t.arg({ type: ContentFilter, required: false }) },
    resolve: (query, _root, { filter }, ctx) =>
      content.findContentItems(
        ctx,
        {
          status: filter?.status ?? null,
          profileId: filter?.profileId ? String(filter.profileId) : null,
          influencerId: filter?.influencerId ? String(filter.influencerId) : null,
          batchId: filter?.batchId ? String(filter.batchId) : null,
        },
        query,
      ),
  }, { authScopes: readableWith.content }, { authScopes: readableWith.content }),
  batch: t.prismaField({
    type: 'Batch',
    nullable: true,
    args: idArg(t),
    resolve: (query, _root, { id }, ctx) => content.findBatch(ctx, String(id), query),
  }),
}));

// --- mutations ---------------------------------------------------------------------------

const GenerateContentInput = builder.inputType('GenerateContentInput', {
  fields: (t) => ({
    profileId: t.id({ required: true }),
    count: t.int({ required: true, description: '1–50.' }),
    prompt: t.string({ required: false, description: 'What every item is about; else the content direction(s).' }),
    contentDirectionId: t.string({ required: false }),
    aestheticGrade: t.string({ required: false, description: 'An id of GET /api/v1/config/aesthetic-grades; else the influencer’s.' }),
    dryRun: t.boolean({ required: false, description: 'Only estimate the cost; nothing is created.' }),
  }),
});

const GenerateContentPayload = builder.objectRef<content.GenerateResult>('GenerateContentPayload').implement({
  authScopes: readableWith.content,
  fields: (t) => ({
    batch: t.field({ type: Batch, nullable: true, description: 'null for a dry run.', resolve: (r) => (r.dryRun ? null : r.batch) }),
    estimate: t.field({ type: CostEstimateRef, resolve: (r) => r.estimate }),
  }),
});

const VideoVariantInput = builder.inputType('VideoVariantInput', {
  fields: (t) => ({
    motion: t.field({ type: VideoMotion, required: false }),
    durationSeconds: t.int({ required: false, description: '4, 8 or 12.' }),
    prompt: t.string({ required: false }),
  }),
});

const VideoRequestPayload = builder.objectRef<{ comparisonId: string | null; videos: unknown[]; item: unknown }>('ContentVideoRequest').implement({
  authScopes: readableWith.content,
  fields: (t) => ({
    comparisonId: t.id({ nullable: true, resolve: (r) => r.comparisonId }),
    videos: t.field({ type: [ContentVideo], resolve: (r) => r.videos as never }),
    contentItem: t.field({ type: ContentItem, resolve: (r) => r.item as never }),
  }),
});

/** GraphQL has no dryRun on these: results are the item. */
const result = <T>(r: content.Billable<T>): T => {
  if (r.dryRun) throw new Error('unreachable: dry runs are not offered here');
  return r.result;
};

builder.mutationFields((t) => ({
  generateContent: t.field({
    type: GenerateContentPayload,
    errors: mutationErrors,
    description: 'Creates a batch of `count` items (generating) and the job that makes them; follow it with batchProgress.',
    args: { input: t.arg({ type: GenerateContentInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      content.generateContent(ctx, { ...input, profileId: String(input.profileId), dryRun: input.dryRun ?? undefined }),
  }),
  updateContentItem: t.prismaField({
    type: 'ContentItem',
    errors: mutationErrors,
    description: 'Changes the caption and/or prompt; a new caption goes back to pending_review.',
    args: { ...idArg(t), caption: t.arg.string({ required: false }), prompt: t.arg.string({ required: false }) },
    resolve: (_q, _root, { id, caption, prompt }, ctx) =>
      content.updateContentItem(ctx, String(id), { ...(caption != null ? { caption } : {}), ...(prompt !== undefined ? { prompt } : {}) }),
  }),
  deleteContentItem: t.prismaField({
    type: 'ContentItem',
    errors: mutationErrors,
    description: 'Deletes the item (not while generating); returns it as it was.',
    args: idArg(t),
    resolve: (_q, _root, { id }, ctx) => content.deleteContentItem(ctx, String(id)),
  }),
  regenerateContentItem: t.prismaField({
    type: 'ContentItem',
    errors: mutationErrors,
    description: 'A new image and caption (pending_review, rejected or failed items); pending_review afterwards.',
    args: { ...idArg(t), prompt: t.arg.string({ required: false, description: 'Replaces the item’s prompt.' }) },
    resolve: async (_q, _root, { id, prompt }, ctx) => result(await content.regenerateContentItem(ctx, String(id), prompt !== undefined ? { prompt } : {})),
  }),
  fineTuneCaption: t.prismaField({
    type: 'ContentItem',
    errors: mutationErrors,
    description: 'Rewrites the caption only (following `instructions`); the image is untouched.',
    args: { ...idArg(t), instructions: t.arg.string({ required: false }) },
    resolve: async (_q, _root, { id, instructions }, ctx) => result(await content.fineTuneCaption(ctx, String(id), { instructions })),
  }),
  approveContentItem: t.prismaField({
    type: 'ContentItem',
    errors: mutationErrors,
    args: idArg(t),
    resolve: (_q, _root, { id }, ctx) => content.approveContentItem(ctx, String(id)),
  }),
  rejectContentItem: t.prismaField({
    type: 'ContentItem',
    errors: mutationErrors,
    args: { ...idArg(t), reason: t.arg.string({ required: true }) },
    resolve: (_q, _root, { id, reason }, ctx) => content.rejectContentItem(ctx, String(id), { reason }),
  }),
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

// --- subscription ------------------------------------------------------------------------

const BatchEventType = builder.enumType('BatchEventType', { values: ['progress', 'item', 'completed', 'failed'] as const });

const BatchEvent = builder.objectRef<BatchEventPayload>('BatchEvent').implement({
  authScopes: readableWith.content,
  description: 'One event of a batch, numbered by `seq` from 1 without gaps (see src/modules/content/events.ts).',
  fields: (t) => ({
    batchId: t.exposeID('batchId'),
    seq: t.exposeInt('seq'),
    type: t.field({ type: BatchEventType, resolve: (e) => e.type }),
    status: t.exposeString('status', { description: 'The batch’s status after the event.' }),
    count: t.exposeInt('count'),
    completed: t.exposeInt('completed'),
    failed: t.exposeInt('failed'),
    progress: t.exposeInt('progress'),
    contentItemId: t.exposeID('contentItemId', { nullable: true }),
    itemStatus: t.exposeString('itemStatus', { nullable: true, description: 'pending_review or failed (item events).' }),
    error: t.exposeString('error', { nullable: true }),
    at: t.field({ type: 'DateTime', resolve: (e) => e.at }),
  }),
});

builder.objectField(BatchEvent, 'item', (t) =>
  t.prismaField({
    type: 'ContentItem',
    nullable: true,
    description: 'The item as it is now (item events; null once deleted).',
    resolve: (query, e, _args, ctx) => (e.contentItemId ? content.findContentItem(ctx, e.contentItemId, query) : null),
  }),
);

builder.subscriptionField('batchProgress', (t) =>
  t.field({
    type: BatchEvent,
    description:
      'A batch’s events after `afterSeq` (default 0, all): those that already happened (rebuilt from the stored batch), then live ones; ends with completed or failed.',
    args: { batchId: t.arg.id({ required: true }), afterSeq: t.arg.int({ required: false }) },
    subscribe: (_root, { batchId, afterSeq }, ctx) => content.batchEvents(ctx, String(batchId), afterSeq ?? 0),
    resolve: (e) => e,
  }),
);

/**
 * ContentItem in the graph: the node, its status enum, the `contentItem` and
 * `contentItems` queries, and the review and remake mutations.
 */
import { builder, readableWith } from '../../../graphql/builder.js';
import { mutationErrors } from '../../../graphql/errors.js';
import { NodeInterface, registerNode } from '../../../graphql/node.js';
import { mediaUrl } from '../../../infra/blobs.js';
import { CONTENT_STATUSES } from '../status.js';
import * as content from '../service.js';
import { idArg, result } from './common.js';

export const ContentItemStatus = builder.enumType('ContentItemStatus', {
  description: 'generating → pending_review → approved | rejected; failed when generation gave up (src/modules/content/status.ts).',
  values: CONTENT_STATUSES,
});

/**
 * What the loaders select for a nested selection of items (columnsFor): the
 * key and the grouping column always, and the columns behind each computed
 * field below. A field missing here makes its loader select every column.
 */
export const ITEM_COLUMNS = { always: ['id', 'batchId'], derived: { imageUrl: ['imageBlobId'], generation: ['metadata'] } };

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

registerNode('ContentItem', (ctx, id) => content.findContentItem(ctx, id), { prefix: 'ci_' });

// --- queries -----------------------------------------------------------------------------

const ContentFilter = builder.inputType('ContentItemFilter', {
  fields: (t) => ({
    status: t.field({ type: ContentItemStatus, required: false }),
    profileId: t.id({ required: false }),
    influencerId: t.id({ required: false }),
    batchId: t.id({ required: false }),
  }),
});

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
}));

// --- mutations ---------------------------------------------------------------------------

builder.mutationFields((t) => ({
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
}));

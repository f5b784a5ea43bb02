/** REST paths of the content module (seed 001, AutoPersonas). Thin: parse, call the service, shape the body. */
import { z } from 'zod';
import type { Batch, ContentVideo } from '../../generated/prisma/client.js';
import { mediaUrl } from '../../infra/blobs.js';
import type { CostEstimate } from '../catalog/service.js';
import { listBody, pageOf } from '../../rest/list.js';
import { created, ok, type RestResult, type Route } from '../../rest/route.js';
import { readUploads } from '../../rest/uploads.js';
import * as inputs from './inputs.js';
import * as nb from './neighbour-responses.js';
import * as content from './service.js';
import * as bodies from './responses.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function videoJson(v: ContentVideo) {
  const p = content.jsonObject(v.params);
  return {
    id: v.id,
    contentItemId: v.contentItemId,
    status: v.status,
    variant: v.variant,
    comparisonId: v.comparisonId,
    winner: v.winner,
    motion: p.motion ?? null,
    durationSeconds: p.durationSeconds ?? null,
    prompt: p.prompt ?? null,
    provider: p.provider ?? null,
    url: v.blobId ? mediaUrl(v.blobId) : null,
    contentType: p.contentType ?? null,
    error: v.error,
    createdAt: iso(v.createdAt),
    updatedAt: iso(v.updatedAt),
  };
}

export function itemJson(i: content.ItemWithVideos) {
  const m = content.jsonObject(i.metadata);
  return {
    id: i.id,
    batchId: i.batchId,
    position: i.position,
    profileId: i.profileId,
    influencerId: i.influencerId,
    status: i.status,
    prompt: i.prompt,
    caption: i.caption,
    imageUrl: i.imageBlobId ? mediaUrl(i.imageBlobId) : null,
    rejectReason: i.rejectReason,
    error: i.error,
    generation: {
      imagePrompt: m.imagePrompt ?? null,
      aestheticGrade: m.aestheticGrade ?? null,
      contentDirectionId: m.contentDirectionId ?? null,
      image: m.image ?? null,
      caption: m.caption ?? null,
      regenerations: typeof m.generation === 'number' ? m.generation : 0,
    },
    videos: i.videos.map(videoJson),
    createdAt: iso(i.createdAt),
    updatedAt: iso(i.updatedAt),
  };
}

export function batchJson(b: Batch & { items: content.ItemWithVideos[] }, cost: { currency: 'USD'; totalMicros: number; total: number }) {
  const o = content.jsonObject(b.options);
  return {
    id: b.id,
    profileId: b.profileId,
    status: b.status,
    count: b.count,
    completed: b.completed,
    failed: b.failed,
    progress: content.batchProgress(b),
    prompt: o.prompt ?? null,
    contentDirectionId: o.contentDirectionId ?? null,
    aestheticGrade: o.aestheticGrade ?? null,
    error: b.error,
    itemIds: b.items.map((i) => i.id),
    items: b.items.map(itemJson),
    cost,
    createdAt: iso(b.createdAt),
    startedAt: typeof o.startedAt === 'string' ? o.startedAt : null,
    finishedAt: iso(b.finishedAt),
  };
}

const estimateBody = (e: CostEstimate) => ({ dryRun: true, ...e });

/** A billable POST: 200 with the estimate for dryRun, else `status` with the shaped result. */
function billable<T>(r: content.Billable<T>, shape: (x: T) => unknown, status = 200): RestResult {
  return r.dryRun ? ok(estimateBody(r.estimate)) : ok(shape(r.result), status);
}

export const contentRoutes: Route[] = [
  {
    method: 'POST',
    path: '/api/v1/content/generate',
    scope: 'content:generate',
    response: bodies.GenerateBody,
    body: inputs.GenerateContentInput,
    responses: { 202: 'Accepted: the batch with its items (generating); a job makes them', 200: 'dryRun: the cost estimate' },
    summary: 'Generate a content batch (count 1–50) as a background job',
    handler: async ({ ctx, body }) => {
      const r = await content.generateContent(ctx, body);
      if (r.dryRun) return ok(estimateBody(r.estimate));
      return ok(batchJson(r.batch, await content.batchCost(ctx, r.batch.id)), 202);
    },
  },
  {
    method: 'GET',
    path: '/api/v1/batches/:id',
    scope: 'content:read',
    response: bodies.BatchBody,
    summary: 'Get a generation batch: status, progress, items, cost so far',
    handler: async ({ ctx, params }) => {
      const batch = await content.getBatch(ctx, params.id!);
      return ok(batchJson(batch, await content.batchCost(ctx, batch.id)));
    },
  },
  {
    method: 'GET',
    path: '/api/v1/content',
    scope: 'content:read',
    response: pageOf(bodies.ContentItemBody),
    query: inputs.ContentListInput,
    summary: 'List content items, newest first (filters: status, profileId, influencerId, batchId)',
    handler: async ({ ctx, query }) => ok(listBody(await content.listContent(ctx, Object.fromEntries(query.entries())), itemJson)),
  },
  {
    method: 'GET',
    path: '/api/v1/content/:id',
    scope: 'content:read',
    response: bodies.ContentItemBody,
    summary: 'Get a content item (with its videos)',
    handler: async ({ ctx, params }) => ok(itemJson(await content.getContentItem(ctx, params.id!))),
  },
  {
    method: 'PUT',
    path: '/api/v1/content/:id',
    scope: 'content:write',
    response: bodies.ContentItemBody,
    body: inputs.UpdateContentInput,
    summary: 'Edit a content item’s caption and/or prompt (a new caption goes back to pending_review)',
    handler: async ({ ctx, params, body }) => ok(itemJson(await content.updateContentItem(ctx, params.id!, body))),
  },
  {
    method: 'DELETE',
    path: '/api/v1/content/:id',
    scope: 'content:write',
    response: bodies.ContentItemDeletedBody,
    summary: 'Delete a content item (not while it is generating)',
    handler: async ({ ctx, params }) => {
      const item = await content.deleteContentItem(ctx, params.id!);
      return ok({ id: item.id, deleted: true });
    },
  },
  {
    method: 'POST',
    path: '/api/v1/content/:id/regenerate',
    scope: 'content:generate',
    response: bodies.ItemOrEstimateBody,
    body: inputs.RegenerateInput,
    summary: 'Regenerate a content item’s image and caption (back to pending_review)',
    handler: async ({ ctx, params, body }) => billable(await content.regenerateContentItem(ctx, params.id!, body), itemJson),
  },
  {
    method: 'POST',
    path: '/api/v1/content/:id/fine-tune-caption',
    scope: 'content:write',
    response: bodies.ItemOrEstimateBody,
    body: inputs.FineTuneCaptionInput,
    summary: 'Rewrite the caption only (optional instructions); the image is untouched',
    handler: async ({ ctx, params, body }) => billable(await content.fineTuneCaption(ctx, params.id!, body), itemJson),
  },
  {
    method: 'POST',
    path: '/api/v1/content/:id/video',
    scope: 'content:generate',
    response: bodies.VideoOrEstimateBody,
    body: inputs.GenerateVideoInput,
    responses: { 202: 'Accepted: the video (queued); a job renders it', 200: 'dryRun: the cost estimate' },
    summary: 'Render a video from the item’s image (OpenAI video API, or the embedded animation)',
    handler: async ({ ctx, params, body }) => billable(await content.generateVideo(ctx, params.id!, body), (r) => videoJson(r.videos[0]!), 202),
  },
  {
    method: 'POST',
    path: '/api/v1/content/:id/video-comparison',
    scope: 'content:generate',
    response: bodies.ComparisonOrEstimateBody,
    body: inputs.VideoComparisonInput,
    responses: { 202: 'Accepted: the comparison id and its 2–4 variants (queued)', 200: 'dryRun: the cost estimate' },
    summary: 'Render 2–4 video variants (motion, length) for an A/B comparison',
    handler: async ({ ctx, params, body }) =>
      billable(await content.generateVideoComparison(ctx, params.id!, body), (r) => ({ comparisonId: r.comparisonId, contentItemId: r.item.id, videos: r.videos.map(videoJson) }), 202),
  },
  {
    method: 'POST',
    path: '/api/v1/content/:id/approve',
    scope: 'content:write',
    response: bodies.ContentItemBody,
    summary: 'Approve a pending_review item for publishing',
    handler: async ({ ctx, params }) => ok(itemJson(await content.approveContentItem(ctx, params.id!))),
  },
  {
    method: 'POST',
    path: '/api/v1/content/:id/reject',
    scope: 'content:write',
    response: bodies.ContentItemBody,
    body: inputs.RejectInput,
    summary: 'Reject a pending_review item (a reason is required)',
    handler: async ({ ctx, params, body }) => ok(itemJson(await content.rejectContentItem(ctx, params.id!, body))),
  },
];

export function batchSummaryJson(b: Batch) {
  const o = content.jsonObject(b.options);
  return {
    id: b.id,
    profileId: b.profileId,
    collaborationId: typeof o.collaborationId === 'string' ? o.collaborationId : null,
    featuring: content.stringList(o.featuring),
    status: b.status,
    count: b.count,
    completed: b.completed,
    failed: b.failed,
    progress: content.batchProgress(b),
    prompt: typeof o.prompt === 'string' ? o.prompt : null,
    error: b.error,
    createdAt: b.createdAt.toISOString(),
    finishedAt: iso(b.finishedAt),
  };
}

const comparisonJson = (r: content.ComparisonResult) => ({
  comparisonId: r.comparisonId,
  contentItemId: r.item.id,
  winnerId: r.videos.find((v) => v.winner)?.id ?? null,
  videos: r.videos.map(videoJson),
});

const batchBody = async (ctx: Parameters<Route['handler']>[0]['ctx'], id: string) => {
  const batch = await content.getBatch(ctx, id);
  return batchJson(batch, await content.batchCost(ctx, batch.id));
};

const estimateOrBatch = z.union([bodies.BatchBody, z.looseObject({ dryRun: z.literal(true), totalMicros: z.number().int() })]);

// content neighbours (issue 20): list and cancel batches, items from own media, the team's videos, a comparison's winner, collaboration batches
export const contentNeighbourRoutes: Route[] = [
  {
    method: 'GET',
    path: '/api/v1/batches',
    scope: 'content:read',
    query: inputs.BatchListInput,
    response: pageOf(nb.BatchSummaryBody),
    summary: 'List generation batches, newest first (filters: status, profileId, influencerId)',
    handler: async ({ ctx, query }) => ok(listBody(await content.listBatches(ctx, Object.fromEntries(query.entries())), batchSummaryJson)),
  },
  {
    method: 'POST',
    path: '/api/v1/batches/:id/cancel',
    scope: 'content:generate',
    response: bodies.BatchBody,
    responses: { 200: 'The batch, cancelled: the items already made are kept, the pending ones dropped', 409: 'The batch has already ended' },
    summary: 'Cancel a queued or generating batch (its job stops; its event stream ends with cancelled)',
    handler: async ({ ctx, params }) => ok(await batchBody(ctx, await content.cancelBatch(ctx, params.id!))),
  },
  {
    method: 'POST',
    path: '/api/v1/content',
    scope: 'content:write',
    rawBody: true,
    body: inputs.CreateContentInput,
    response: bodies.ContentItemBody,
    responses: { 201: 'The item (pending_review)', 413: 'The file is larger than MEDIA_MAX_UPLOAD_BYTES', 415: 'The file is not an image' },
    summary: 'Create a content item from your own image: JSON {profileId, mediaId} or multipart (file, profileId, caption, prompt)',
    handler: async ({ ctx, headers, readRaw }) =>
      created(
        itemJson(
          await content.createContentItem(ctx, () => readUploads({ headers, readRaw }, { maxFileBytes: ctx.deps.config.mediaMaxUploadBytes, maxJsonDepth: ctx.deps.config.maxJsonDepth, maxFiles: 1 })),
        ),
      ),
  },
  {
    method: 'GET',
    path: '/api/v1/videos',
    scope: 'content:read',
    query: inputs.VideoListInput,
    response: pageOf(bodies.VideoBody),
    summary: 'List videos, newest first (filters: status, contentItemId, comparisonId)',
    handler: async ({ ctx, query }) => ok(listBody(await content.listVideos(ctx, Object.fromEntries(query.entries())), videoJson)),
  },
  {
    method: 'DELETE',
    path: '/api/v1/videos/:id',
    scope: 'content:write',
    response: nb.VideoDeletedBody,
    responses: { 200: 'Deleted (with its media-library entry and, unless used elsewhere, its bytes)', 409: 'The video is still queued or rendering' },
    summary: 'Delete a completed or failed video',
    handler: async ({ ctx, params }) => ok({ id: (await content.deleteVideo(ctx, params.id!)).id, deleted: true }),
  },
  {
    method: 'POST',
    path: '/api/v1/content/:id/video-comparison/:comparisonId/winner',
    scope: 'content:write',
    body: inputs.ChooseWinnerInput,
    response: nb.ComparisonWinnerBody,
    responses: { 200: 'The comparison with its winner', 409: 'The chosen variant has not completed' },
    summary: 'Choose the winning variant of an A/B video comparison (may be changed later)',
    handler: async ({ ctx, params, body }) => ok(comparisonJson(await content.chooseComparisonWinner(ctx, params.id!, params.comparisonId!, body))),
  },
  {
    method: 'POST',
    path: '/api/v1/collaborations/:id/generate',
    scope: 'content:generate',
    body: inputs.GenerateContentInput,
    response: estimateOrBatch,
    responses: { 202: 'Accepted: the batch (every item features the collaboration’s influencers together)', 200: 'dryRun: the cost estimate' },
    summary: 'Generate a content batch featuring a collaboration’s influencers, posted by profileId',
    handler: async ({ ctx, params, body }) => {
      const r = await content.generateContent(ctx, body, { collaborationId: params.id! });
      if (r.dryRun) return ok(estimateBody(r.estimate));
      return ok(batchJson(r.batch, await content.batchCost(ctx, r.batch.id)), 202);
    },
  },
];

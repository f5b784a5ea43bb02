/** REST paths of the content module (seed 001, AutoPersonas). Thin: parse, call the service, shape the body. */
import type { Batch, ContentVideo } from '../../generated/prisma/client.js';
import { mediaUrl } from '../../infra/blobs.js';
import type { CostEstimate } from '../catalog/service.js';
import { listBody, pageOf } from '../../rest/list.js';
import { ok, type RestResult, type Route } from '../../rest/route.js';
import * as inputs from './inputs.js';
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

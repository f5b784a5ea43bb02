/** Publishing paths of seed 001 (scope publishing:write). Thin: parse, call the service, shape the body. */
import { z } from 'zod';
import { listBody, queryObject } from '../../rest/list.js';
import { ok, type Route } from '../../rest/route.js';
import { PublishInput, QueueInput, RescheduleInput, UnpublishInput } from './inputs.js';
import { publishingQueue, reschedule, type QueueRow } from './queue.js';
import * as publishing from './service.js';
import * as bodies from './responses.js';
import { publicationView } from './service.js';

export const publishingRoutes: Route[] = [
  {
    method: 'POST',
    path: '/api/v1/content/:id/publish',
    scope: 'publishing:write',
    response: bodies.PublishBody,
    body: PublishInput,
    responses: { 202: 'Accepted: the publish status, each publication queued or scheduled', 200: 'dryRun: what would be published, nothing created' },
    summary: 'Publish an approved content item now or at scheduledAt, to some or all of its profile’s accounts',
    handler: async ({ ctx, params, body }) => {
      const result = await publishing.publish(ctx, params.id!, body);
      return 'dryRun' in result ? ok(result) : ok(result, 202);
    },
  },
  {
    method: 'GET',
    path: '/api/v1/content/:id/publish/status',
    scope: 'publishing:write',
    response: bodies.PublishStatusBody,
    summary: 'Publish status of a content item: each publication with its attempts and the platform’s errors',
    handler: async ({ ctx, params }) => ok(await publishing.publishStatus(ctx, params.id!)),
  },
  {
    method: 'POST',
    path: '/api/v1/content/:id/publish/retry',
    scope: 'publishing:write',
    response: bodies.PublishStatusBody,
    body: UnpublishInput,
    responses: { 202: 'Accepted: the failed publications are queued again (same idempotency keys)' },
    summary: 'Retry the failed publications of a content item (same idempotency key: never a duplicate post)',
    handler: async ({ ctx, params, body }) => ok(await publishing.retry(ctx, params.id!, body), 202),
  },
  {
    method: 'POST',
    path: '/api/v1/content/:id/unpublish',
    scope: 'publishing:write',
    response: bodies.PublishStatusBody,
    body: UnpublishInput,
    summary: 'Cancel a scheduled publish, or remove a published post where the platform allows',
    handler: async ({ ctx, params, body }) => ok(await publishing.unpublish(ctx, params.id!, body)),
  },
];

// The publishing queue / calendar and rescheduling (queue.ts).

export function queueBody(p: QueueRow) {
  return {
    ...publicationView(p),
    profileId: p.profileId,
    plannedAt: p.plannedAt.toISOString(),
    contentItem: { id: p.contentItem.id, status: p.contentItem.status, caption: p.contentItem.caption, imageUrl: p.contentItem.imageBlobId ? `/api/v1/media/${p.contentItem.imageBlobId}` : null },
  };
}

const iso = z.string();
export const QueuedPublication = z.object({
  id: z.string(),
  accountId: z.string(),
  profileId: z.string(),
  platform: z.string(),
  handle: z.string(),
  status: z.string(),
  format: z.enum(['text', 'image', 'carousel', 'video']),
  media: z.array(z.object({ id: z.string(), url: z.string() })),
  videoId: z.string().nullable(),
  caption: z.string().nullable(),
  scheduledAt: iso.nullable(),
  plannedAt: iso,
  attempts: z.number().int(),
  maxAttempts: z.number().int(),
  nextAttemptAt: iso.nullable(),
  lastError: z.string().nullable(),
  externalId: z.string().nullable(),
  url: z.string().nullable(),
  publishedAt: iso.nullable(),
  removedAt: iso.nullable(),
  createdAt: iso,
  attemptLog: z.array(z.object({ attempt: z.number().int(), outcome: z.string(), statusCode: z.number().int().nullable(), error: z.string().nullable(), durationMs: z.number().int(), at: iso })),
  contentItem: z.object({ id: z.string(), status: z.string(), caption: z.string().nullable(), imageUrl: z.string().nullable() }),
});

export const queueRoutes: Route[] = [
  {
    method: 'GET',
    path: '/api/v1/publishing/queue',
    scope: 'publishing:write',
    query: QueueInput,
    response: z.object({ data: z.array(QueuedPublication), has_more: z.boolean(), next_cursor: z.string().nullable() }),
    summary: 'The publishing queue / calendar: publications due between from and to (earliest first), by platform, status (comma-separated), profile or account',
    handler: async ({ ctx, query }) => ok(listBody(await publishingQueue(ctx, queryObject(query)), queueBody)),
  },
  {
    method: 'POST',
    path: '/api/v1/publications/:id/reschedule',
    scope: 'publishing:write',
    body: RescheduleInput,
    response: QueuedPublication,
    responses: { 200: 'The publication at its new time (a time past means now: queued)' },
    summary: 'Move a publication that has not gone out yet to another time (cancel one with POST /api/v1/content/:id/unpublish)',
    handler: async ({ ctx, params, body }) => ok(queueBody(await reschedule(ctx, params.id!, body))),
  },
];

publishingRoutes.push(...queueRoutes);

/** The publishing queue / calendar and rescheduling over REST (queue.ts); bodies and their zod response schemas. */
import { z } from 'zod';
import { listBody, queryObject } from '../../rest/list.js';
import { ok, type Route } from '../../rest/route.js';
import { QueueInput, RescheduleInput } from './inputs.js';
import { publishingQueue, reschedule, type QueueRow } from './queue.js';
import { publicationView } from './service.js';

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

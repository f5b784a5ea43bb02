/** Publishing paths of seed 001 (scope publishing:write). Thin: parse, call the service, shape the body. */
import { ok, type Route } from '../../rest/route.js';
import { PublishInput, UnpublishInput } from './inputs.js';
import * as publishing from './service.js';
import { queueRoutes } from './queue-rest.js';

export const publishingRoutes: Route[] = [
  {
    method: 'POST',
    path: '/api/v1/content/:id/publish',
    scope: 'publishing:write',
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
    summary: 'Publish status of a content item: each publication with its attempts and the platform’s errors',
    handler: async ({ ctx, params }) => ok(await publishing.publishStatus(ctx, params.id!)),
  },
  {
    method: 'POST',
    path: '/api/v1/content/:id/publish/retry',
    scope: 'publishing:write',
    body: UnpublishInput,
    responses: { 202: 'Accepted: the failed publications are queued again (same idempotency keys)' },
    summary: 'Retry the failed publications of a content item (same idempotency key: never a duplicate post)',
    handler: async ({ ctx, params, body }) => ok(await publishing.retry(ctx, params.id!, body), 202),
  },
  {
    method: 'POST',
    path: '/api/v1/content/:id/unpublish',
    scope: 'publishing:write',
    body: UnpublishInput,
    summary: 'Cancel a scheduled publish, or remove a published post where the platform allows',
    handler: async ({ ctx, params, body }) => ok(await publishing.unpublish(ctx, params.id!, body)),
  },
  ...queueRoutes,
];

/** Social import jobs (AutoPersonas). Thin: parse, call the service, shape the body. */
import type { SocialImport } from '../../generated/prisma/client.js';
import { listBody, pageOf } from '../../rest/list.js';
import { ok, type Route } from '../../rest/route.js';
import { ImportListInput, StartImportInput } from './inputs.js';
import * as imports from './service.js';
import { ImportJobBody } from './responses.js';

export function importBody(i: SocialImport) {
  return {
    id: i.id,
    jobId: i.id,
    accountId: i.accountId,
    profileId: i.profileId,
    platform: i.platform,
    status: i.status,
    limit: i.limit,
    imported: i.imported,
    skipped: i.skipped,
    error: i.error,
    createdAt: i.createdAt.toISOString(),
    updatedAt: i.updatedAt.toISOString(),
    finishedAt: i.finishedAt?.toISOString() ?? null,
  };
}


const start = (platform: imports.ImportPlatform, summary: string): Route => ({
  method: 'POST',
  path: `/api/v1/social-import/${platform}`,
  scope: 'content:write',
  response: ImportJobBody,
  body: StartImportInput,
  responses: platform === 'instagram' ? { 403: 'feature_gated: pending Meta scope upgrade' } : { 202: 'Accepted: the import job, queued' },
  summary,
  handler: async ({ ctx, body }) => ok(importBody(await imports.startImport(ctx, platform, body)), 202),
});

export const socialImportRoutes: Route[] = [
  start('x', 'Import historical posts from a connected X account'),
  start('tiktok', 'Import historical videos from a connected TikTok account'),
  start('instagram', 'Instagram import (gated, pending Meta scope upgrade)'),
  {
    // content neighbours (issue 20)
    method: 'GET',
    path: '/api/v1/social-import/jobs',
    scope: 'content:read',
    query: ImportListInput,
    response: pageOf(ImportJobBody),
    summary: 'List import jobs, newest first (filters: status, accountId, profileId, platform)',
    handler: async ({ ctx, query }) => ok(listBody(await imports.listImports(ctx, Object.fromEntries(query.entries())), importBody)),
  },
  {
    method: 'GET',
    path: '/api/v1/social-import/jobs/:jobId',
    scope: 'content:read',
    response: ImportJobBody,
    summary: 'Poll the status of an import job',
    handler: async ({ ctx, params }) => ok(importBody(await imports.getImport(ctx, params.jobId!))),
  },
];

/** Media bytes (images, audio, video) from the blob store, by id. */
import { z } from 'zod';
import type { Route } from '../../rest/route.js';
import * as media from './service.js';
import { getPublicMedia } from './public.js';

export const mediaRoutes: Route[] = [
  {
    method: 'GET',
    path: '/api/v1/media/:id',
    scope: ['character:read', 'content:read'],
    responses: { 200: 'OK', 304: 'Not modified (If-None-Match matched the ETag)' },
    rawResponse: true,
    summary: 'Download a stored image, audio sample or video',
    handler: async ({ ctx, params, headers }) => {
      const blob = await media.getMedia(ctx, params.id!);
      const etag = `"${blob.sha256}"`;
      // Blob ids never change content: cache for good, privately (the key is what grants access).
      const cache = { ETag: etag, 'Cache-Control': 'private, max-age=31536000, immutable', 'X-Content-Type-Options': 'nosniff' };
      if (headers['if-none-match']?.split(',').some((t) => t.trim() === etag)) return { status: 304, headers: cache };
      return { status: 200, raw: { bytes: Buffer.from(blob.bytes), contentType: blob.contentType }, headers: cache };
    },
  },
  {
    method: 'GET',
    path: '/api/v1/media/:id/public',
    scope: 'public',
    query: z.object({ exp: z.string().describe('Expiry, unix seconds'), sig: z.string().describe('HMAC of the id and expiry') }),
    responses: { 200: 'OK', 403: 'The signature does not match or the link expired' },
    rawResponse: true,
    summary: 'Download media through a signed, expiring link (what platforms fetch when they pull a post’s image)',
    handler: async ({ ctx, params, query }) => {
      const blob = await getPublicMedia(ctx.deps, params.id!, query.get('exp'), query.get('sig'));
      return {
        status: 200,
        raw: { bytes: Buffer.from(blob.bytes), contentType: blob.contentType },
        headers: { 'Cache-Control': 'public, max-age=3600', 'X-Content-Type-Options': 'nosniff' },
      };
    },
  },
];

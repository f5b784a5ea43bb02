/** Media bytes (images, audio, video) from the blob store, by id. */
import { z } from 'zod';
import type { BlobInfo } from '../../infra/blobs.js';
import { mediaUrl } from '../../infra/blobs.js';
import { listBody } from '../../rest/list.js';
import { created, ok, type Route } from '../../rest/route.js';
import { readUploads } from '../../rest/uploads.js';
import { MediaBody, MediaDeletedBody, MediaPage } from './neighbour-responses.js';
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

function mediaJson(b: BlobInfo): z.infer<typeof MediaBody> {
  const m = (b.metadata && typeof b.metadata === 'object' && !Array.isArray(b.metadata) ? b.metadata : {}) as Record<string, unknown>;
  const source = typeof m.source === 'string' ? m.source : typeof m.provider === 'string' ? m.provider : 'generated';
  return { id: b.id, url: mediaUrl(b.id), kind: b.kind as 'image' | 'video' | 'audio', contentType: b.contentType, size: b.size, sha256: b.sha256, filename: b.filename, source, createdAt: b.createdAt.toISOString() };
}

// content neighbours (issue 20): the team's media library of files
export const mediaLibraryRoutes: Route[] = [
  {
    method: 'POST',
    path: '/api/v1/media',
    scope: 'content:write',
    rawBody: true,
    response: MediaBody,
    responses: { 201: 'Stored', 413: 'Larger than MEDIA_MAX_UPLOAD_BYTES', 415: 'Not an image, video or audio file (bytes sniffed), or mislabelled' },
    summary: 'Upload one image, video or audio file (multipart field file, or the raw bytes with their Content-Type)',
    handler: async ({ ctx, headers, readRaw }) =>
      created(mediaJson(await media.uploadMedia(ctx, () => readUploads({ headers, readRaw }, { maxFileBytes: ctx.deps.config.mediaMaxUploadBytes, maxJsonDepth: ctx.deps.config.maxJsonDepth, maxFiles: 1 })))),
  },
  {
    method: 'GET',
    path: '/api/v1/media',
    scope: 'content:read',
    query: media.MediaListInput,
    response: MediaPage,
    summary: 'List the team’s media (uploaded and generated), newest first (filter: kind)',
    handler: async ({ ctx, query }) => ok(listBody(await media.listMedia(ctx, Object.fromEntries(query.entries())), mediaJson)),
  },
  {
    method: 'DELETE',
    path: '/api/v1/media/:id',
    scope: 'content:write',
    response: MediaDeletedBody,
    responses: { 200: 'Deleted', 409: 'media_in_use: a content item, video, media-library entry, influencer or preview uses it' },
    summary: 'Delete a media file nothing uses',
    handler: async ({ ctx, params }) => ok({ id: (await media.deleteMedia(ctx, params.id!)).id, deleted: true }),
  },
];

/**
 * Media (images, audio, video) in the blob store (src/infra/blobs.ts).
 * Media belongs to influencers (character:*) or content (content:*): either
 * domain's read scope reads it, either write scope uploads and deletes it
 * (library.ts).
 */
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { getBlob } from '../../infra/blobs.js';
import type { Blob } from '../../generated/prisma/client.js';
import { mediaNotFound } from './library.js';

/** Signed public links (publishing hands them to platforms), exported from this entry file only. */
export { publicMediaUrl } from './public.js';
export { uploadMedia, listMedia, findMediaFiles, deleteMedia, dropBlobIfUnused, blobUse, MEDIA_KINDS, MediaListInput } from './library.js';

export async function getMedia(ctx: ServiceContext, id: string): Promise<Blob> {
  if (!ctx.actor.scopes.has('character:read')) requireScope(ctx, 'content:read');
  const blob = await getBlob(ctx.deps.prisma, ctx.actor.teamId, id);
  if (!blob) throw mediaNotFound();
  return blob;
}

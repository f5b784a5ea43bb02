/**
 * Reading media from the blob store (src/infra/blobs.ts). Media belongs to
 * influencers (character:read) or content (content:read): either scope reads it.
 */
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { NotFoundError } from '../../errors.js';
import { getBlob } from '../../infra/blobs.js';
import type { Blob } from '../../generated/prisma/client.js';

/** Signed public links (publishing hands them to platforms), exported from this entry file only. */
export { publicMediaUrl } from './public.js';

export async function getMedia(ctx: ServiceContext, id: string): Promise<Blob> {
  if (!ctx.actor.scopes.has('character:read')) requireScope(ctx, 'content:read');
  const blob = await getBlob(ctx.deps.prisma, ctx.actor.teamId, id);
  if (!blob) throw new NotFoundError('No such media', 'media_not_found');
  return blob;
}

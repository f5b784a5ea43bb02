/**
 * Reading a profile's media library (GET /profiles/:id/media-library). The
 * entries are written by the modules that make the media (library.ts).
 */
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import type { MediaItem, Prisma } from '../../generated/prisma/client.js';
import { keysetPage, type Page } from '../../infra/pagination.js';
import { parseInput } from '../../validation.js';
import { MediaLibraryInput } from './inputs.js';
import { profileId } from './lookups.js';

function mediaWhere(ctx: ServiceContext, profileId: string, f: { kind?: string | null; source?: string | null }): Prisma.MediaItemWhereInput {
  return { profileId, teamId: ctx.actor.teamId, ...(f.kind ? { kind: f.kind } : {}), ...(f.source ? { source: f.source } : {}) };
}

/** GET /profiles/:id/media-library: newest first, filters kind and source. */
export async function mediaLibrary(ctx: ServiceContext, id: string, raw: Record<string, unknown>): Promise<Page<MediaItem>> {
  requireScope(ctx, 'content:read');
  const input = parseInput(MediaLibraryInput, raw);
  await profileId(ctx, id);
  const where = mediaWhere(ctx, id, input);
  return keysetPage(input, 'a media item', {
    anchor: (anchorId) => ctx.deps.prisma.mediaItem.findFirst({ where: { AND: [where, { id: anchorId }] }, select: { id: true } }),
    rows: (page) => ctx.deps.prisma.mediaItem.findMany({ where, ...page }),
  });
}

/**
 * The team's videos: listing them, deleting one, and choosing the winner of
 * an A/B comparison (issue 20). A comparison is the 2–4 ContentVideo rows of
 * one item sharing `comparisonId` (videos.ts); the winner is the one variant
 * with `winner` set, chosen among the completed ones and changeable.
 */
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import type { ContentVideo, Prisma } from '../../generated/prisma/client.js';
import { keysetPage, type Page } from '../../infra/pagination.js';
import { parseInput } from '../../validation.js';
import { dropBlobIfUnused } from '../media/service.js';
import { ChooseWinnerInput, VideoListInput } from './inputs.js';
import { findItem, itemView, type ItemWithVideos } from './lookups.js';

export const videoNotFound = () => new NotFoundError('Video not found', 'video_not_found');
const comparisonNotFound = () => new NotFoundError('Video comparison not found', 'comparison_not_found');

export interface VideoFilter {
  status?: string | null;
  contentItemId?: string | null;
  comparisonId?: string | null;
}

function videoWhere(ctx: ServiceContext, f: VideoFilter): Prisma.ContentVideoWhereInput {
  return {
    teamId: ctx.actor.teamId,
    ...(f.status ? { status: f.status } : {}),
    ...(f.contentItemId ? { contentItemId: f.contentItemId } : {}),
    ...(f.comparisonId ? { comparisonId: f.comparisonId } : {}),
  };
}

/** GET /api/v1/videos: newest first, filtered by status, item or comparison. */
export async function listVideos(ctx: ServiceContext, raw: Record<string, unknown>): Promise<Page<ContentVideo>> {
  requireScope(ctx, 'content:read');
  const input = parseInput(VideoListInput, raw);
  const where = videoWhere(ctx, input);
  return keysetPage(input, 'a video', {
    anchor: (id) => ctx.deps.prisma.contentVideo.findFirst({ where: { AND: [where, { id }] }, select: { id: true } }),
    rows: (page) => ctx.deps.prisma.contentVideo.findMany({ where, ...page }),
  });
}

/** For the GraphQL connection. */
export async function findVideos(ctx: ServiceContext, filter: VideoFilter, query: Prisma.ContentVideoFindManyArgs): Promise<ContentVideo[]> {
  requireScope(ctx, 'content:read');
  const input = parseInput(VideoListInput, { ...(filter.status ? { status: filter.status } : {}) });
  return ctx.deps.prisma.contentVideo.findMany({ ...query, where: videoWhere(ctx, { ...filter, status: input.status }), orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
}

/**
 * DELETE /api/v1/videos/:id: a finished (completed or failed) video, its
 * media-library entry, and its bytes unless something else still uses them.
 * A queued or rendering one is 409: its job is still paying for it.
 */
export async function deleteVideo(ctx: ServiceContext, id: string): Promise<ContentVideo> {
  requireScope(ctx, 'content:write');
  const teamId = ctx.actor.teamId;
  const video = await ctx.deps.prisma.contentVideo.findFirst({ where: { id, teamId } });
  if (!video) throw videoNotFound();
  const unfinished = (status: string) =>
    new ConflictError(`video is ${status}; only completed or failed videos can be deleted (wait until it has finished)`, 'invalid_status_transition');
  if (video.status !== 'completed' && video.status !== 'failed') throw unfinished(video.status);
  const gone = await ctx.deps.prisma.$transaction(async (tx) => {
    const { count } = await tx.contentVideo.deleteMany({ where: { id, teamId, status: { in: ['completed', 'failed'] } } });
    if (!count) return false;
    if (video.blobId) {
      await tx.mediaItem.deleteMany({ where: { teamId, blobId: video.blobId } });
      await dropBlobIfUnused(tx, teamId, video.blobId);
    }
    return true;
  });
  if (!gone) {
    const now = await ctx.deps.prisma.contentVideo.findFirst({ where: { id, teamId }, select: { status: true } });
    throw now ? unfinished(now.status) : videoNotFound();
  }
  return video;
}

export interface ComparisonResult {
  comparisonId: string;
  item: ItemWithVideos;
  videos: ContentVideo[];
}

/** POST /api/v1/content/:id/video-comparison/:comparisonId/winner: one completed variant wins; the others lose. */
export async function chooseComparisonWinner(ctx: ServiceContext, itemId: string, comparisonId: string, raw: unknown): Promise<ComparisonResult> {
  requireScope(ctx, 'content:write');
  const input = parseInput(ChooseWinnerInput, raw);
  const item = await findItem(ctx, itemId);
  const where = { teamId: ctx.actor.teamId, contentItemId: item.id, comparisonId };
  const variants = await ctx.deps.prisma.contentVideo.findMany({ where, select: { id: true, status: true } });
  if (!variants.length) throw comparisonNotFound();
  const chosen = variants.find((v) => v.id === input.videoId);
  if (!chosen) throw new NotFoundError('Video not found in this comparison', 'video_not_found');
  if (chosen.status !== 'completed') {
    throw new ConflictError(`video is ${chosen.status}; only a completed variant can win (wait until it has rendered)`, 'video_not_completed', 'videoId');
  }
  await ctx.deps.prisma.$transaction(async (tx) => {
    await tx.contentVideo.updateMany({ where: { ...where, id: { not: chosen.id } }, data: { winner: false } });
    const { count } = await tx.contentVideo.updateMany({ where: { ...where, id: chosen.id, status: 'completed' }, data: { winner: true } });
    if (!count) throw videoNotFound();
  });
  const videos = await ctx.deps.prisma.contentVideo.findMany({ where, orderBy: [{ variant: 'asc' }, { id: 'asc' }] });
  return { comparisonId, item: await itemView(ctx, item.id), videos };
}

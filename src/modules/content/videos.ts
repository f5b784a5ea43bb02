/**
 * Videos of a content item's image: one (POST /content/:id/video) or an A/B
 * comparison of 2–4 variants, each rendered by a durable job (jobs.ts).
 */
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { ConflictError, ValidationError } from '../../errors.js';
import type { ContentVideo, Prisma } from '../../generated/prisma/client.js';
import { videoBackend, type VideoMotion } from '../../infra/ai/video.js';
import { newId } from '../../infra/ids.js';
import { parseInput } from '../../validation.js';
import { estimate } from '../catalog/service.js';
import { GenerateVideoInput, VideoComparisonInput, VIDEO_SECONDS } from './inputs.js';
import { findItem, itemView, type Billable, type ItemWithVideos, type PrismaQuery } from './lookups.js';
import { transition } from './status.js';

export const VIDEO_JOB = 'content.video';

export interface VideoParams {
  motion: VideoMotion;
  durationSeconds: 4 | 8 | 12;
  prompt: string | null;
  /** The item's image when the video was asked for. */
  sourceBlobId: string;
  /** Set once the provider accepted the render (OpenAI's video id), to resume it after a restart. */
  providerVideoId?: string | null;
}

/** The A/B variants when the caller names none: a different motion and length each. */
export const DEFAULT_VARIANTS: { motion: VideoMotion; durationSeconds: 4 | 8 | 12 }[] = [
  { motion: 'zoom-in', durationSeconds: 4 },
  { motion: 'pan-right', durationSeconds: 8 },
  { motion: 'zoom-out', durationSeconds: 8 },
  { motion: 'pan-left', durationSeconds: 4 },
];

type VideoAsk = { motion?: VideoMotion | null; durationSeconds?: number | null; prompt?: string | null };

async function queueVideos(ctx: ServiceContext, id: string, asks: VideoAsk[], dryRun: boolean | undefined, comparison: boolean): Promise<Billable<{ item: ItemWithVideos; videos: ContentVideo[]; comparisonId: string | null }>> {
  const item = await findItem(ctx, id);
  transition('makeVideo', item.status);
  if (!item.imageBlobId) throw new ConflictError('content item has no image to animate; regenerate it first', 'content_item_has_no_image');
  const backend = videoBackend(ctx.deps.config);
  if (!backend) throw new ValidationError('No video provider configured', null, 'no_llm_provider');
  const params = asks.map((a, i) => ({
    motion: a.motion ?? DEFAULT_VARIANTS[i % DEFAULT_VARIANTS.length]!.motion,
    durationSeconds: (a.durationSeconds ?? DEFAULT_VARIANTS[i % DEFAULT_VARIANTS.length]!.durationSeconds) as (typeof VIDEO_SECONDS)[number],
    prompt: a.prompt ?? null,
    sourceBlobId: item.imageBlobId!,
  }));
  const cost = estimate(params.map((p) => ({ action: 'video.second' as const, quantity: p.durationSeconds, provider: backend.name })));
  if (dryRun) return { dryRun: true, estimate: cost };
  const comparisonId = comparison ? newId('cmp_') : null;
  const videos = await ctx.deps.prisma.$transaction(async (tx) => {
    const out: ContentVideo[] = [];
    for (const [i, p] of params.entries()) {
      const videoId = newId('vid_');
      const job = await ctx.deps.jobs.enqueue(VIDEO_JOB, { videoId }, { teamId: item.teamId, tx });
      out.push(
        await tx.contentVideo.create({
          data: {
            id: videoId,
            teamId: item.teamId,
            contentItemId: item.id,
            comparisonId,
            variant: comparison ? String.fromCharCode(65 + i) : null,
            status: 'queued',
            params: { ...p, provider: backend.name, model: backend.model },
            jobId: job.id,
          },
        }),
      );
    }
    return out;
  });
  ctx.deps.jobs.kick();
  return { dryRun: false, result: { item: await itemView(ctx, id), videos, comparisonId } };
}

/** POST /content/:id/video: one video of the item's image, rendered by a durable job. */
export async function generateVideo(ctx: ServiceContext, id: string, raw: unknown) {
  requireScope(ctx, 'content:generate');
  const input = parseInput(GenerateVideoInput, raw);
  return queueVideos(ctx, id, [input], input.dryRun, false);
}

/** POST /content/:id/video-comparison: 2–4 variants (motion, length) under one comparison id. */
export async function generateVideoComparison(ctx: ServiceContext, id: string, raw: unknown) {
  requireScope(ctx, 'content:generate');
  const input = parseInput(VideoComparisonInput, raw);
  const asks: VideoAsk[] = input.variants ?? DEFAULT_VARIANTS.slice(0, input.count ?? 2);
  return queueVideos(ctx, id, asks.map((a) => ({ ...a, prompt: a.prompt ?? input.prompt ?? null })), input.dryRun, true);
}

export async function findVideo(ctx: ServiceContext, id: string, query: PrismaQuery<Prisma.ContentVideoInclude, Prisma.ContentVideoSelect> = {}): Promise<ContentVideo | null> {
  requireScope(ctx, 'content:read');
  return ctx.deps.prisma.contentVideo.findFirst({ ...query, where: { id, teamId: ctx.actor.teamId } });
}

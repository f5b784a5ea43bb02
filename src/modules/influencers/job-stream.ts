/**
 * The `influencerJob` stream: the `influencer.job` events of one influencer
 * (its reference packs and previews) or of one preview, served with the one
 * stored-then-live helper (src/infra/live-replay.ts). The "stored" part is
 * the state now of each unfinished job (or of the preview, finished or not).
 */
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { ValidationError } from '../../errors.js';
import type { Preview } from '../../generated/prisma/client.js';
import { storedThenLive } from '../../infra/live-replay.js';
import type { InfluencerJobEvent } from './events.js';
import { previewImages, previewNotFound } from './previews.js';
import { findOwn } from './records.js';
import { activeJobWhere, packView } from './references.js';

const RANK = { queued: 0, running: 1, completed: 2, failed: 2 } as const;

/**
 * The admit rule: an event passes only if it moves its job forward (more
 * done, or a later status), so a client sees every step once and in order
 * although the state read and the live events overlap.
 */
function movesItsJobForward(): (e: InfluencerJobEvent) => InfluencerJobEvent[] {
  const seen = new Map<string, { done: number; rank: number }>();
  return (e) => {
    const last = seen.get(e.id);
    if (last && e.done <= last.done && RANK[e.status] <= last.rank) return [];
    seen.set(e.id, { done: Math.max(e.done, last?.done ?? 0), rank: Math.max(RANK[e.status], last?.rank ?? 0) });
    return [e];
  };
}

function previewEvent(p: Pick<Preview, 'id' | 'influencerId' | 'status' | 'count' | 'images' | 'error'>): InfluencerJobEvent {
  const images = previewImages(p);
  const status = (['queued', 'running', 'completed', 'failed'] as const).find((x) => x === p.status) ?? 'queued';
  return { id: p.id, influencerId: p.influencerId, kind: 'preview', status, done: images.length, total: p.count, mediaIds: images, error: p.error, at: new Date().toISOString() };
}

/** The state now of what the stream covers: unfinished packs and previews (or the one preview, finished or not). */
async function currentEvents(ctx: ServiceContext, target: { influencerId: string } | { previewId: string }): Promise<InfluencerJobEvent[]> {
  const teamId = ctx.actor.teamId;
  if ('previewId' in target) {
    const p = await ctx.deps.prisma.preview.findFirst({ where: { id: target.previewId, teamId } });
    return p ? [previewEvent(p)] : [];
  }
  const inf = await findOwn(ctx, target.influencerId);
  const jobs = await ctx.deps.prisma.job.findMany({ where: activeJobWhere(teamId, inf.id), orderBy: { createdAt: 'asc' } });
  const out: InfluencerJobEvent[] = [];
  for (const job of jobs) {
    const v = await packView(ctx.deps, job, inf);
    out.push({ id: v.id, influencerId: inf.id, kind: 'references', status: v.status, done: v.done, total: v.total, mediaIds: v.views.map((x) => x.mediaId), error: v.error, at: new Date().toISOString() });
  }
  const previews = await ctx.deps.prisma.preview.findMany({ where: { teamId, influencerId: inf.id, status: { in: ['queued', 'running'] } }, orderBy: { createdAt: 'asc' } });
  return [...out, ...previews.map(previewEvent)];
}

/**
 * The `influencer.job` events of one influencer (its reference packs and
 * previews) or of one preview: first the state now of each unfinished one
 * (or of the preview), then live events as they are published, each only if
 * it moves its job forward. A preview's stream ends with its completed or
 * failed event; an influencer's stays open.
 */
export async function* influencerJobEvents(ctx: ServiceContext, target: { influencerId?: string | null; previewId?: string | null }): AsyncGenerator<InfluencerJobEvent> {
  requireScope(ctx, 'character:read');
  if (!!target.influencerId === !!target.previewId) throw new ValidationError('give exactly one of influencerId or previewId', 'influencerId');
  const key = target.influencerId ?? target.previewId!;
  if (target.influencerId) await findOwn(ctx, target.influencerId);
  else if (!(await ctx.deps.prisma.preview.findFirst({ where: { id: key, teamId: ctx.actor.teamId }, select: { id: true } }))) throw previewNotFound();
  yield* storedThenLive({
    live: ctx.deps.pubsub.subscribe('influencer.job', key),
    stored: () => currentEvents(ctx, target.influencerId ? { influencerId: key } : { previewId: key }),
    admit: movesItsJobForward(),
    ends: (e) => !!target.previewId && (e.status === 'completed' || e.status === 'failed'),
  });
}

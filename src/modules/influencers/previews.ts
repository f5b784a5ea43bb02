/**
 * Previews: 1–4 images of an influencer or of a draft character, made by a
 * durable job (jobs.ts) whose progress goes out on `influencer.job` (keyed by
 * the influencer and by the preview). The preview stores what it was made
 * from (its spec), so later edits of the influencer do not change it.
 */
import type { Deps, ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { NotFoundError } from '../../errors.js';
import type { Preview, Prisma } from '../../generated/prisma/client.js';
import { keysetPage } from '../../infra/pagination.js';
import { parseInput } from '../../validation.js';
import { estimate } from '../catalog/service.js';
import { costOf, imageProvider, type Billable } from './costs.js';
import { publishJobEvent } from './events.js';
import { CreatePreviewInput, PreviewListInput } from './inputs.js';
import { subjectOf } from './prompts.js';
import { findOwn, jsonObject, newId, type PrismaQuery } from './records.js';
import { referencesOf } from './references.js';

export const PREVIEW_JOB = 'influencer.preview';

export const previewNotFound = () => new NotFoundError('Preview not found', 'preview_not_found');

export interface PreviewSpec {
  name: string | null;
  basePrompt: string;
  aestheticGrade: string | null;
  niche: string | null;
  /** The influencer's front reference when there is one (a style reference). */
  referenceBlobId: string | null;
}

export const previewSpec = (p: Pick<Preview, 'spec'>) => jsonObject(p.spec) as unknown as PreviewSpec;
export const previewImages = (p: Pick<Preview, 'images'>) => (Array.isArray(p.images) ? (p.images as unknown[]).filter((x): x is string => typeof x === 'string') : []);

/** Generates `count` (1–4) preview images of an influencer or a draft, as a job (202); `dryRun`: the estimate. */
export async function createPreview(ctx: ServiceContext, raw: unknown): Promise<Billable<Preview>> {
  requireScope(ctx, 'character:write');
  const input = parseInput(CreatePreviewInput, raw);
  let spec: PreviewSpec;
  if (input.influencerId) {
    const inf = await findOwn(ctx, input.influencerId);
    const front = referencesOf(inf).find((r) => r.view === 'front');
    spec = {
      name: input.name ?? inf.name,
      basePrompt: input.basePrompt ?? subjectOf(inf),
      aestheticGrade: input.aestheticGrade ?? inf.aestheticGrade,
      niche: input.niche ?? inf.niche,
      referenceBlobId: front?.blobId ?? null,
    };
  } else {
    spec = { name: input.name ?? null, basePrompt: input.basePrompt!, aestheticGrade: input.aestheticGrade ?? null, niche: input.niche ?? null, referenceBlobId: null };
  }
  const cost = estimate([{ action: 'image.generate', quantity: input.count, provider: imageProvider(ctx.deps) }]);
  if (input.dryRun) return { dryRun: true, estimate: cost };
  const previewId = newId('prev_');
  const teamId = ctx.actor.teamId;
  const preview = await ctx.deps.prisma.$transaction(async (tx) => {
    const job = await ctx.deps.jobs.enqueue(PREVIEW_JOB, { previewId }, { teamId, tx });
    return tx.preview.create({ data: { id: previewId, teamId, influencerId: input.influencerId ?? null, spec: spec as unknown as Prisma.InputJsonObject, count: input.count, status: 'queued', jobId: job.id } });
  });
  publishJobEvent(ctx.deps, [preview.influencerId, preview.id], { id: preview.id, influencerId: preview.influencerId, kind: 'preview', status: 'queued', done: 0, total: preview.count, mediaIds: [], error: null });
  ctx.deps.jobs.kick();
  return { dryRun: false, result: preview, estimate: cost };
}

export async function listPreviews(ctx: ServiceContext, raw: Record<string, unknown>) {
  requireScope(ctx, 'character:read');
  const input = parseInput(PreviewListInput, raw);
  const where: Prisma.PreviewWhereInput = { teamId: ctx.actor.teamId, ...(input.influencerId ? { influencerId: input.influencerId } : {}) };
  return keysetPage(input, 'a preview', {
    anchor: (id) => ctx.deps.prisma.preview.findFirst({ where: { AND: [where, { id }] }, select: { id: true } }),
    rows: (page) => ctx.deps.prisma.preview.findMany({ where, ...page }),
  });
}

export async function getPreview(ctx: ServiceContext, id: string): Promise<Preview> {
  requireScope(ctx, 'character:read');
  const p = await ctx.deps.prisma.preview.findFirst({ where: { id, teamId: ctx.actor.teamId } });
  if (!p) throw previewNotFound();
  return p;
}

export async function findPreview(ctx: ServiceContext, id: string, query: PrismaQuery<Prisma.PreviewInclude, Prisma.PreviewSelect> = {}): Promise<Preview | null> {
  requireScope(ctx, 'character:read');
  return ctx.deps.prisma.preview.findFirst({ ...query, where: { id, teamId: ctx.actor.teamId } });
}

export async function findPreviews(ctx: ServiceContext, influencerId: string | null, query: Prisma.PreviewFindManyArgs): Promise<Preview[]> {
  requireScope(ctx, 'character:read');
  return ctx.deps.prisma.preview.findMany({ ...query, where: { teamId: ctx.actor.teamId, ...(influencerId ? { influencerId } : {}) }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
}

export async function previewCost(deps: Deps, p: Pick<Preview, 'id' | 'teamId'>) {
  return costOf(deps, p.teamId, 'previewId', p.id);
}

/**
 * Content batches (AutoPersonas, seed 001): POST /content/generate creates the
 * batch, its `count` items (status generating, positions 0..count-1, unique
 * per batch) and the job in one transaction. The job (jobs.ts) makes each
 * item still generating and stores image, caption, media-library entry,
 * costs and the batch counters in one transaction per item, so a job run
 * again after a restart skips what is done and never makes an item twice.
 * Reads of batches, and the loaders that read many at once for GraphQL.
 */
import type { Deps, ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import type { Batch, ContentItem, Prisma } from '../../generated/prisma/client.js';
import { groupBy, selectList, statementName } from '../../infra/db/sql.js';
import { newId } from '../../infra/ids.js';
import { parseInput } from '../../validation.js';
import { AESTHETIC_GRADES, findGrade, estimate, type CostEstimate } from '../catalog/service.js';
import { directionsOf } from '../profiles/service.js';
import { currentProviders, itemTopic } from './generate.js';
import { GenerateContentInput } from './inputs.js';
import { batchNotFound, findProfile, ITEM_INCLUDE, type BatchWithItems, type PrismaQuery } from './lookups.js';

export const BATCH_JOB = 'content.batch';

export type GenerateResult = { dryRun: true; estimate: CostEstimate } | { dryRun: false; batch: BatchWithItems; estimate: CostEstimate };

/**
 * `collaborationId` (POST /api/v1/collaborations/:id/generate): every item
 * features the collaboration's influencers together (their references and
 * descriptions, see generate.ts), posted by the given profile.
 */
export async function generateContent(ctx: ServiceContext, raw: unknown, opts: { collaborationId?: string } = {}): Promise<GenerateResult> {
  requireScope(ctx, 'content:generate');
  const input = parseInput(GenerateContentInput, raw);
  const featuring = opts.collaborationId ? await collaborationCast(ctx, opts.collaborationId) : null;
  const profile = await findProfile(ctx, input.profileId);
  const directions = directionsOf(profile);
  if (input.contentDirectionId && !directions.some((d) => d.id === input.contentDirectionId)) {
    throw new ValidationError('contentDirectionId does not name a content direction of this profile', 'contentDirectionId');
  }
  if (input.aestheticGrade && !findGrade(input.aestheticGrade)) {
    throw new ValidationError(`aestheticGrade must be one of ${AESTHETIC_GRADES.map((g) => g.id).join(', ')}`, 'aestheticGrade');
  }
  const providers = currentProviders(ctx.deps);
  const cost = estimate([
    { action: 'image.generate', quantity: input.count, provider: providers.images },
    { action: 'caption.generate', quantity: input.count, provider: providers.text },
  ]);
  if (input.dryRun) return { dryRun: true, estimate: cost };

  const batchId = newId('batch_');
  const teamId = ctx.actor.teamId;
  const items = Array.from({ length: input.count }, (_, position) => {
    const topic = itemTopic(position, input, directions);
    return {
      id: newId('ci_'),
      teamId,
      batchId,
      position,
      profileId: profile.id,
      influencerId: profile.influencerId,
      status: 'generating',
      prompt: topic.prompt,
      metadata: { contentDirectionId: topic.contentDirectionId, aestheticGrade: input.aestheticGrade ?? null, ...(featuring ? { collaborationId: opts.collaborationId, featuring } : {}) },
    };
  });
  await ctx.deps.prisma.$transaction(async (tx) => {
    const job = await ctx.deps.jobs.enqueue(BATCH_JOB, { batchId }, { teamId, tx });
    await tx.batch.create({
      data: {
        id: batchId,
        teamId,
        profileId: profile.id,
        count: input.count,
        options: {
          prompt: input.prompt ?? null,
          contentDirectionId: input.contentDirectionId ?? null,
          aestheticGrade: input.aestheticGrade ?? null,
          providers,
          ...(featuring ? { collaborationId: opts.collaborationId, featuring } : {}),
        },
        status: 'queued',
        jobId: job.id,
      },
    });
    await tx.contentItem.createMany({ data: items });
  });
  ctx.deps.jobs.kick();
  return { dryRun: false, batch: await batchView(ctx, batchId), estimate: cost };
}

/** The influencer ids of a team's collaboration, in its order (404 for another team's). */
async function collaborationCast(ctx: ServiceContext, id: string): Promise<string[]> {
  const c = await ctx.deps.prisma.collaboration.findFirst({ where: { id, teamId: ctx.actor.teamId }, include: { members: { orderBy: { position: 'asc' }, select: { influencerId: true } } } });
  if (!c) throw new NotFoundError('Collaboration not found', 'collaboration_not_found');
  return c.members.map((m) => m.influencerId);
}

export async function getBatch(ctx: ServiceContext, id: string): Promise<BatchWithItems> {
  requireScope(ctx, 'content:read');
  return batchView(ctx, id);
}

/** The batch with its items and their videos (REST shape); the caller checked the scope. */
async function batchView(ctx: ServiceContext, id: string): Promise<BatchWithItems> {
  const batch = await ctx.deps.prisma.batch.findFirst({
    where: { id, teamId: ctx.actor.teamId },
    include: { items: { include: ITEM_INCLUDE, orderBy: { position: 'asc' } } },
  });
  if (!batch) throw batchNotFound();
  return batch;
}

/** For GraphQL: the batch with the caller's selection. */
export async function findBatch(ctx: ServiceContext, id: string, query: PrismaQuery<Prisma.BatchInclude, Prisma.BatchSelect> = {}): Promise<Batch | null> {
  requireScope(ctx, 'content:read');
  return ctx.deps.prisma.batch.findFirst({ ...query, where: { id, teamId: ctx.actor.teamId } });
}

export const batchProgress = (b: Pick<Batch, 'count' | 'completed' | 'failed'>) => (b.count ? Math.round((100 * (b.completed + b.failed)) / b.count) : 100);

/**
 * The latest `limit` batches of each profile (newest first), for many
 * profiles in one statement: the GraphQL Profile.batches loader. The callers
 * reached the profiles through the caller's team.
 */
export async function latestBatchesOf(deps: Deps, profileIds: readonly string[], limit: number, columns: readonly string[] | null = null): Promise<Batch[][]> {
  const text = `SELECT ${selectList(columns, 'x')} FROM (SELECT b.*, row_number() OVER (PARTITION BY b."profileId" ORDER BY b."createdAt" DESC, b.id DESC) AS _rank
       FROM "Batch" b WHERE b."profileId" = ANY($1)) x WHERE x._rank <= $2 ORDER BY x."profileId", x._rank`;
  const rows = await deps.sql.rows<Batch & { _rank?: string }>(statementName('batches_of_profiles', text), text, [profileIds, limit]);
  if (!columns) for (const r of rows) delete r._rank;
  return groupBy(profileIds, rows, (r) => r.profileId);
}

/** The items of many batches in position order, in one statement: the GraphQL Batch.items loader. */
export async function itemsOfBatches(deps: Deps, batchIds: readonly string[], columns: readonly string[] | null = null): Promise<ContentItem[][]> {
  const text = `SELECT ${selectList(columns)} FROM "ContentItem" WHERE "batchId" = ANY($1) ORDER BY "batchId", position`;
  const rows = await deps.sql.rows<ContentItem>(statementName('items_of_batches', text), text, [batchIds]);
  return groupBy(batchIds, rows, (r) => r.batchId!);
}

/** What a batch's generations have cost so far (the cost records of its job). */
export async function batchCost(ctx: ServiceContext, batchId: string): Promise<{ currency: 'USD'; totalMicros: number; total: number }> {
  const agg = await ctx.deps.prisma.costRecord.aggregate({
    _sum: { totalMicros: true },
    where: { teamId: ctx.actor.teamId, subject: { path: ['batchId'], equals: batchId } },
  });
  const totalMicros = agg._sum.totalMicros ?? 0;
  return { currency: 'USD', totalMicros, total: totalMicros / 1e6 };
}

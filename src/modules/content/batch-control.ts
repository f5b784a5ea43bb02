/**
 * Listing a team's batches and cancelling one (issue 20).
 *
 * Cancel: a queued or generating batch becomes `cancelled` in one
 * transaction with the removal of its items still `generating` (nothing was
 * made for them; the items already made are kept, as are their costs), then
 * its job is cancelled and subscribers get the end event (type `cancelled`).
 * The job checks the batch before each item and a late item's store matches
 * no `generating` row, so nothing is made or counted after the cancel.
 * A batch that has ended is 409 naming its status.
 */
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { ConflictError } from '../../errors.js';
import type { Batch, Prisma } from '../../generated/prisma/client.js';
import { keysetPage, type Page } from '../../infra/pagination.js';
import { parseInput } from '../../validation.js';
import { deliverAfterCommit, emitEvent } from '../webhooks/service.js';
import { endEvent } from './batch-events.js';
import { BatchListInput } from './inputs.js';
import { batchNotFound } from './lookups.js';

export interface BatchFilter {
  status?: string | null;
  profileId?: string | null;
  influencerId?: string | null;
}

function batchWhere(ctx: ServiceContext, f: BatchFilter): Prisma.BatchWhereInput {
  return {
    teamId: ctx.actor.teamId,
    ...(f.status ? { status: f.status } : {}),
    ...(f.profileId ? { profileId: f.profileId } : {}),
    ...(f.influencerId ? { profile: { influencerId: f.influencerId } } : {}),
  };
}

/** GET /api/v1/batches: newest first, filtered by status, profile or the profile's influencer. */
export async function listBatches(ctx: ServiceContext, raw: Record<string, unknown>): Promise<Page<Batch>> {
  requireScope(ctx, 'content:read');
  const input = parseInput(BatchListInput, raw);
  const where = batchWhere(ctx, input);
  return keysetPage(input, 'a batch', {
    anchor: (id) => ctx.deps.prisma.batch.findFirst({ where: { AND: [where, { id }] }, select: { id: true } }),
    rows: (page) => ctx.deps.prisma.batch.findMany({ where, ...page }),
  });
}

/** For the GraphQL connection: Pothos supplies cursor, take, skip and the selection. */
export async function findBatches(ctx: ServiceContext, filter: BatchFilter, query: Prisma.BatchFindManyArgs): Promise<Batch[]> {
  requireScope(ctx, 'content:read');
  const input = parseInput(BatchListInput, { ...(filter.status ? { status: filter.status } : {}) });
  return ctx.deps.prisma.batch.findMany({ ...query, where: batchWhere(ctx, { ...filter, status: input.status }), orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
}

const notCancellable = (status: string) =>
  new ConflictError(`batch is ${status}; only queued or generating batches can be cancelled`, 'invalid_status_transition');

/** POST /api/v1/batches/:id/cancel. Returns the batch id (read it again for the view). */
export async function cancelBatch(ctx: ServiceContext, id: string): Promise<string> {
  requireScope(ctx, 'content:generate');
  const teamId = ctx.actor.teamId;
  const batch = await ctx.deps.prisma.batch.findFirst({ where: { id, teamId } });
  if (!batch) throw batchNotFound();
  if (batch.status !== 'queued' && batch.status !== 'generating') throw notCancellable(batch.status);
  const finishedAt = new Date();
  const ended = await ctx.deps.prisma.$transaction(async (tx) => {
    const { count } = await tx.batch.updateMany({
      where: { id, teamId, status: { in: ['queued', 'generating'] } },
      data: { status: 'cancelled', finishedAt, error: 'cancelled by request' },
    });
    if (!count) return null;
    const dropped = await tx.contentItem.deleteMany({ where: { batchId: id, status: 'generating' } });
    const row = await tx.batch.findUniqueOrThrow({ where: { id } });
    await emitEvent(tx, ctx.deps, {
      teamId,
      type: 'batch.completed',
      data: { batchId: id, profileId: row.profileId, status: 'cancelled', count: row.count, completed: row.completed, failed: row.failed, dropped: dropped.count },
    });
    return row;
  });
  if (!ended) {
    const now = await ctx.deps.prisma.batch.findFirst({ where: { id, teamId }, select: { status: true } });
    throw now ? notCancellable(now.status) : batchNotFound();
  }
  deliverAfterCommit(ctx.deps);
  if (batch.jobId) await ctx.deps.jobs.cancel(batch.jobId);
  ctx.deps.pubsub.publish('content.batch', id, endEvent(ended));
  return id;
}

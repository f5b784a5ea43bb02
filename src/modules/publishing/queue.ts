/**
 * The publishing queue / calendar (issue 20): the team's publications by when
 * they are due (`plannedAt`: the scheduled time, or when "now" was asked),
 * earliest first, between `from` and `to`, filtered by platform, status,
 * profile or account, paged with `starting_after` like every AutoPersonas
 * list; and rescheduling one that has not gone out yet. Cancelling is
 * `POST /api/v1/content/:id/unpublish` with its publication id.
 */
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import type { Prisma } from '../../generated/prisma/client.js';
import type { Page } from '../../infra/pagination.js';
import { parseInput } from '../../validation.js';
import { QueueInput, RescheduleInput } from './inputs.js';
import { announce, PUBLISH_JOB, syncItemStatus, type PublicationWithAccount } from './service.js';

export type QueueRow = PublicationWithAccount & { contentItem: { id: string; caption: string | null; status: string; imageBlobId: string | null } };

const include = { account: true, contentItem: { select: { id: true, caption: true, status: true, imageBlobId: true } } } as const;

export function queueWhere(ctx: ServiceContext, input: QueueInput): Prisma.PublicationWhereInput {
  if (input.from && input.to && input.from >= input.to) throw new ValidationError('from must be before to', 'from');
  return {
    teamId: ctx.actor.teamId,
    ...(input.from || input.to ? { plannedAt: { ...(input.from ? { gte: input.from } : {}), ...(input.to ? { lt: input.to } : {}) } } : {}),
    ...(input.status ? { status: { in: input.status } } : {}),
    ...(input.platform ? { account: { platform: { in: input.platform } } } : {}),
    ...(input.profileId ? { profileId: input.profileId } : {}),
    ...(input.accountId ? { accountId: input.accountId } : {}),
  };
}

/** GET /api/v1/publishing/queue: earliest due first. */
export async function publishingQueue(ctx: ServiceContext, raw: unknown): Promise<Page<QueueRow>> {
  requireScope(ctx, 'publishing:write');
  const input = parseInput(QueueInput, raw);
  const where = queueWhere(ctx, input);
  const after = input.starting_after;
  if (after && !(await ctx.deps.prisma.publication.findFirst({ where: { AND: [where, { id: after }] }, select: { id: true } }))) {
    throw new ValidationError('starting_after does not name a publication in this list', 'starting_after');
  }
  const rows = await ctx.deps.prisma.publication.findMany({
    where,
    include,
    orderBy: [{ plannedAt: 'asc' }, { id: 'asc' }],
    take: input.limit + 1,
    ...(after ? { cursor: { id: after }, skip: 1 } : {}),
  });
  const hasMore = rows.length > input.limit;
  const data = rows.slice(0, input.limit);
  return { data, hasMore, nextCursor: hasMore ? data[data.length - 1]!.id : null };
}

/** For the GraphQL connection (its own paging). */
export function queueFilter(ctx: ServiceContext, raw: unknown): Prisma.PublicationWhereInput {
  requireScope(ctx, 'publishing:write');
  return queueWhere(ctx, parseInput(QueueInput, raw));
}

/**
 * POST /api/v1/publications/:id/reschedule: a scheduled publication (or a
 * queued one not yet tried) to a new time; a time in the past means now.
 * Its job is replaced; the idempotency key stays.
 */
export async function reschedule(ctx: ServiceContext, publicationId: string, raw: unknown): Promise<QueueRow> {
  requireScope(ctx, 'publishing:write');
  const input = parseInput(RescheduleInput, raw);
  const p = await ctx.deps.prisma.publication.findFirst({ where: { id: publicationId, teamId: ctx.actor.teamId }, include });
  if (!p) throw new NotFoundError('No such publication', 'publication_not_found');
  const movable = p.status === 'scheduled' || (p.status === 'queued' && p.attempts === 0);
  if (!movable) throw new ConflictError(`publication is ${p.status}${p.status === 'queued' ? ' and being tried' : ''}; only one that has not gone out yet can be rescheduled`, 'invalid_status_transition', 'scheduledAt');
  const at = input.scheduledAt.getTime() > Date.now() ? input.scheduledAt : null;
  await ctx.deps.prisma.$transaction(async (tx) => {
    const job = await ctx.deps.jobs.enqueue(PUBLISH_JOB, { publicationId: p.id }, { teamId: ctx.actor.teamId, runAt: at ?? undefined, tx, maxAttempts: p.maxAttempts });
    // Conditional on what was read: a job that started meanwhile wins.
    const { count } = await tx.publication.updateMany({
      where: { id: p.id, status: p.status, attempts: 0 },
      data: { status: at ? 'scheduled' : 'queued', scheduledAt: at, plannedAt: at ?? new Date(), jobId: job.id, nextAttemptAt: null },
    });
    if (!count) throw new ConflictError('publication started going out just now; it can no longer be rescheduled', 'publish_in_progress', 'scheduledAt');
    await syncItemStatus(tx, p.contentItemId);
  });
  if (p.jobId) await ctx.deps.jobs.cancel(p.jobId);
  ctx.deps.jobs.kick();
  await announce(ctx, p.id);
  return (await ctx.deps.prisma.publication.findUnique({ where: { id: p.id }, include }))!;
}

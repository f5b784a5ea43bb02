/**
 * Content items: reading and listing them, and their review. Every status
 * change is a conditional write (status machine in status.ts); a refused one
 * is a 409 naming the status found.
 */
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import type { ContentItem, Prisma } from '../../generated/prisma/client.js';
import { keysetPage, type Page } from '../../infra/pagination.js';
import { parseInput } from '../../validation.js';
import { addVoiceSamples } from '../profiles/service.js';
import { deliverAfterCommit, emitEvent } from '../webhooks/service.js';
import { ContentListInput, RejectInput, UpdateContentInput } from './inputs.js';
import { conditionally, findItem, ITEM_INCLUDE, itemView, refused, WriteRefused, type ItemWithVideos, type PrismaQuery } from './lookups.js';
import { transition, type ContentAction } from './status.js';

// --- read ------------------------------------------------------------------------------

export async function getContentItem(ctx: ServiceContext, id: string): Promise<ItemWithVideos> {
  requireScope(ctx, 'content:read');
  return itemView(ctx, id);
}

/** For GraphQL: the item with the caller's selection, or null. */
export async function findContentItem(ctx: ServiceContext, id: string, query: PrismaQuery<Prisma.ContentItemInclude, Prisma.ContentItemSelect> = {}): Promise<ContentItem | null> {
  requireScope(ctx, 'content:read');
  return ctx.deps.prisma.contentItem.findFirst({ ...query, where: { id, teamId: ctx.actor.teamId } });
}

export interface ContentFilter {
  status?: string | null;
  profileId?: string | null;
  influencerId?: string | null;
  batchId?: string | null;
}

function filterWhere(ctx: ServiceContext, f: ContentFilter): Prisma.ContentItemWhereInput {
  return {
    teamId: ctx.actor.teamId,
    ...(f.status ? { status: f.status } : {}),
    ...(f.profileId ? { profileId: f.profileId } : {}),
    ...(f.influencerId ? { influencerId: f.influencerId } : {}),
    ...(f.batchId ? { batchId: f.batchId } : {}),
  };
}

/** GET /content: newest first, `limit` at a time after the `starting_after` id. */
export async function listContent(ctx: ServiceContext, raw: Record<string, unknown>): Promise<Page<ItemWithVideos>> {
  requireScope(ctx, 'content:read');
  const input = parseInput(ContentListInput, raw);
  const where = filterWhere(ctx, input);
  return keysetPage(input, 'a content item', {
    anchor: (id) => ctx.deps.prisma.contentItem.findFirst({ where: { AND: [where, { id }] }, select: { id: true } }),
    rows: (page) => ctx.deps.prisma.contentItem.findMany({ where, include: ITEM_INCLUDE, ...page }),
  });
}

/** For the GraphQL connection: Pothos supplies cursor, take, skip and the selection. */
export async function findContentItems(ctx: ServiceContext, filter: ContentFilter, query: Prisma.ContentItemFindManyArgs): Promise<ContentItem[]> {
  requireScope(ctx, 'content:read');
  if (filter.status) parseInput(ContentListInput, { status: filter.status });
  return ctx.deps.prisma.contentItem.findMany({ ...query, where: filterWhere(ctx, filter), orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
}

// --- review ----------------------------------------------------------------------------

export async function approveContentItem(ctx: ServiceContext, id: string): Promise<ItemWithVideos> {
  requireScope(ctx, 'content:write');
  const item = await findItem(ctx, id);
  transition('approve', item.status);
  await conditionally(ctx, id, 'approve', async (tx) => {
    const { count } = await tx.contentItem.updateMany({ where: { id, teamId: ctx.actor.teamId, status: 'pending_review' }, data: { status: 'approved' } });
    if (!count) throw new WriteRefused();
    // An approved caption is the profile's voice: it grounds later captions.
    if (item.caption) await addVoiceSamples(tx, item.teamId, item.profileId, [item.caption], 'approved');
    await emitEvent(tx, ctx.deps, { teamId: item.teamId, type: 'content.approved', data: { contentItemId: id, profileId: item.profileId } });
  });
  deliverAfterCommit(ctx.deps);
  return itemView(ctx, id);
}

export async function rejectContentItem(ctx: ServiceContext, id: string, raw: unknown): Promise<ItemWithVideos> {
  requireScope(ctx, 'content:write');
  const input = parseInput(RejectInput, raw);
  const item = await findItem(ctx, id);
  transition('reject', item.status);
  const count = await ctx.deps.prisma.$transaction(async (tx) => {
    const { count } = await tx.contentItem.updateMany({
      where: { id, teamId: ctx.actor.teamId, status: 'pending_review' },
      data: { status: 'rejected', rejectReason: input.reason },
    });
    if (count) await emitEvent(tx, ctx.deps, { teamId: item.teamId, type: 'content.rejected', data: { contentItemId: id, profileId: item.profileId, reason: input.reason } });
    return count;
  });
  if (!count) throw await refused(ctx, id, 'reject');
  deliverAfterCommit(ctx.deps);
  return itemView(ctx, id);
}

/**
 * PUT /content/:id: `caption` and/or `prompt` (the topic later regenerations
 * use). A new caption needs review again: approved and rejected items go
 * back to pending_review. A prompt alone changes no status.
 */
export async function updateContentItem(ctx: ServiceContext, id: string, raw: unknown): Promise<ItemWithVideos> {
  requireScope(ctx, 'content:write');
  const input = parseInput(UpdateContentInput, raw);
  const item = await findItem(ctx, id);
  const captionChanges = input.caption !== undefined && input.caption !== item.caption;
  const action: ContentAction = captionChanges ? 'edit' : 'editPrompt';
  const to = transition(action, item.status);
  const { count } = await ctx.deps.prisma.contentItem.updateMany({
    where: { id, teamId: ctx.actor.teamId, status: item.status, updatedAt: item.updatedAt },
    data: {
      ...(captionChanges ? { caption: input.caption, status: to, rejectReason: null } : {}),
      ...(input.prompt !== undefined ? { prompt: input.prompt } : {}),
    },
  });
  if (!count) throw await refused(ctx, id, action);
  return itemView(ctx, id);
}

export async function deleteContentItem(ctx: ServiceContext, id: string): Promise<ItemWithVideos> {
  requireScope(ctx, 'content:write');
  const item = await itemView(ctx, id);
  transition('delete', item.status);
  const { count } = await ctx.deps.prisma.contentItem.deleteMany({ where: { id, teamId: ctx.actor.teamId, status: { not: 'generating' } } });
  if (!count) throw await refused(ctx, id, 'delete');
  return item;
}

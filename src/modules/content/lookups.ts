/**
 * What every content use case starts from: the team-filtered reads of a
 * profile, an item and its REST view, and the conditional write that turns
 * a write matching nothing into the right 404 or 409.
 *
 * Profiles and influencers are read straight from the database with the team
 * filter; another team's ids are 404.
 */
import type { ServiceContext } from '../../context.js';
import { AppError, ConflictError, NotFoundError } from '../../errors.js';
import type { Batch, ContentItem, Prisma } from '../../generated/prisma/client.js';
import type { CostEstimate } from '../catalog/service.js';
import type { ProfileWithInfluencer } from './generate.js';
import { transition, type ContentAction } from './status.js';

export const itemNotFound = () => new NotFoundError('Content item not found', 'content_item_not_found');
export const batchNotFound = () => new NotFoundError('Batch not found', 'batch_not_found');
const profileNotFound = () => new NotFoundError('Profile not found', 'profile_not_found');

type Json = Record<string, unknown>;
export const jsonObject = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
/** The strings of a JSON array (e.g. a batch's `featuring` influencer ids); [] for anything else. */
export const stringList = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** Pothos' selection for the caller's GraphQL query, spread into Prisma calls. */
export type PrismaQuery<Include, Select> = { include?: Include; select?: Select };

export const ITEM_INCLUDE = { videos: { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] } } satisfies Prisma.ContentItemInclude;
export type ItemWithVideos = Prisma.ContentItemGetPayload<{ include: typeof ITEM_INCLUDE }>;
export type BatchWithItems = Batch & { items: ItemWithVideos[] };

/** A billable call: the estimate for a dry run, else what it made. */
export type Billable<T> = { dryRun: true; estimate: CostEstimate } | { dryRun: false; result: T };

export async function findProfile(ctx: ServiceContext, id: string): Promise<ProfileWithInfluencer> {
  const profile = await ctx.deps.prisma.profile.findFirst({ where: { id, teamId: ctx.actor.teamId }, include: { influencer: true } });
  if (!profile) throw profileNotFound();
  return profile;
}

export async function findItem(ctx: ServiceContext, id: string): Promise<ContentItem> {
  const item = await ctx.deps.prisma.contentItem.findFirst({ where: { id, teamId: ctx.actor.teamId } });
  if (!item) throw itemNotFound();
  return item;
}

/** The item with its videos (REST shape). */
export async function itemView(ctx: ServiceContext, id: string): Promise<ItemWithVideos> {
  const item = await ctx.deps.prisma.contentItem.findFirst({ where: { id, teamId: ctx.actor.teamId }, include: ITEM_INCLUDE });
  if (!item) throw itemNotFound();
  return item;
}

/**
 * After a conditional write matched nothing: the item is gone (404) or its
 * status no longer allows the action (409 naming the status it has now).
 */
export async function refused(ctx: ServiceContext, id: string, action: ContentAction): Promise<AppError> {
  const now = await ctx.deps.prisma.contentItem.findFirst({ where: { id, teamId: ctx.actor.teamId }, select: { status: true } });
  if (!now) return itemNotFound();
  try {
    transition(action, now.status);
  } catch (e) {
    return e as AppError;
  }
  return new ConflictError('content item changed while this request ran; read it again and retry', 'content_item_changed');
}

/** Thrown inside a transaction whose conditional write matched nothing: rolls it back; `refused` says why, outside it. */
export class WriteRefused extends Error {}

/** Runs `fn` in a transaction; a WriteRefused becomes the 404/409 for `action` (read after the rollback). */
export async function conditionally<T>(ctx: ServiceContext, id: string, action: ContentAction, fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
  try {
    return await ctx.deps.prisma.$transaction(fn);
  } catch (e) {
    if (e instanceof WriteRefused) throw await refused(ctx, id, action);
    throw e;
  }
}

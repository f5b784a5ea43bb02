/**
 * What every profiles use case starts from: the team-filtered reads of a
 * profile (another team's is 404, never 403), its REST view, and its content
 * directions as stored (a JSON list on the row).
 *
 * Influencers are read straight from the database (the influencer module
 * owns their life cycle).
 */
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { NotFoundError } from '../../errors.js';
import type { Influencer, Prisma, Profile } from '../../generated/prisma/client.js';
import { newId } from '../../infra/ids.js';
import type { CostEstimate } from '../catalog/service.js';
import type { ContentDirectionInput } from './inputs.js';

export const profileNotFound = () => new NotFoundError('Profile not found', 'profile_not_found');
const influencerNotFound = () => new NotFoundError('Influencer not found', 'influencer_not_found');

/** Pothos' selection for the caller's GraphQL query, spread into Prisma calls. */
export type PrismaQuery<Include, Select> = { include?: Include; select?: Select };

/** A billable call (draft, caption): the estimate for a dry run, else what it made. */
export type Billable<T> = { dryRun: true; estimate: CostEstimate } | { dryRun: false; result: T; estimate: CostEstimate };

/** What REST shows of a profile: the row and the size of its corpus (one query, a subselect). */
export const PROFILE_INCLUDE = { _count: { select: { voiceSamples: true } } } satisfies Prisma.ProfileInclude;
export type ProfileView = Prisma.ProfileGetPayload<{ include: typeof PROFILE_INCLUDE }>;

export interface ContentDirection {
  id: string;
  title: string;
  prompt: string;
}

/** The stored directions (`[{id, title, prompt}]`), ignoring malformed entries. */
export function directionsOf(profile: Pick<Profile, 'contentDirections'>): ContentDirection[] {
  const raw = Array.isArray(profile.contentDirections) ? profile.contentDirections : [];
  return raw.flatMap((d) => {
    if (!d || typeof d !== 'object' || Array.isArray(d)) return [];
    const o = d as Record<string, unknown>;
    if (typeof o.id !== 'string') return [];
    return [{ id: o.id, title: typeof o.title === 'string' ? o.title : '', prompt: typeof o.prompt === 'string' ? o.prompt : '' }];
  });
}

export const withIds = (list: ContentDirectionInput[]): ContentDirection[] => list.map((d) => ({ id: d.id ?? newId('dir_'), title: d.title, prompt: d.prompt }));

export const asJson = (list: ContentDirection[]) => list as unknown as Prisma.InputJsonArray;

export async function profileView(ctx: ServiceContext, id: string): Promise<ProfileView> {
  const profile = await ctx.deps.prisma.profile.findFirst({ where: { id, teamId: ctx.actor.teamId }, include: PROFILE_INCLUDE });
  if (!profile) throw profileNotFound();
  return profile;
}

export async function profileWithInfluencer(ctx: ServiceContext, id: string): Promise<Profile & { influencer: Influencer | null }> {
  const profile = await ctx.deps.prisma.profile.findFirst({ where: { id, teamId: ctx.actor.teamId }, include: { influencer: true } });
  if (!profile) throw profileNotFound();
  return profile;
}

/** Only the id (a cheap existence and tenancy check). */
export async function profileId(ctx: ServiceContext, id: string): Promise<string> {
  const profile = await ctx.deps.prisma.profile.findFirst({ where: { id, teamId: ctx.actor.teamId }, select: { id: true } });
  if (!profile) throw profileNotFound();
  return profile.id;
}

export async function checkInfluencer(ctx: ServiceContext, id: string): Promise<void> {
  const found = await ctx.deps.prisma.influencer.findFirst({ where: { id, teamId: ctx.actor.teamId }, select: { id: true } });
  if (!found) throw influencerNotFound();
}

/** The scope GraphQL's corpus and media fields on Profile need (as REST's voice-stats and media-library). */
export function requireContentRead(ctx: ServiceContext): void {
  requireScope(ctx, 'content:read');
}

/** Collaborations: 2–10 distinct influencers of a team, in order, grouped for joint content. */
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { NotFoundError } from '../../errors.js';
import type { Collaboration, Prisma } from '../../generated/prisma/client.js';
import { keysetPage } from '../../infra/pagination.js';
import { parseInput } from '../../validation.js';
import { CreateCollaborationInput, ListInput } from './inputs.js';
import { newId, type PrismaQuery } from './records.js';

const collaborationNotFound = () => new NotFoundError('Collaboration not found', 'collaboration_not_found');

export const COLLAB_INCLUDE = {
  members: { orderBy: { position: 'asc' }, include: { influencer: { select: { id: true, name: true, handle: true } } } },
} satisfies Prisma.CollaborationInclude;
export type CollaborationWithMembers = Prisma.CollaborationGetPayload<{ include: typeof COLLAB_INCLUDE }>;

export async function createCollaboration(ctx: ServiceContext, raw: unknown): Promise<CollaborationWithMembers> {
  requireScope(ctx, 'character:write');
  const input = parseInput(CreateCollaborationInput, raw);
  const found = await ctx.deps.prisma.influencer.findMany({ where: { teamId: ctx.actor.teamId, id: { in: input.influencerIds } }, select: { id: true } });
  const missing = input.influencerIds.find((i) => !found.some((f) => f.id === i));
  if (missing) throw new NotFoundError(`Influencer not found: ${missing}`, 'influencer_not_found');
  const id = newId('collab_');
  await ctx.deps.prisma.$transaction(async (tx) => {
    await tx.collaboration.create({ data: { id, teamId: ctx.actor.teamId, name: input.name, description: input.description ?? null } });
    await tx.collaborationMember.createMany({ data: input.influencerIds.map((influencerId, position) => ({ collaborationId: id, influencerId, position })) });
  });
  return getCollaborationRow(ctx, id);
}

async function getCollaborationRow(ctx: ServiceContext, id: string): Promise<CollaborationWithMembers> {
  const c = await ctx.deps.prisma.collaboration.findFirst({ where: { id, teamId: ctx.actor.teamId }, include: COLLAB_INCLUDE });
  if (!c) throw collaborationNotFound();
  return c;
}

export async function getCollaboration(ctx: ServiceContext, id: string): Promise<CollaborationWithMembers> {
  requireScope(ctx, 'character:read');
  return getCollaborationRow(ctx, id);
}

export async function findCollaboration(ctx: ServiceContext, id: string, query: PrismaQuery<Prisma.CollaborationInclude, Prisma.CollaborationSelect> = {}): Promise<Collaboration | null> {
  requireScope(ctx, 'character:read');
  return ctx.deps.prisma.collaboration.findFirst({ ...query, where: { id, teamId: ctx.actor.teamId } });
}

export async function findCollaborations(ctx: ServiceContext, query: Prisma.CollaborationFindManyArgs): Promise<Collaboration[]> {
  requireScope(ctx, 'character:read');
  return ctx.deps.prisma.collaboration.findMany({ ...query, where: { teamId: ctx.actor.teamId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] });
}

export async function listCollaborations(ctx: ServiceContext, raw: Record<string, unknown>) {
  requireScope(ctx, 'character:read');
  const input = parseInput(ListInput, raw);
  const where: Prisma.CollaborationWhereInput = { teamId: ctx.actor.teamId };
  return keysetPage(input, 'a collaboration', {
    anchor: (id) => ctx.deps.prisma.collaboration.findFirst({ where: { ...where, id }, select: { id: true } }),
    rows: (page) => ctx.deps.prisma.collaboration.findMany({ where, include: COLLAB_INCLUDE, ...page }),
  });
}

export async function deleteCollaboration(ctx: ServiceContext, id: string): Promise<CollaborationWithMembers> {
  requireScope(ctx, 'character:write');
  const c = await getCollaborationRow(ctx, id);
  await ctx.deps.prisma.collaboration.deleteMany({ where: { id, teamId: ctx.actor.teamId } });
  return c;
}

/**
 * Autonomis users and their plans. A user belongs to a team; `{user}` is the
 * id or the username (unique per team). Deleting a user deletes all their
 * data: the foreign keys cascade to agents (and so files, conversations,
 * chat runs and their events), secrets, skills, deploy jobs and logs.
 * Lowering the tier below current usage is allowed; it then blocks new agents.
 */
import { credentialsChanged } from '../auth/service.js';
import type { AgentUser, Prisma } from '../../generated/prisma/client.js';
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { ConflictError } from '../../errors.js';
import { parseInput } from '../../validation.js';
import { isUniqueViolation } from '../../infra/db/errors.js';
import { resolveUser, userNotFound } from './lookup.js';
import { CreateUserInput, SetTierInput } from './inputs.js';

/** What other modules use: finding a user from a path, and the plans' limits. */
export { resolveUser, userNotFound } from './lookup.js';
export { TIERS, TIER_NAMES, TierLimitError, tierLimits, type TierLimits, type TierName } from './tiers.js';

export type PrismaQuery = { include?: Prisma.AgentUserInclude; select?: Prisma.AgentUserSelect };

export async function createUser(ctx: ServiceContext, raw: unknown): Promise<AgentUser> {
  requireScope(ctx, 'agent:write');
  const input = parseInput(CreateUserInput, raw);
  try {
    return await ctx.deps.prisma.agentUser.create({
      data: { teamId: ctx.actor.teamId, username: input.username, email: input.email ?? null, tier: input.tier ?? 'free' },
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new ConflictError('user already exists', 'user_exists', 'username');
    throw e;
  }
}

/** The team's users, oldest first. */
export async function listUsers(ctx: ServiceContext, query: PrismaQuery = {}): Promise<AgentUser[]> {
  requireScope(ctx, 'agent:read');
  return ctx.deps.prisma.agentUser.findMany({ ...query, where: { teamId: ctx.actor.teamId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
}

/** The GraphQL connection's rows (Pothos supplies cursor, take, skip and the selection). */
export async function findUsers(ctx: ServiceContext, query: Prisma.AgentUserFindManyArgs): Promise<AgentUser[]> {
  requireScope(ctx, 'agent:read');
  return ctx.deps.prisma.agentUser.findMany({ ...query, where: { teamId: ctx.actor.teamId }, orderBy: query.orderBy ?? [{ createdAt: 'asc' }, { id: 'asc' }] });
}

export async function getUser(ctx: ServiceContext, ref: string, query: PrismaQuery = {}): Promise<AgentUser> {
  requireScope(ctx, 'agent:read');
  const user = await resolveUser(ctx, ref);
  if (!query.include && !query.select) return user;
  return ctx.deps.prisma.agentUser.findUniqueOrThrow({ ...query, where: { id: user.id } });
}

/** The user with their agents (REST's GET /users/{user}). */
export async function getUserWithAgents(ctx: ServiceContext, ref: string) {
  requireScope(ctx, 'agent:read');
  const user = await resolveUser(ctx, ref);
  const agents = await ctx.deps.prisma.agent.findMany({ where: { userId: user.id }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
  return { ...user, agents };
}

/** Deletes the user and, through the cascades, all their data. Returns the user as it was. */
export async function deleteUser(ctx: ServiceContext, ref: string, query: PrismaQuery = {}): Promise<AgentUser> {
  requireScope(ctx, 'agent:write');
  const user = await getUser(ctx, ref, query);
  const { count } = await ctx.deps.prisma.agentUser.deleteMany({ where: { id: user.id, teamId: ctx.actor.teamId } });
  credentialsChanged(ctx.deps, ctx.actor.teamId); // their agents' keys stop working at once
  if (count === 0) throw userNotFound();
  ctx.deps.log.info({ userId: user.id, requestId: ctx.requestId }, 'autonomis user deleted with all their data');
  return user;
}

export async function setTier(ctx: ServiceContext, ref: string, raw: unknown): Promise<AgentUser> {
  requireScope(ctx, 'agent:write');
  const { tier } = parseInput(SetTierInput, raw);
  const user = await resolveUser(ctx, ref);
  return ctx.deps.prisma.agentUser.update({ where: { id: user.id }, data: { tier } });
}

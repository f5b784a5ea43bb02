/**
 * Finding an Autonomis user from a path segment, within the caller's team:
 * `{user}` is the user's id or username. Another team's user is "not found",
 * never "forbidden"; a caller holding an agent key (actor.agentId) finds only
 * that agent's user. Other modules (agents, secrets, files, skills, logs,
 * usage) resolve users through users/service.ts.
 */
import type { AgentUser } from '../../generated/prisma/client.js';
import type { ServiceContext } from '../../context.js';
import { NotFoundError } from '../../errors.js';

export const userNotFound = () => new NotFoundError('user not found', 'user_not_found');

export async function resolveUser(ctx: ServiceContext, ref: string): Promise<AgentUser> {
  const teamId = ctx.actor.teamId;
  const user = await ctx.deps.prisma.agentUser.findFirst({
    where: {
      teamId,
      OR: [{ id: ref }, { username: ref }],
      ...(ctx.actor.agentId ? { agents: { some: { id: ctx.actor.agentId } } } : {}),
    },
    orderBy: { createdAt: 'asc' },
  });
  if (!user) throw userNotFound();
  return user;
}

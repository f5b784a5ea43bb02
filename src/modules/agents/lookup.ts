/**
 * Finding Autonomis agents from path segments, within the caller's team:
 * `{user}` is the user's id or username (users/lookup.ts), `{agent}` the
 * agent's id or name. Another team's user or agent is "not found", never "forbidden".
 * Other modules (secrets, files, skills, chat) resolve paths through here.
 * A caller holding an agent key (actor.agentId) finds only that agent and
 * its user: every other one is "not found".
 */
import type { Agent, AgentUser } from '../../generated/prisma/client.js';
import { resolveUser } from '../users/service.js';
import type { ServiceContext } from '../../context.js';
import { NotFoundError } from '../../errors.js';

export const agentNotFound = () => new NotFoundError('agent not found', 'agent_not_found');

export async function resolveAgent(ctx: ServiceContext, userRef: string, agentRef: string): Promise<Agent & { user: AgentUser }> {
  // The user and the agents that could be meant are read at once (every agent route, and a chat's first token,
  // waits for this); the agent is the one of the user resolveUser chooses, exactly as if read after it.
  const [user, candidates] = await Promise.all([
    resolveUser(ctx, userRef),
    ctx.deps.prisma.agent.findMany({
      where: { teamId: ctx.actor.teamId, OR: [{ id: agentRef }, { name: agentRef }], user: { teamId: ctx.actor.teamId, OR: [{ id: userRef }, { username: userRef }] } },
    }),
  ]);
  const agent = candidates.find((a) => a.userId === user.id);
  if (!agent || (ctx.actor.agentId && agent.id !== ctx.actor.agentId)) throw agentNotFound();
  return { ...agent, user };
}

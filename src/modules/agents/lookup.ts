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

/** The agents `agentRef` may name (id or name) of the users `userRef` may name, in the team. Plain SQL, as resolveUser. */
const AGENT_CANDIDATES = `SELECT a.* FROM "Agent" a JOIN "AgentUser" u ON u.id = a."userId"
WHERE a."teamId" = $1 AND (a.id = $2 OR a.name = $2) AND u."teamId" = $1 AND (u.id = $3 OR u.username = $3)`;

export async function resolveAgent(ctx: ServiceContext, userRef: string, agentRef: string): Promise<Agent & { user: AgentUser }> {
  // The user and the agents that could be meant are read at once (every agent route, and a chat's first token,
  // waits for this); the agent is the one of the user resolveUser chooses, exactly as if read after it.
  const [user, candidates] = await Promise.all([
    resolveUser(ctx, userRef),
    ctx.deps.sql.rows<Agent>('agent_candidates', AGENT_CANDIDATES, [ctx.actor.teamId, agentRef, userRef]),
  ]);
  const agent = candidates.find((a) => a.userId === user.id);
  if (!agent || (ctx.actor.agentId && agent.id !== ctx.actor.agentId)) throw agentNotFound();
  return { ...agent, user };
}

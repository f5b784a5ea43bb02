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

/**
 * The user `ref` names (id or username) in the caller's team; with an agent key, only that agent's user. The oldest
 * if an id and a username both match. Plain SQL (src/infra/db/sql.ts): every agent route and a chat's first token
 * wait for it, and Prisma's own work per statement took several times the statement on this path.
 */
const USER_BY_REF = `SELECT u.* FROM "AgentUser" u
WHERE u."teamId" = $1 AND (u.id = $2 OR u.username = $2)
  AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM "Agent" a WHERE a."userId" = u.id AND a.id = $3))
ORDER BY u."createdAt" ASC LIMIT 1`;

export async function resolveUser(ctx: ServiceContext, ref: string): Promise<AgentUser> {
  const [user] = await ctx.deps.sql.rows<AgentUser>('user_by_ref', USER_BY_REF, [ctx.actor.teamId, ref, ctx.actor.agentId ?? null]);
  if (!user) throw userNotFound();
  return user;
}

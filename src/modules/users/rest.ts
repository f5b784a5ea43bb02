/** Autonomis users (seed 003): create, list, get with agents, delete with all data, change tier. */
import * as inputs from './inputs.js';
import type { AgentUser } from '../../generated/prisma/client.js';
import { created, ok, type Route } from '../../rest/route.js';
import { AgentListBody, agentView } from '../agents/rest.js';
import * as users from './service.js';
import { tierLimits } from './tiers.js';
import * as bodies from './responses.js';

export function userView(u: AgentUser) {
  return {
    id: u.id,
    username: u.username,
    email: u.email,
    tier: u.tier,
    limits: tierLimits(u.tier),
    createdAt: u.createdAt.toISOString(),
    updatedAt: u.updatedAt.toISOString(),
  };
}

export const userRoutes: Route[] = [
  {
    method: 'POST',
    path: '/api/v1/users',
    scope: 'agent:write',
    response: bodies.UserBody,
    responses: { 201: 'Created' },
    body: inputs.CreateUserInput,
    summary: 'Create a user ({username, email?, tier?})',
    handler: async ({ ctx, body }) => created(userView(await users.createUser(ctx, body))),
  },
  {
    method: 'GET',
    path: '/api/v1/users',
    scope: 'agent:read',
    response: bodies.UserListBody,
    summary: 'List the team’s users (a plain array, oldest first)',
    handler: async ({ ctx }) => ok((await users.listUsers(ctx)).map(userView)),
  },
  {
    method: 'GET',
    path: '/api/v1/users/:user',
    scope: 'agent:read',
    response: bodies.UserBody.extend({ agents: AgentListBody }),
    summary: 'Get a user with their agents',
    handler: async ({ ctx, params }) => {
      const u = await users.getUserWithAgents(ctx, params.user!);
      return ok({ ...userView(u), agents: u.agents.map(agentView) });
    },
  },
  {
    method: 'DELETE',
    path: '/api/v1/users/:user',
    scope: 'agent:write',
    response: bodies.UserDeletedBody,
    summary: 'Delete a user and all their data',
    handler: async ({ ctx, params }) => {
      const u = await users.deleteUser(ctx, params.user!);
      return ok({ id: u.id, username: u.username, deleted: true });
    },
  },
  {
    method: 'PUT',
    path: '/api/v1/users/:user/tier',
    scope: 'agent:write',
    response: bodies.UserBody,
    body: inputs.SetTierInput,
    summary: 'Change the user’s plan ({tier})',
    handler: async ({ ctx, params, body }) => ok(userView(await users.setTier(ctx, params.user!, body))),
  },
];

/** Autonomis agents (seed 003): lifecycle, keys, ping, connect, templates, tool config, deploy status. */
import * as inputs from './inputs.js';
import type { IncomingHttpHeaders } from 'node:http';
import type { Agent } from '../../generated/prisma/client.js';
import { created, ok, type Route } from '../../rest/route.js';
import { ValidationError } from '../../errors.js';
import * as agents from './service.js';
import { agentToolConfig } from './tool-config.js';
import * as bodies from './responses.js';

export function agentView(a: Agent) {
  return {
    id: a.id,
    name: a.name,
    userId: a.userId,
    status: a.status,
    personaId: a.personaId,
    provider: a.provider,
    model: a.model,
    keyPrefix: a.keyPrefix,
    config: { tools: agentToolConfig(a) },
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  };
}

/** The origin clients reached us at: Host (or X-Forwarded-Host) and X-Forwarded-Proto. */
function origin(headers: IncomingHttpHeaders): { host: string; https: boolean } {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.split(',')[0]?.trim();
  const host = first(headers['x-forwarded-host']) || first(headers.host) || 'localhost';
  if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host)) throw new ValidationError('the Host header is not a valid host');
  return { host, https: first(headers['x-forwarded-proto']) === 'https' };
}

const base = '/api/v1/users/:user/agents';

export const agentRoutes: Route[] = [
  {
    method: 'POST',
    path: base,
    scope: 'agent:write',
    response: bodies.AgentsCreatedBody,
    responses: { 201: 'Created' },
    body: inputs.CreateAgentsInput,
    summary: 'Create one agent (an object) or several (an array), all or nothing; each agent key is shown once',
    acceptsArray: true,
    handler: async ({ ctx, params, body }) => {
      const { created: made } = await agents.createAgents(ctx, params.user!, body);
      const views = made.map((c) => ({ ...agentView(c.agent), key: c.key }));
      return created(Array.isArray(body) ? views : views[0]);
    },
  },
  {
    method: 'GET',
    path: base,
    scope: 'agent:read',
    response: bodies.AgentListBody,
    summary: 'List the user’s agents',
    handler: async ({ ctx, params }) => ok((await agents.listAgents(ctx, params.user!)).map(agentView)),
  },
  {
    method: 'GET',
    path: `${base}/:agent`,
    scope: 'agent:read',
    response: bodies.AgentBody,
    summary: 'Get an agent',
    handler: async ({ ctx, params }) => ok(agentView(await agents.getAgent(ctx, params.user!, params.agent!))),
  },
  {
    method: 'DELETE',
    path: `${base}/:agent`,
    scope: 'agent:write',
    response: bodies.AgentDeletedBody,
    summary: 'Delete an agent (its files and conversations too)',
    handler: async ({ ctx, params }) => {
      const a = await agents.deleteAgent(ctx, params.user!, params.agent!);
      return ok({ id: a.id, name: a.name, deleted: true });
    },
  },
  {
    method: 'POST',
    path: `${base}/:agent/rotate-key`,
    scope: 'agent:write',
    response: bodies.AgentWithKeyBody,
    summary: 'Issue a new agent key; the old one stops working at once',
    handler: async ({ ctx, params }) => {
      const { agent, key } = await agents.rotateAgentKey(ctx, params.user!, params.agent!);
      return ok({ ...agentView(agent), key });
    },
  },
  {
    method: 'GET',
    path: `${base}/:agent/ping`,
    scope: 'agent:read',
    response: bodies.PingBody,
    summary: 'Check whether the agent is online (a real provider check)',
    handler: async ({ ctx, params }) => ok(await agents.pingAgent(ctx, params.user!, params.agent!)),
  },
  {
    method: 'GET',
    path: `${base}/:agent/connect`,
    scope: 'agent:read',
    response: bodies.ConnectBody,
    summary: 'Gateway details: chat URLs, SSE, graphql-ws and how to authenticate',
    handler: async ({ ctx, params, headers }) => ok(await agents.connectInfo(ctx, params.user!, params.agent!, origin(headers))),
  },
  {
    method: 'GET',
    path: `${base}/:agent/templates`,
    scope: 'agent:read',
    response: bodies.AgentTemplatesBody,
    summary: 'Per-agent template overrides (?effective=true: the effective templates and where each comes from)',
    handler: async ({ ctx, params, query }) => {
      const effective = query.get('effective');
      if (effective !== null && effective !== 'true' && effective !== 'false') throw new ValidationError('effective must be true or false', 'effective');
      return ok(
        effective === 'true'
          ? await agents.getEffectiveTemplates(ctx, params.user!, params.agent!)
          : await agents.getAgentTemplates(ctx, params.user!, params.agent!),
      );
    },
  },
  {
    method: 'PUT',
    path: `${base}/:agent/templates`,
    scope: 'agent:write',
    response: bodies.StoredTemplatesBody,
    summary: 'Merge per-agent template overrides (null removes one); redeploys the agent',
    handler: async ({ ctx, params, body }) => ok((await agents.setAgentTemplates(ctx, params.user!, params.agent!, body)).templates),
  },
  {
    method: 'PATCH',
    path: `${base}/:agent/config`,
    scope: 'agent:write',
    response: bodies.AgentConfigBody,
    body: inputs.AgentConfigPatch,
    summary: 'Merge the agent’s tool configuration; redeploys the agent',
    handler: async ({ ctx, params, body }) => ok({ tools: (await agents.updateAgentConfig(ctx, params.user!, params.agent!, body)).config }),
  },
  {
    method: 'GET',
    path: '/api/v1/users/:user/agent-templates',
    scope: 'agent:read',
    response: bodies.StoredTemplatesBody,
    summary: 'User-level default templates',
    handler: async ({ ctx, params }) => ok(await agents.getUserTemplates(ctx, params.user!)),
  },
  {
    method: 'PUT',
    path: '/api/v1/users/:user/agent-templates',
    scope: 'agent:write',
    response: bodies.StoredTemplatesBody,
    summary: 'Merge user-level default templates (null removes one); redeploys the user’s agents',
    handler: async ({ ctx, params, body }) => ok(await agents.setUserTemplates(ctx, params.user!, body)),
  },
  {
    method: 'GET',
    path: '/api/v1/users/:user/deploy/status',
    scope: 'agent:read',
    response: bodies.DeployStatusBody,
    summary: 'The latest deploy: status, progress, steps, error and the agents’ statuses',
    handler: async ({ ctx, params }) => ok(await agents.deployStatus(ctx, params.user!)),
  },
];

/** For other modules' REST views that show agents (a user with their agents). */
export { AgentListBody } from './responses.js';

/** The JSON bodies of the agents paths (the OpenAPI document's response schemas; the suite checks every answer against them). */
import { z } from 'zod';
import { TEMPLATE_NAMES } from './templates.js';

const at = z.iso.datetime();

export const AgentToolConfigBody = z.object({
  files: z.boolean(),
  http: z.object({ enabled: z.boolean(), allowPrivateNetworks: z.boolean(), allowedHosts: z.array(z.string()) }),
});

/** An agent as every path shows it (src/modules/agents/rest.ts agentView). */
export const AgentBody = z.object({
  id: z.string(),
  name: z.string(),
  userId: z.string(),
  status: z.string().describe('deploying | online | failed'),
  personaId: z.string().nullable(),
  provider: z.string().nullable(),
  model: z.string().nullable(),
  keyPrefix: z.string(),
  config: z.object({ tools: AgentToolConfigBody }),
  createdAt: at,
  updatedAt: at,
});

/** An agent with its key, shown once (create, rotate-key). */
export const AgentWithKeyBody = AgentBody.extend({ key: z.string() });

export const AgentDeletedBody = z.object({ id: z.string(), name: z.string(), deleted: z.literal(true) });

export const PingBody = z.object({
  online: z.boolean(),
  status: z.string(),
  latencyMs: z.number(),
  provider: z.string(),
  model: z.string().nullable(),
  error: z.string().nullable(),
});

export const ConnectBody = z.object({
  agent: z.object({ id: z.string(), name: z.string(), status: z.string(), keyPrefix: z.string() }),
  user: z.object({ id: z.string(), username: z.string() }),
  http: z.object({ chat: z.string(), method: z.literal('POST'), body: z.object({ messages: z.array(z.object({ role: z.string(), content: z.string() })) }) }),
  sse: z.object({ url: z.string(), method: z.literal('POST'), resume: z.string() }),
  graphql: z.object({
    http: z.string(),
    ws: z.string(),
    protocol: z.literal('graphql-transport-ws'),
    connectionParams: z.object({ 'X-API-Key': z.string() }),
    startChatRun: z.string(),
    subscription: z.string(),
    variables: z.object({ user: z.string(), agent: z.string() }),
  }),
  auth: z.object({ header: z.literal('X-API-Key'), alternative: z.string(), keys: z.array(z.string()) }),
});

const templateName = z.enum(TEMPLATE_NAMES);

/** Stored template overrides (agent's or the user's defaults): only the names set. */
export const StoredTemplatesBody = z.partialRecord(templateName, z.string());

/** ?effective=true: every template, with where its content comes from. */
export const EffectiveTemplatesBody = z.record(templateName, z.object({ content: z.string(), source: z.enum(['agent', 'user', 'persona', 'built-in']), shadowed: z.array(z.enum(['agent', 'user', 'persona', 'built-in'])).describe('The set sources this one won over') }));

export const DeployStatusBody = z.object({
  id: z.string(),
  userId: z.string(),
  status: z.enum(['queued', 'running', 'succeeded', 'failed']),
  progress: z.number(),
  steps: z.array(
    z.object({
      name: z.enum(['validate-provider-and-model', 'render-templates', 'check-skills', 'go-online']),
      agentId: z.string(),
      agent: z.string(),
      status: z.enum(['pending', 'running', 'succeeded', 'failed', 'skipped']),
      detail: z.string().nullable(),
    }),
  ),
  error: z.string().nullable(),
  agents: z.array(z.object({ id: z.string(), name: z.string(), status: z.string(), error: z.string().nullable() })),
  createdAt: at,
  updatedAt: at,
});

/** One agent (an object was sent) or several (an array was sent). */
export const AgentsCreatedBody = z.union([AgentWithKeyBody, z.array(AgentWithKeyBody)]);
export const AgentListBody = z.array(AgentBody);
/** The overrides, or with ?effective=true every template and its source. */
export const AgentTemplatesBody = z.union([StoredTemplatesBody, EffectiveTemplatesBody]);
export const AgentConfigBody = z.object({ tools: AgentToolConfigBody });

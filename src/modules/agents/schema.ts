/**
 * Agents in the graph: the Agent type (linked to the persona it embodies),
 * its queries and mutations, deploy status and the deployProgress
 * subscription. Other modules add fields to 'Agent' (files, chat).
 */
import { builder, readableWith } from '../../graphql/builder.js';
import { mutationErrors } from '../../graphql/errors.js';
import { NodeInterface, registerNode } from '../../graphql/node.js';
import { NotFoundError } from '../../errors.js';
import * as agents from './service.js';
import type { DeployAgentState, DeployProgressEvent, DeployStep as DeployStepPayload } from './events.js';
import { agentToolConfig, type AgentToolConfig } from './tool-config.js';
import { effectiveTemplates, type EffectiveTemplate, type TemplateName, type TemplateSource } from './templates.js';

export const AgentProvider = builder.enumType('AgentProvider', { values: ['openai', 'embedded'] as const });

export const TemplateFile = builder.objectRef<{ name: string; content: string; source: TemplateSource; shadowed?: TemplateSource[] }>('TemplateFile').implement({
  authScopes: readableWith.agents,
  description: 'One template (SOUL.md, USER.md, TOOLS.md, HEARTBEAT.md) and where its content comes from.',
  fields: (t) => ({
    name: t.exposeString('name'),
    content: t.exposeString('content'),
    source: t.exposeString('source', {
      description: 'agent (override), persona (SOUL.md from the persona the agent embodies), user (default) or built-in; the first set one wins, in that order.',
    }),
    shadowed: t.stringList({
      description: 'The other sources that are set for this template and lost to `source` (e.g. a user default SOUL.md under the persona).',
      resolve: (f) => f.shadowed ?? [],
    }),
  }),
});

const HttpToolConfig = builder.objectRef<AgentToolConfig['http']>('HttpToolConfig').implement({
  authScopes: readableWith.agents,
  fields: (t) => ({
    enabled: t.exposeBoolean('enabled'),
    allowPrivateNetworks: t.exposeBoolean('allowPrivateNetworks', { description: 'May fetch private and loopback addresses.' }),
    allowedHosts: t.exposeStringList('allowedHosts', { description: 'When non-empty, the only hosts it may fetch.' }),
  }),
});

const AgentToolConfigType = builder.objectRef<AgentToolConfig>('AgentToolConfig').implement({
  authScopes: readableWith.agents,
  description: 'The agent’s tools; everything is off by default.',
  fields: (t) => ({
    files: t.exposeBoolean('files', { description: 'Read, write and list its workspace files.' }),
    http: t.field({ type: HttpToolConfig, resolve: (c) => c.http }),
  }),
});

export const Agent = builder.prismaObject('Agent', {
  authScopes: readableWith.agents,
  description: 'An Autonomis agent of a user; may embody a persona, whose system prompt is then its default SOUL.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    status: t.exposeString('status', { description: 'deploying, online or failed.' }),
    provider: t.field({ type: AgentProvider, nullable: true, description: 'null: the server default.', resolve: (a) => a.provider as 'openai' | 'embedded' | null }),
    model: t.exposeString('model', { nullable: true, description: 'null: the provider’s default.' }),
    keyPrefix: t.exposeString('keyPrefix', { description: 'The start of the agent key (the key itself is shown once).' }),
    persona: t.relation('persona', { nullable: true }),
    user: t.relation('user'),
    templates: t.field({
      type: [TemplateFile],
      description: 'The effective templates: the agent’s override, else (SOUL.md) the persona it embodies, else the user’s default, else built-in.',
      select: { user: true, persona: true },
      resolve: async (a, _args, ctx) => {
        const eff = await effectiveTemplates(ctx, a);
        return (Object.entries(eff) as [TemplateName, EffectiveTemplate][]).map(([name, v]) => ({ name, ...v }));
      },
    }),
    toolConfig: t.field({ type: AgentToolConfigType, select: { config: true }, resolve: (a) => agentToolConfig(a) }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

registerNode('Agent', (ctx, id) => agents.getAgentById(ctx, id));

// --- deploys -----------------------------------------------------------------

const DeployStep = builder.objectRef<DeployStepPayload>('DeployStep').implement({
  authScopes: readableWith.agents,
  fields: (t) => ({
    name: t.exposeString('name', { description: 'validate-provider-and-model, render-templates, check-skills or go-online.' }),
    agentId: t.exposeID('agentId'),
    agent: t.exposeString('agent', { description: 'The agent’s name.' }),
    status: t.exposeString('status', { description: 'pending, running, succeeded, failed or skipped.' }),
    detail: t.exposeString('detail', { nullable: true }),
  }),
});

const DeployAgent = builder.objectRef<DeployAgentState>('DeployAgentState').implement({
  authScopes: readableWith.agents,
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    status: t.exposeString('status', { description: 'deploying, online, failed (or deleted).' }),
    error: t.exposeString('error', { nullable: true }),
  }),
});

export const DeployStatus = builder.objectRef<DeployProgressEvent>('DeployStatus').implement({
  authScopes: readableWith.agents,
  description: 'A deploy of some of a user’s agents: its steps, progress 0–100 and outcome.',
  fields: (t) => ({
    id: t.exposeID('id'),
    userId: t.exposeID('userId'),
    status: t.exposeString('status', { description: 'queued, running, succeeded or failed.' }),
    progress: t.exposeInt('progress'),
    steps: t.field({ type: [DeployStep], resolve: (d) => d.steps }),
    error: t.exposeString('error', { nullable: true }),
    agents: t.field({ type: [DeployAgent], resolve: (d) => d.agents }),
    createdAt: t.field({ type: 'DateTime', resolve: (d) => d.createdAt }),
    updatedAt: t.field({ type: 'DateTime', resolve: (d) => d.updatedAt }),
  }),
});

// --- inputs ------------------------------------------------------------------

const CreateAgentInput = builder.inputType('CreateAgentInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: 'Unique per user; letters, digits, ".", "_", "-".' }),
    personaId: t.id({ required: false, description: 'A persona visible to the team: its system prompt becomes the default SOUL.' }),
    provider: t.field({ type: AgentProvider, required: false }),
    model: t.string({ required: false }),
  }),
});

export const TemplatesInput = builder.inputType('TemplatesInput', {
  description: 'Templates to set; a field given as null removes that template, an absent one is left as it is.',
  fields: (t) => ({
    soul: t.string({ required: false, description: 'SOUL.md' }),
    user: t.string({ required: false, description: 'USER.md' }),
    tools: t.string({ required: false, description: 'TOOLS.md' }),
    heartbeat: t.string({ required: false, description: 'HEARTBEAT.md' }),
  }),
});

const FIELD_TO_FILE = { soul: 'SOUL.md', user: 'USER.md', tools: 'TOOLS.md', heartbeat: 'HEARTBEAT.md' } as const;

/** TemplatesInput → the REST body shape (file names), keeping explicit nulls. */
export function templatesPatch(input: Partial<Record<keyof typeof FIELD_TO_FILE, string | null | undefined>>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [field, file] of Object.entries(FIELD_TO_FILE)) {
    const v = input[field as keyof typeof FIELD_TO_FILE];
    if (v !== undefined) out[file] = v;
  }
  return out;
}

const HttpToolInput = builder.inputType('HttpToolInput', {
  fields: (t) => ({
    enabled: t.boolean({ required: true }),
    allowPrivateNetworks: t.boolean({ required: false }),
    allowedHosts: t.stringList({ required: false }),
  }),
});

const AgentToolConfigInput = builder.inputType('AgentToolConfigInput', {
  description: 'Merged into the agent’s tool config; absent fields keep their value.',
  fields: (t) => ({
    files: t.boolean({ required: false }),
    http: t.field({ type: HttpToolInput, required: false }),
  }),
});

const CreatedAgent = builder.objectRef<agents.CreatedAgent>('CreatedAgent').implement({
  authScopes: readableWith.agents,
  description: 'An agent and its key: the key is shown only here, once.',
  fields: (t) => ({
    agent: t.field({ type: Agent, resolve: (c) => c.agent }),
    key: t.exposeString('key'),
  }),
});

const stripNulls = <T extends Record<string, unknown>>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));

// --- queries, mutations, subscription -------------------------------------------

builder.queryFields((t) => ({
  agent: t.prismaField({
    type: 'Agent',
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, { id }, ctx) => agents.getAgentById(ctx, String(id), query).catch((e) => (e instanceof NotFoundError ? null : Promise.reject(e))),
  }),
}));

const userAgentArgs = (t: any) => ({
  user: t.arg.id({ required: true, description: 'The user’s id or username.' }),
  agent: t.arg.id({ required: true, description: 'The agent’s id or name.' }),
});

builder.mutationFields((t) => ({
  createAgents: t.field({
    type: [CreatedAgent],
    errors: mutationErrors,
    description: 'Creates agents, all or nothing, and deploys them; each key is shown once.',
    args: { user: t.arg.id({ required: true }), agents: t.arg({ type: [CreateAgentInput], required: true }) },
    resolve: async (_root, args, ctx) =>
      (await agents.createAgents(ctx, String(args.user), args.agents.map((a) => stripNulls({ ...a, personaId: a.personaId == null ? undefined : String(a.personaId) })))).created,
  }),
  deleteAgent: t.prismaField({
    type: 'Agent',
    errors: mutationErrors,
    description: 'Deletes the agent (its files and conversations too); returns it as it was.',
    args: userAgentArgs(t),
    resolve: (query, _root, args, ctx) => agents.deleteAgent(ctx, String(args.user), String(args.agent), query),
  }),
  rotateAgentKey: t.field({
    type: CreatedAgent,
    errors: mutationErrors,
    description: 'A new agent key; the old one stops working at once.',
    args: userAgentArgs(t),
    resolve: (_root, args, ctx) => agents.rotateAgentKey(ctx, String(args.user), String(args.agent)),
  }),
  setAgentTemplates: t.prismaField({
    type: 'Agent',
    errors: mutationErrors,
    description: 'Merges per-agent template overrides (null removes one) and redeploys the agent.',
    args: { ...userAgentArgs(t), templates: t.arg({ type: TemplatesInput, required: true }) },
    resolve: async (_q, _root, args, ctx) => (await agents.setAgentTemplates(ctx, String(args.user), String(args.agent), templatesPatch(args.templates))).agent,
  }),
  updateAgentConfig: t.prismaField({
    type: 'Agent',
    errors: mutationErrors,
    description: 'Merges the agent’s tool config and redeploys it.',
    args: { ...userAgentArgs(t), tools: t.arg({ type: AgentToolConfigInput, required: true }) },
    resolve: async (_q, _root, args, ctx) => {
      const tools = stripNulls({ files: args.tools.files, http: args.tools.http ? stripNulls(args.tools.http) : undefined });
      return (await agents.updateAgentConfig(ctx, String(args.user), String(args.agent), { tools })).agent;
    },
  }),
}));

builder.subscriptionField('deployProgress', (t) =>
  t.field({
    type: DeployStatus,
    description: 'Every change of every deploy of this user’s agents (step started or ended, job finished).',
    args: { user: t.arg.id({ required: true, description: 'The user’s id or username.' }) },
    subscribe: async function* (_root, { user }, ctx) {
      const userId = await agents.assertCanWatchDeploys(ctx, String(user));
      yield* ctx.deps.pubsub.subscribe('deploy.progress', userId);
    },
    resolve: (event) => event,
  }),
);

// --- health and gateway details (GET …/agents/{agent}/ping, …/connect)

const AgentPing = builder.objectRef<agents.PingResult>('AgentPing').implement({
  authScopes: readableWith.agents,
  description: 'Whether the agent is online: a real check of its provider (bounded by AGENT_CHECK_TIMEOUT_MS).',
  fields: (t) => ({
    online: t.exposeBoolean('online'),
    status: t.exposeString('status'),
    latencyMs: t.exposeInt('latencyMs'),
    provider: t.exposeString('provider'),
    model: t.exposeString('model', { nullable: true }),
    error: t.exposeString('error', { nullable: true }),
  }),
});

/** The origin a GraphQL caller is told: PUBLIC_BASE_URL when set, else the address the server listens on. */
function configuredOrigin(config: { publicBaseUrl: string | null; host: string; port: number }): { host: string; https: boolean } {
  if (config.publicBaseUrl) {
    const u = new URL(config.publicBaseUrl);
    return { host: u.host, https: u.protocol === 'https:' };
  }
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return { host: `${host === '0.0.0.0' || host === '[::]' ? 'localhost' : host}:${config.port}`, https: false };
}

builder.prismaObjectFields('Agent', (t) => ({
  ping: t.field({
    type: AgentPing,
    description: 'Checks whether the agent is online (a real provider check, so it takes as long as that call).',
    select: { id: true, userId: true },
    resolve: (a, _args, ctx) => agents.pingAgent(ctx, a.userId, a.id),
  }),
  connect: t.field({
    type: 'JSON',
    description: 'Gateway details: chat URLs, SSE, graphql-ws and how to authenticate, at PUBLIC_BASE_URL (else the address the server listens on).',
    select: { id: true, userId: true },
    resolve: (a, _args, ctx) => agents.connectInfo(ctx, a.userId, a.id, configuredOrigin(ctx.deps.config)),
  }),
}));

builder.prismaObjectField('Persona', 'agents', (t) =>
  t.relation('agents', {
    description: 'The caller’s team’s agents that embody this persona, oldest first (a system persona is embodied by many teams: only yours show).',
    query: (_args, ctx) => ({ where: { teamId: ctx.actor.teamId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
  }),
);

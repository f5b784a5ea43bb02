/**
 * Agents of an Autonomis user: create (one or many, all or nothing, within
 * the tier's agent limit), list, get, delete, rotate the agent key, ping,
 * gateway connection details, templates, tool config and deploy status.
 * Changes that alter how an agent runs queue a deploy (./deploy.ts) in the
 * same transaction and start it after commit.
 */
import { assertCanGrant, credentialsChanged } from '../auth/service.js';
import type { Agent, AgentUser, DeployJob, Prisma } from '../../generated/prisma/client.js';
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import { parseInput } from '../../validation.js';
import { generateApiKey, sha256Hex } from '../../infra/crypto.js';
import { isUniqueViolation } from '../../infra/db/errors.js';
import { visibleTo } from '../personas/service.js';
import { resolveUser, tierLimits, TierLimitError } from '../users/service.js';
import { writeLog } from '../logs/service.js';
import { agentNotFound, resolveAgent } from './lookup.js';
import { AgentConfigPatch, CreateAgentInput, CreateAgentsInput } from './inputs.js';
import { latestDeploy, queueDeploy, scheduleDeploy } from './deploy.js';
import type { DeployProgressEvent } from './events.js';
import { checkAgentProvider } from './runtime.js';
import { agentToolConfig, mergeAgentConfig, type AgentToolConfig } from './tool-config.js';
import { applyTemplatePatch, effectiveTemplates, parseTemplatePatch, storedTemplates, type EffectiveTemplates, type StoredTemplates } from './templates.js';

/**
 * What other modules use of agents, exported from this entry file so that
 * they never reach into lookup.ts, runtime.ts, templates.ts or tool-config.ts
 * (.dependency-cruiser.cjs, rule module-through-entry).
 */
export { agentNotFound, resolveAgent } from './lookup.js';
export { checkAgentProvider, EMBEDDED_CHAT_MODEL, resolveAgentRuntime, type AgentRuntime } from './runtime.js';
export { composeSystemPrompt, storedTemplates } from './templates.js';
export { agentToolConfig, type AgentToolConfig } from './tool-config.js';

export type PrismaQuery = { include?: Prisma.AgentInclude; select?: Prisma.AgentSelect };

const duplicate = () => new ConflictError('agent already exists', 'agent_exists', 'name');

/** `pg_agent_` + 192 random bits. */
export function generateAgentKey(): string {
  return generateApiKey('pg_agent_');
}
/** What people see of an agent key. */
export const agentKeyPrefix = (key: string) => key.slice(0, 16);

export interface CreatedAgent {
  agent: Agent;
  /** The agent key: shown once, stored as sha256 only. */
  key: string;
}

/** Serialises writes that count a user's agents: takes the user's row lock. */
async function lockUser(tx: Prisma.TransactionClient, userId: string): Promise<void> {
  await tx.$queryRaw`SELECT id FROM "AgentUser" WHERE id = ${userId} FOR UPDATE`;
}

export async function createAgents(ctx: ServiceContext, userRef: string, raw: unknown): Promise<{ created: CreatedAgent[]; job: DeployJob }> {
  requireScope(ctx, 'agent:write');
  assertCanGrant(ctx.actor, ['agent:chat'], null); // each agent's key chats with it
  const inputs = Array.isArray(raw) ? parseInput(CreateAgentsInput, raw) : [parseInput(CreateAgentInput, raw)];
  const names = new Set<string>();
  for (const i of inputs) {
    if (names.has(i.name)) throw duplicate();
    names.add(i.name);
  }
  const user = await resolveUser(ctx, userRef);
  const personaIds = [...new Set(inputs.map((i) => i.personaId).filter((p): p is string => !!p))];
  if (personaIds.length) {
    const found = await ctx.deps.prisma.persona.findMany({ where: { AND: [{ id: { in: personaIds } }, visibleTo(ctx)] }, select: { id: true } });
    const missing = personaIds.find((id) => !found.some((p) => p.id === id));
    if (missing) throw new ValidationError(`personaId ${missing} does not name a persona visible to this team`, 'personaId', 'persona_not_found');
  }
  let result: { created: CreatedAgent[]; job: DeployJob };
  try {
    result = await ctx.deps.prisma.$transaction(async (tx) => {
      await lockUser(tx, user.id);
      if (await tx.agent.count({ where: { userId: user.id, name: { in: [...names] } } })) throw duplicate();
      const fresh = await tx.agentUser.findUniqueOrThrow({ where: { id: user.id } });
      const limit = tierLimits(fresh.tier).agents;
      const count = await tx.agent.count({ where: { userId: user.id } });
      if (count + inputs.length > limit) {
        throw new TierLimitError('agents', fresh.tier, `${limit} agent${limit === 1 ? '' : 's'} (the user has ${count})`);
      }
      const created: CreatedAgent[] = [];
      // PostgreSQL's now() is the transaction's start: stamp each agent apart so lists keep the order given.
      const base = Date.now();
      for (const [i, input] of inputs.entries()) {
        const key = generateAgentKey();
        const agent = await tx.agent.create({
          data: {
            createdAt: new Date(base + i),
            teamId: ctx.actor.teamId,
            userId: user.id,
            name: input.name,
            personaId: input.personaId ?? null,
            provider: input.provider ?? null,
            model: input.model ?? null,
            keyHash: sha256Hex(key),
            keyPrefix: agentKeyPrefix(key),
            status: 'deploying',
          },
        });
        created.push({ agent, key });
      }
      const job = await queueDeploy(ctx, tx, user.id, created.map((c) => c.agent));
      return { created, job };
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw duplicate();
    throw e;
  }
  for (const c of result.created) {
    await writeLog(ctx, { userId: user.id, agentId: c.agent.id, level: 'info', message: `agent ${c.agent.name} created`, data: { provider: c.agent.provider, model: c.agent.model, personaId: c.agent.personaId } });
  }
  scheduleDeploy(ctx);
  return result;
}

export async function listAgents(ctx: ServiceContext, userRef: string, query: PrismaQuery = {}): Promise<Agent[]> {
  requireScope(ctx, 'agent:read');
  const user = await resolveUser(ctx, userRef);
  return ctx.deps.prisma.agent.findMany({ ...query, where: { userId: user.id }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
}

export async function getAgent(ctx: ServiceContext, userRef: string, agentRef: string): Promise<Agent & { user: AgentUser }> {
  requireScope(ctx, 'agent:read');
  return resolveAgent(ctx, userRef, agentRef);
}

/** GraphQL's agent(id): by id within the caller's team. */
export async function getAgentById(ctx: ServiceContext, id: string, query: PrismaQuery = {}): Promise<Agent> {
  requireScope(ctx, 'agent:read');
  const agent = await ctx.deps.prisma.agent.findFirst({ ...query, where: { id, teamId: ctx.actor.teamId } });
  if (!agent) throw agentNotFound();
  return agent;
}

export async function deleteAgent(ctx: ServiceContext, userRef: string, agentRef: string, query: PrismaQuery = {}): Promise<Agent> {
  requireScope(ctx, 'agent:write');
  const found = await resolveAgent(ctx, userRef, agentRef);
  const agent = query.include || query.select ? await ctx.deps.prisma.agent.findUniqueOrThrow({ where: { id: found.id }, include: query.include ?? {} }) : found;
  const { count } = await ctx.deps.prisma.agent.deleteMany({ where: { id: found.id, teamId: ctx.actor.teamId } });
  credentialsChanged(ctx.deps, ctx.actor.teamId); // its key stops working at once
  if (count === 0) throw agentNotFound();
  await writeLog(ctx, { userId: found.userId, level: 'info', message: `agent ${found.name} deleted`, data: { agentId: found.id } });
  return agent;
}

/** A new agent key; the old one stops working at once. */
export async function rotateAgentKey(ctx: ServiceContext, userRef: string, agentRef: string): Promise<CreatedAgent> {
  requireScope(ctx, 'agent:write');
  assertCanGrant(ctx.actor, ['agent:chat'], null); // the new key chats with the agent
  const found = await resolveAgent(ctx, userRef, agentRef);
  const key = generateAgentKey();
  const agent = await ctx.deps.prisma.agent.update({ where: { id: found.id }, data: { keyHash: sha256Hex(key), keyPrefix: agentKeyPrefix(key) } });
  credentialsChanged(ctx.deps, ctx.actor.teamId);
  await writeLog(ctx, { userId: found.userId, agentId: found.id, level: 'info', message: `agent key rotated (new prefix ${agent.keyPrefix})` });
  return { agent, key };
}

export interface PingResult {
  online: boolean;
  status: string;
  latencyMs: number;
  provider: string;
  model: string | null;
  error: string | null;
}

/** A real check of the agent's provider (bounded by AGENT_CHECK_TIMEOUT_MS); online only when deployed and the check passes. */
export async function pingAgent(ctx: ServiceContext, userRef: string, agentRef: string): Promise<PingResult> {
  requireScope(ctx, 'agent:read');
  const agent = await resolveAgent(ctx, userRef, agentRef);
  const check = await checkAgentProvider(ctx.deps.config, agent);
  const online = check.ok && agent.status === 'online';
  return {
    online,
    status: agent.status,
    latencyMs: check.latencyMs,
    provider: check.provider,
    model: check.model,
    error: check.error ?? (agent.status === 'online' ? null : `the agent is ${agent.status}`),
  };
}

/** Where chat lives for an agent; the GraphQL documents match src/modules/chat's fields. */
export const CHAT_GRAPHQL = {
  mutation: 'mutation StartChatRun($user: ID!, $agent: ID!, $messages: [ChatMessageInput!]!) { startChatRun(user: $user, agent: $agent, messages: $messages) { ... on MutationStartChatRunSuccess { data { id } } ... on Error { message code } } }',
  subscription: 'subscription ChatRunEvents($runId: ID!, $afterSeq: Int) { chatRunEvents(runId: $runId, afterSeq: $afterSeq) { seq type delta message usage { totalTokens } error } }',
};

export async function connectInfo(ctx: ServiceContext, userRef: string, agentRef: string, origin: { host: string; https: boolean }) {
  requireScope(ctx, 'agent:read');
  const agent = await resolveAgent(ctx, userRef, agentRef);
  const http = `${origin.https ? 'https' : 'http'}://${origin.host}`;
  const ws = `${origin.https ? 'wss' : 'ws'}://${origin.host}`;
  const base = `${http}/api/v1/users/${encodeURIComponent(agent.user.username)}/agents/${encodeURIComponent(agent.name)}`;
  return {
    agent: { id: agent.id, name: agent.name, status: agent.status, keyPrefix: agent.keyPrefix },
    user: { id: agent.user.id, username: agent.user.username },
    http: { chat: `${base}/chat`, method: 'POST', body: { messages: [{ role: 'user', content: '…' }] } },
    sse: { url: `${base}/chat/stream`, method: 'POST', resume: 'send Last-Event-ID with the last id: you received to resume' },
    graphql: {
      http: `${http}/graphql`,
      ws: `${ws}/graphql`,
      protocol: 'graphql-transport-ws',
      connectionParams: { 'X-API-Key': '<agent key or team API key>' },
      startChatRun: CHAT_GRAPHQL.mutation,
      subscription: CHAT_GRAPHQL.subscription,
      variables: { user: agent.user.id, agent: agent.id },
    },
    auth: {
      header: 'X-API-Key',
      alternative: 'Authorization: Bearer <key>',
      keys: [
        `the agent key (prefix ${agent.keyPrefix}): chat with this agent only; rotate it with POST ${base}/rotate-key`,
        'a team API key with the agent:chat scope',
      ],
    },
  };
}

// ---------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------

export async function getUserTemplates(ctx: ServiceContext, userRef: string): Promise<StoredTemplates> {
  requireScope(ctx, 'agent:read');
  return storedTemplates((await resolveUser(ctx, userRef)).templates);
}

/** Merges the given user defaults (null removes one) and redeploys the user's agents. */
export async function setUserTemplates(ctx: ServiceContext, userRef: string, raw: unknown): Promise<StoredTemplates> {
  requireScope(ctx, 'agent:write');
  const patch = parseTemplatePatch(raw);
  const user = await resolveUser(ctx, userRef);
  const { templates, job } = await ctx.deps.prisma.$transaction(async (tx) => {
    await lockUser(tx, user.id);
    const current = await tx.agentUser.findUniqueOrThrow({ where: { id: user.id } });
    const templates = applyTemplatePatch(current.templates, patch);
    await tx.agentUser.update({ where: { id: user.id }, data: { templates } });
    const agents = await tx.agent.findMany({ where: { userId: user.id }, select: { id: true, name: true }, orderBy: { createdAt: 'asc' } });
    return { templates, job: agents.length ? await queueDeploy(ctx, tx, user.id, agents) : null };
  });
  await writeLog(ctx, { userId: user.id, level: 'info', message: `default templates changed: ${Object.keys(patch).join(', ')}` });
  if (job) scheduleDeploy(ctx);
  return templates;
}

export async function getAgentTemplates(ctx: ServiceContext, userRef: string, agentRef: string): Promise<StoredTemplates> {
  requireScope(ctx, 'agent:read');
  return storedTemplates((await resolveAgent(ctx, userRef, agentRef)).templates);
}

export async function getEffectiveTemplates(ctx: ServiceContext, userRef: string, agentRef: string): Promise<EffectiveTemplates> {
  requireScope(ctx, 'agent:read');
  return effectiveTemplates(ctx, await resolveAgent(ctx, userRef, agentRef));
}

/** Merges the given overrides (null removes one) and redeploys the agent. */
export async function setAgentTemplates(ctx: ServiceContext, userRef: string, agentRef: string, raw: unknown): Promise<{ agent: Agent; templates: StoredTemplates }> {
  requireScope(ctx, 'agent:write');
  const patch = parseTemplatePatch(raw);
  const found = await resolveAgent(ctx, userRef, agentRef);
  const { agent, job } = await ctx.deps.prisma.$transaction(async (tx) => {
    await lockUser(tx, found.userId);
    const current = await tx.agent.findUnique({ where: { id: found.id } });
    if (!current) throw agentNotFound();
    await tx.agent.update({ where: { id: found.id }, data: { templates: applyTemplatePatch(current.templates, patch) } });
    const job = await queueDeploy(ctx, tx, found.userId, [current]);
    return { agent: await tx.agent.findUniqueOrThrow({ where: { id: found.id } }), job };
  });
  await writeLog(ctx, { userId: found.userId, agentId: found.id, level: 'info', message: `templates changed: ${Object.keys(patch).join(', ')}` });
  scheduleDeploy(ctx);
  return { agent, templates: storedTemplates(agent.templates) };
}

// ---------------------------------------------------------------------------
// Tool config
// ---------------------------------------------------------------------------

export async function updateAgentConfig(ctx: ServiceContext, userRef: string, agentRef: string, raw: unknown): Promise<{ agent: Agent; config: AgentToolConfig }> {
  requireScope(ctx, 'agent:write');
  const patch = parseInput(AgentConfigPatch, raw);
  const found = await resolveAgent(ctx, userRef, agentRef);
  const { agent, job } = await ctx.deps.prisma.$transaction(async (tx) => {
    await lockUser(tx, found.userId);
    const current = await tx.agent.findUnique({ where: { id: found.id } });
    if (!current) throw agentNotFound();
    const config = mergeAgentConfig(current, patch);
    await tx.agent.update({ where: { id: found.id }, data: { config: config as unknown as Prisma.InputJsonValue } });
    const job = await queueDeploy(ctx, tx, found.userId, [current]);
    return { agent: await tx.agent.findUniqueOrThrow({ where: { id: found.id } }), job };
  });
  await writeLog(ctx, { userId: found.userId, agentId: found.id, level: 'info', message: 'tool config changed', data: { tools: agentToolConfig(agent) } });
  scheduleDeploy(ctx);
  return { agent, config: agentToolConfig(agent) };
}

// ---------------------------------------------------------------------------
// Deploys
// ---------------------------------------------------------------------------

export async function deployStatus(ctx: ServiceContext, userRef: string): Promise<DeployProgressEvent> {
  requireScope(ctx, 'agent:read');
  const user = await resolveUser(ctx, userRef);
  const status = await latestDeploy(ctx, user.id);
  if (!status) throw new NotFoundError('no deploy yet', 'deploy_not_found');
  return status;
}

/** The latest deploy or null (GraphQL's AgentUser.deployStatus). */
export async function latestDeployOf(ctx: ServiceContext, userId: string): Promise<DeployProgressEvent | null> {
  requireScope(ctx, 'agent:read');
  return latestDeploy(ctx, userId);
}

/** Subscribing to a user's deploys: read scope and a visible user. Returns the user's id. */
export async function assertCanWatchDeploys(ctx: ServiceContext, userRef: string): Promise<string> {
  requireScope(ctx, 'agent:read');
  return (await resolveUser(ctx, userRef)).id;
}

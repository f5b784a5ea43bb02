/**
 * EvalStudio connectors: where runs send their conversation. Names are unique
 * per project; PUT changes only the given fields and replaces `headers` and
 * `config` whole. `test` and `invoke` report failures as results, not errors.
 */
import { randomUUID } from 'node:crypto';
import { Prisma, type EvalConnector } from '../../generated/prisma/client.js';
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';

import { isUniqueViolation } from '../../infra/db/errors.js';
import { checkOutboundUrl, OutboundRefused } from '../../infra/safe-fetch.js';
import { resolveProject } from '../projects/service.js';
import { parseBody, CONNECTOR_TYPE_DESCRIPTIONS, CreateConnectorInput, InvokeConnectorInput, UpdateConnectorInput, type ConnectorType } from './inputs.js';
import { keepMaskedValues, sealHeaders } from './connector-headers.js';
import { invokeConnector, testConnector, type InvokeResult, type RunMessage, type TestResult } from './connector-clients.js';

export const connectorNotFound = () => new NotFoundError('Connector not found', 'connector_not_found');
const duplicate = () => new ConflictError('Connector with name already exists', 'connector_name_taken', 'name');

export type ConnectorQuery = { include?: Prisma.EvalConnectorInclude; select?: Prisma.EvalConnectorSelect };

function jsonOrNull(v: unknown): Prisma.InputJsonValue | typeof Prisma.DbNull | undefined {
  if (v === undefined) return undefined;
  if (v === null) return Prisma.DbNull;
  return v as Prisma.InputJsonValue;
}

/** Type-specific rules for the fields a connector will have; returns the baseUrl and agent to store. */
async function checkShape(
  ctx: ServiceContext,
  type: ConnectorType,
  baseUrl: string | undefined,
  config: Record<string, unknown> | null | undefined,
): Promise<{ baseUrl: string; agentId: string | null }> {
  const cfg = config ?? {};
  if (type === 'agent') {
    const ref = cfg.agentId;
    if (typeof ref !== 'string' || !ref.trim()) throw new ValidationError('config.agentId is required for agent connectors', 'config.agentId');
    const agent = await ctx.deps.prisma.agent.findFirst({ where: { teamId: ctx.actor.teamId, id: ref } });
    if (!agent) throw new NotFoundError('Agent not found', 'agent_not_found');
    return { baseUrl: baseUrl?.trim() ? baseUrl.trim() : `agent://${agent.id}`, agentId: agent.id };
  }
  if (!baseUrl?.trim()) throw new ValidationError('Base URL is required', 'baseUrl');
  try {
    checkOutboundUrl(baseUrl, ctx.deps.config.outbound);
  } catch (e) {
    if (e instanceof OutboundRefused) throw new ValidationError(`Base URL ${e.message.replace(/^url /, '')}`, 'baseUrl', 'invalid_base_url');
    throw e;
  }
  if (type === 'langgraph' && (typeof cfg.assistantId !== 'string' || !cfg.assistantId.trim())) {
    throw new ValidationError('config.assistantId is required for langgraph connectors', 'config.assistantId');
  }
  if (cfg.configurable !== undefined && (typeof cfg.configurable !== 'object' || cfg.configurable === null || Array.isArray(cfg.configurable))) {
    throw new ValidationError('config.configurable must be an object', 'config.configurable');
  }
  return { baseUrl: baseUrl.trim(), agentId: null };
}

export async function connectorTypes(ctx: ServiceContext, projectRef: string): Promise<Record<ConnectorType, string>> {
  requireScope(ctx, 'eval:read');
  await resolveProject(ctx, projectRef);
  return { ...CONNECTOR_TYPE_DESCRIPTIONS };
}

export async function listConnectors(ctx: ServiceContext, projectRef: string): Promise<EvalConnector[]> {
  requireScope(ctx, 'eval:read');
  const project = await resolveProject(ctx, projectRef);
  return ctx.deps.prisma.evalConnector.findMany({ where: { teamId: ctx.actor.teamId, projectId: project.id }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
}

/** A connector of the project (no scope check: callers check theirs). */
export async function findConnector(ctx: ServiceContext, projectId: string, id: string, query: ConnectorQuery = {}): Promise<EvalConnector> {
  const c = await ctx.deps.prisma.evalConnector.findFirst({ ...query, where: { id, projectId, teamId: ctx.actor.teamId } });
  if (!c) throw connectorNotFound();
  return c;
}

export async function getConnector(ctx: ServiceContext, projectRef: string, id: string, query: ConnectorQuery = {}): Promise<EvalConnector> {
  requireScope(ctx, 'eval:read');
  const project = await resolveProject(ctx, projectRef);
  return findConnector(ctx, project.id, id, query);
}

/** A connector by id alone, within the team (GraphQL node lookups). */
export async function getConnectorById(ctx: ServiceContext, id: string, query: ConnectorQuery = {}): Promise<EvalConnector> {
  requireScope(ctx, 'eval:read');
  const c = await ctx.deps.prisma.evalConnector.findFirst({ ...query, where: { id, teamId: ctx.actor.teamId } });
  if (!c) throw connectorNotFound();
  return c;
}

export async function createConnector(ctx: ServiceContext, projectRef: string, raw: unknown): Promise<EvalConnector> {
  requireScope(ctx, 'eval:write');
  const input = parseBody(CreateConnectorInput, raw);
  const project = await resolveProject(ctx, projectRef);
  const shape = await checkShape(ctx, input.type, input.baseUrl, input.config);
  // The id is made here: the sealed headers are bound to it.
  const id = randomUUID();
  try {
    return await ctx.deps.prisma.evalConnector.create({
      data: {
        id,
        teamId: ctx.actor.teamId,
        projectId: project.id,
        name: input.name,
        type: input.type,
        baseUrl: shape.baseUrl,
        agentId: shape.agentId,
        ...sealHeaders(ctx.deps, id, input.headers ?? undefined),
        config: jsonOrNull(input.config ?? undefined),
      },
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw duplicate();
    throw e;
  }
}

export async function updateConnector(ctx: ServiceContext, projectRef: string, id: string, raw: unknown): Promise<EvalConnector> {
  requireScope(ctx, 'eval:write');
  const input = parseBody(UpdateConnectorInput, raw);
  const project = await resolveProject(ctx, projectRef);
  const current = await findConnector(ctx, project.id, id);
  const type = (input.type ?? current.type) as ConnectorType;
  const config = input.config !== undefined ? input.config : ((current.config as Record<string, unknown> | null) ?? null);
  const shape = await checkShape(ctx, type, input.baseUrl ?? (type === 'agent' && input.type ? undefined : current.baseUrl), config);
  try {
    return await ctx.deps.prisma.evalConnector.update({
      where: { id: current.id },
      data: {
        name: input.name,
        type,
        baseUrl: shape.baseUrl,
        agentId: shape.agentId,
        ...sealHeaders(ctx.deps, current.id, keepMaskedValues(ctx, current, input.headers)),
        config: jsonOrNull(input.config),
      },
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw duplicate();
    throw e;
  }
}

export async function deleteConnector(ctx: ServiceContext, projectRef: string, id: string, query: ConnectorQuery = {}): Promise<EvalConnector> {
  requireScope(ctx, 'eval:write');
  const project = await resolveProject(ctx, projectRef);
  const c = await findConnector(ctx, project.id, id, query);
  const { count } = await ctx.deps.prisma.evalConnector.deleteMany({ where: { id: c.id, teamId: ctx.actor.teamId } });
  if (count === 0) throw connectorNotFound();
  return c;
}

export async function testConnectorById(ctx: ServiceContext, projectRef: string, id: string): Promise<TestResult> {
  requireScope(ctx, 'eval:write');
  const project = await resolveProject(ctx, projectRef);
  return testConnector(ctx, await findConnector(ctx, project.id, id));
}

/** POST /connectors/:id/invoke: one call with the given messages (a persona's headers with `personaId`). */
export async function invokeConnectorById(ctx: ServiceContext, projectRef: string, id: string, raw: unknown): Promise<InvokeResult> {
  requireScope(ctx, 'eval:write');
  const input = parseBody(InvokeConnectorInput, raw);
  const project = await resolveProject(ctx, projectRef);
  const connector = await findConnector(ctx, project.id, id);
  let personaHeaders: Record<string, string> | null = null;
  if (input.personaId) {
    const persona = await ctx.deps.prisma.persona.findFirst({ where: { id: input.personaId, teamId: ctx.actor.teamId, projectId: project.id } });
    if (!persona) throw new NotFoundError('Persona not found', 'persona_not_found');
    personaHeaders = (persona.headers as Record<string, string> | null) ?? null;
  }
  const messages = input.messages
    .filter((m) => m.role !== 'system')
    .map((m) => ({ ...m, content: m.content ?? '' }) as RunMessage);
  return invokeConnector(ctx, connector, { messages, threadId: input.threadId, personaHeaders });
}

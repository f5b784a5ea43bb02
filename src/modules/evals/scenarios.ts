/**
 * EvalStudio scenarios: what the simulated user wants (instructions, seed
 * messages, success criteria as its goal), how it is judged (criteria,
 * failure mode, evaluators) and which of the project's personas play it.
 */
import { Prisma, type Persona, type Scenario } from '../../generated/prisma/client.js';
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { ConflictError, NotFoundError } from '../../errors.js';

import { isUniqueViolation } from '../../infra/db/errors.js';
import { resolveProject } from '../projects/service.js';
import { parseBody, CreateScenarioInput, UpdateScenarioInput } from './inputs.js';
import { checkEvaluatorConfigs, evaluatorTypes } from './evaluators.js';
import { buildSystemPrompt } from './simulated-user.js';

export const scenarioNotFound = () => new NotFoundError('Scenario not found', 'scenario_not_found');
const duplicate = () => new ConflictError('Scenario with name already exists', 'scenario_name_taken', 'name');

export type ScenarioQuery = { include?: Prisma.ScenarioInclude; select?: Prisma.ScenarioSelect };

export interface EvaluatorSpec {
  type: string;
  config?: Record<string, unknown> | null;
}
export interface SeedMessage {
  role: 'user' | 'assistant';
  content: string;
}

export const scenarioEvaluators = (s: Pick<Scenario, 'evaluators'>): EvaluatorSpec[] => (Array.isArray(s.evaluators) ? (s.evaluators as unknown as EvaluatorSpec[]) : []);
export const scenarioSeed = (s: Pick<Scenario, 'messages'>): SeedMessage[] => (Array.isArray(s.messages) ? (s.messages as unknown as SeedMessage[]) : []);

async function checkPersonas(ctx: ServiceContext, projectId: string, ids: string[] | null | undefined): Promise<string[] | undefined> {
  if (ids === undefined) return undefined;
  const unique = [...new Set(ids ?? [])];
  if (!unique.length) return [];
  const found = await ctx.deps.prisma.persona.findMany({ where: { id: { in: unique }, teamId: ctx.actor.teamId, projectId }, select: { id: true } });
  const missing = unique.filter((id) => !found.some((f) => f.id === id));
  if (missing.length) throw new NotFoundError(`Persona not found: ${missing[0]}`, 'persona_not_found');
  return unique;
}

export async function listScenarios(ctx: ServiceContext, projectRef: string): Promise<Scenario[]> {
  requireScope(ctx, 'eval:read');
  const project = await resolveProject(ctx, projectRef);
  return ctx.deps.prisma.scenario.findMany({ where: { teamId: ctx.actor.teamId, projectId: project.id }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
}

export async function findScenario(ctx: ServiceContext, projectId: string, id: string, query: ScenarioQuery = {}): Promise<Scenario> {
  const s = await ctx.deps.prisma.scenario.findFirst({ ...query, where: { id, projectId, teamId: ctx.actor.teamId } });
  if (!s) throw scenarioNotFound();
  return s;
}

export async function getScenario(ctx: ServiceContext, projectRef: string, id: string, query: ScenarioQuery = {}): Promise<Scenario> {
  requireScope(ctx, 'eval:read');
  const project = await resolveProject(ctx, projectRef);
  return findScenario(ctx, project.id, id, query);
}

export async function getScenarioById(ctx: ServiceContext, id: string, query: ScenarioQuery = {}): Promise<Scenario> {
  requireScope(ctx, 'eval:read');
  const s = await ctx.deps.prisma.scenario.findFirst({ ...query, where: { id, teamId: ctx.actor.teamId } });
  if (!s) throw scenarioNotFound();
  return s;
}

export async function createScenario(ctx: ServiceContext, projectRef: string, raw: unknown): Promise<Scenario> {
  requireScope(ctx, 'eval:write');
  const input = parseBody(CreateScenarioInput, raw);
  const project = await resolveProject(ctx, projectRef);
  if (input.evaluators) checkEvaluatorConfigs(input.evaluators);
  const personaIds = await checkPersonas(ctx, project.id, input.personaIds ?? []);
  try {
    return await ctx.deps.prisma.scenario.create({
      data: {
        teamId: ctx.actor.teamId,
        projectId: project.id,
        name: input.name,
        instructions: input.instructions ?? null,
        messages: (input.messages ?? []) as Prisma.InputJsonValue,
        maxMessages: input.maxMessages ?? 10,
        successCriteria: input.successCriteria ?? null,
        failureCriteria: input.failureCriteria ?? null,
        failureCriteriaMode: input.failureCriteriaMode ?? 'on_max_messages',
        evaluators: (input.evaluators ?? []) as Prisma.InputJsonValue,
        personaIds: personaIds ?? [],
      },
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw duplicate();
    throw e;
  }
}

export async function updateScenario(ctx: ServiceContext, projectRef: string, id: string, raw: unknown): Promise<Scenario> {
  requireScope(ctx, 'eval:write');
  const input = parseBody(UpdateScenarioInput, raw);
  const project = await resolveProject(ctx, projectRef);
  const current = await findScenario(ctx, project.id, id);
  if (input.evaluators) checkEvaluatorConfigs(input.evaluators);
  const personaIds = await checkPersonas(ctx, project.id, input.personaIds === null ? [] : input.personaIds);
  try {
    return await ctx.deps.prisma.scenario.update({
      where: { id: current.id },
      data: {
        name: input.name,
        instructions: input.instructions,
        messages: input.messages === undefined ? undefined : ((input.messages ?? []) as Prisma.InputJsonValue),
        maxMessages: input.maxMessages === undefined ? undefined : (input.maxMessages ?? 10),
        successCriteria: input.successCriteria,
        failureCriteria: input.failureCriteria,
        failureCriteriaMode: input.failureCriteriaMode === undefined ? undefined : (input.failureCriteriaMode ?? 'on_max_messages'),
        evaluators: input.evaluators === undefined ? undefined : ((input.evaluators ?? []) as Prisma.InputJsonValue),
        personaIds,
      },
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw duplicate();
    throw e;
  }
}

export async function deleteScenario(ctx: ServiceContext, projectRef: string, id: string, query: ScenarioQuery = {}): Promise<Scenario> {
  requireScope(ctx, 'eval:write');
  const project = await resolveProject(ctx, projectRef);
  const s = await findScenario(ctx, project.id, id, query);
  const { count } = await ctx.deps.prisma.scenario.deleteMany({ where: { id: s.id, teamId: ctx.actor.teamId } });
  if (count === 0) throw scenarioNotFound();
  return s;
}

/** GET /scenarios/:id/prompt: what the simulated user is given, for a persona or none. */
export async function scenarioPrompt(ctx: ServiceContext, projectRef: string, id: string, personaId?: string | null): Promise<{ systemPrompt: string; messages: SeedMessage[] }> {
  requireScope(ctx, 'eval:read');
  const project = await resolveProject(ctx, projectRef);
  const scenario = await findScenario(ctx, project.id, id);
  let persona: Persona | null = null;
  if (personaId) {
    persona = await ctx.deps.prisma.persona.findFirst({ where: { id: personaId, teamId: ctx.actor.teamId, projectId: project.id } });
    if (!persona) throw new NotFoundError('Persona not found', 'persona_not_found');
  }
  return { systemPrompt: buildSystemPrompt(persona, scenario), messages: scenarioSeed(scenario) };
}

/** Rejects ids that are not scenarios of the project (404 naming the first). */
export async function checkScenarioIds(ctx: ServiceContext, projectId: string, ids: string[]): Promise<string[]> {
  const unique = [...new Set(ids)];
  const found = await ctx.deps.prisma.scenario.findMany({ where: { id: { in: unique }, projectId, teamId: ctx.actor.teamId }, select: { id: true } });
  if (found.length !== unique.length) throw scenarioNotFound();
  return unique;
}

/** GET /evaluator-types: the built-in evaluators with their config schemas. */
export async function listEvaluatorTypes(ctx: ServiceContext, projectRef: string) {
  requireScope(ctx, 'eval:read');
  await resolveProject(ctx, projectRef);
  return evaluatorTypes();
}

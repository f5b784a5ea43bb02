/** EvalStudio evals: a connector and the scenarios to run against it. */
import { Prisma, type EvalConnector, type Eval, type Scenario } from '../../generated/prisma/client.js';
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { ConflictError, NotFoundError } from '../../errors.js';

import { isUniqueViolation } from '../../infra/db/errors.js';
import { resolveProject } from '../projects/service.js';
import { parseBody, CreateEvalInput, UpdateEvalInput } from './inputs.js';
import { findConnector } from './connectors.js';
import { checkScenarioIds } from './scenarios.js';

export const evalNotFound = () => new NotFoundError('Eval not found', 'eval_not_found');
const duplicate = () => new ConflictError('Eval with name already exists', 'eval_name_taken', 'name');

export type EvalQuery = { include?: Prisma.EvalInclude; select?: Prisma.EvalSelect };

export async function listEvals(ctx: ServiceContext, projectRef: string): Promise<Eval[]> {
  requireScope(ctx, 'eval:read');
  const project = await resolveProject(ctx, projectRef);
  return ctx.deps.prisma.eval.findMany({ where: { teamId: ctx.actor.teamId, projectId: project.id }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
}

export async function findEval(ctx: ServiceContext, projectId: string, id: string, query: EvalQuery = {}): Promise<Eval> {
  const e = await ctx.deps.prisma.eval.findFirst({ ...query, where: { id, projectId, teamId: ctx.actor.teamId } });
  if (!e) throw evalNotFound();
  return e;
}

export async function getEval(ctx: ServiceContext, projectRef: string, id: string, query: EvalQuery = {}): Promise<Eval> {
  requireScope(ctx, 'eval:read');
  const project = await resolveProject(ctx, projectRef);
  return findEval(ctx, project.id, id, query);
}

export async function getEvalById(ctx: ServiceContext, id: string, query: EvalQuery = {}): Promise<Eval> {
  requireScope(ctx, 'eval:read');
  const e = await ctx.deps.prisma.eval.findFirst({ ...query, where: { id, teamId: ctx.actor.teamId } });
  if (!e) throw evalNotFound();
  return e;
}

/** `?expand=true`: the eval with its scenarios (in the eval's order) and connector. */
export async function getEvalExpanded(ctx: ServiceContext, projectRef: string, id: string): Promise<Eval & { scenarios: Scenario[]; connector: EvalConnector | null }> {
  const e = await getEval(ctx, projectRef, id, { include: { connector: true } });
  const scenarios = await ctx.deps.prisma.scenario.findMany({ where: { id: { in: e.scenarioIds }, teamId: ctx.actor.teamId } });
  const order = new Map(e.scenarioIds.map((sid, i) => [sid, i]));
  scenarios.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  return { ...(e as Eval & { connector: EvalConnector | null }), scenarios };
}

export async function createEval(ctx: ServiceContext, projectRef: string, raw: unknown): Promise<Eval> {
  requireScope(ctx, 'eval:write');
  const input = parseBody(CreateEvalInput, raw);
  const project = await resolveProject(ctx, projectRef);
  const connector = await findConnector(ctx, project.id, input.connectorId);
  const scenarioIds = await checkScenarioIds(ctx, project.id, input.scenarioIds);
  try {
    return await ctx.deps.prisma.eval.create({
      data: { teamId: ctx.actor.teamId, projectId: project.id, name: input.name, connectorId: connector.id, scenarioIds },
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw duplicate();
    throw e;
  }
}

export async function updateEval(ctx: ServiceContext, projectRef: string, id: string, raw: unknown): Promise<Eval> {
  requireScope(ctx, 'eval:write');
  const input = parseBody(UpdateEvalInput, raw);
  const project = await resolveProject(ctx, projectRef);
  const current = await findEval(ctx, project.id, id);
  const connectorId = input.connectorId ? (await findConnector(ctx, project.id, input.connectorId)).id : undefined;
  const scenarioIds = input.scenarioIds ? await checkScenarioIds(ctx, project.id, input.scenarioIds) : undefined;
  try {
    return await ctx.deps.prisma.eval.update({ where: { id: current.id }, data: { name: input.name, connectorId, scenarioIds } });
  } catch (e) {
    if (isUniqueViolation(e)) throw duplicate();
    throw e;
  }
}

export async function deleteEval(ctx: ServiceContext, projectRef: string, id: string, query: EvalQuery = {}): Promise<Eval> {
  requireScope(ctx, 'eval:write');
  const project = await resolveProject(ctx, projectRef);
  const e = await findEval(ctx, project.id, id, query);
  const { count } = await ctx.deps.prisma.eval.deleteMany({ where: { id: e.id, teamId: ctx.actor.teamId } });
  if (count === 0) throw evalNotFound();
  return e;
}

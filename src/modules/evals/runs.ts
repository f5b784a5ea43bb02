/**
 * EvalStudio runs: started from an eval (one queued run per scenario ×
 * persona, sharing a new execution id) or in the playground (one run), each
 * executed by a durable job (execution.ts) enqueued in the transaction that
 * creates it. Retry only from `error` (a new thread, a new job); cancel ends a
 * waiting or running run as `error`. Live events: run-events.ts; an
 * execution's summary: execution-summary.ts.
 */
import { randomUUID } from 'node:crypto';
import { Prisma, type EvalRun } from '../../generated/prisma/client.js';
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import { resolveProject } from '../projects/service.js';
import { parseBody, PlaygroundRunInput, RunListQuery, StartRunsInput, UpdateRunInput } from './inputs.js';
import { findConnector } from './connectors.js';
import { findEval } from './evals.js';
import { findScenario } from './scenarios.js';
import { publishRunEvent, TERMINAL_STATUSES } from './events.js';
import { finish, RUN_JOB, runStats } from './execution.js';

export const runNotFound = () => new NotFoundError('Run not found', 'run_not_found');

export type RunQuery = { include?: Prisma.EvalRunInclude; select?: Prisma.EvalRunSelect };

interface NewRun {
  scenarioId: string;
  personaId: string | null;
  connectorId: string;
  evalId: string | null;
}

/** Creates runs and their jobs in one transaction (an execution id when from an eval), then starts them. */
async function createRuns(ctx: ServiceContext, projectId: string, specs: NewRun[], withExecution: boolean): Promise<EvalRun[]> {
  const { deps } = ctx;
  const runs = await deps.prisma.$transaction(async (tx) => {
    let executionId: number | null = null;
    if (withExecution) {
      const [row] = await tx.$queryRaw<{ last: number }[]>`
        INSERT INTO "EvalExecutionCounter" ("projectId", "last") VALUES (${projectId}, 1)
        ON CONFLICT ("projectId") DO UPDATE SET "last" = "EvalExecutionCounter"."last" + 1
        RETURNING "last"`;
      executionId = Number(row!.last);
    }
    const out: EvalRun[] = [];
    for (const spec of specs) {
      const id = randomUUID();
      const job = await deps.jobs.enqueue(RUN_JOB, { runId: id }, { teamId: ctx.actor.teamId, tx });
      out.push(
        await tx.evalRun.create({
          data: { id, teamId: ctx.actor.teamId, projectId, ...spec, executionId, status: 'queued', threadId: randomUUID(), jobId: job.id },
        }),
      );
    }
    return out;
  });
  deps.jobs.kick();
  for (const r of runs) publishRunEvent(deps.pubsub, r, { type: 'status', status: r.status });
  return runs;
}

export async function listRuns(ctx: ServiceContext, projectRef: string, raw: Record<string, unknown> = {}): Promise<EvalRun[]> {
  requireScope(ctx, 'eval:read');
  const filter = parseBody(RunListQuery, raw);
  const project = await resolveProject(ctx, projectRef);
  return ctx.deps.prisma.evalRun.findMany({
    where: { teamId: ctx.actor.teamId, projectId: project.id, ...filter },
    orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
    take: 1000,
  });
}

export async function findRun(ctx: ServiceContext, projectId: string, id: string, query: RunQuery = {}): Promise<EvalRun> {
  const run = await ctx.deps.prisma.evalRun.findFirst({ ...query, where: { id, projectId, teamId: ctx.actor.teamId } });
  if (!run) throw runNotFound();
  return run;
}

export async function getRun(ctx: ServiceContext, projectRef: string, id: string, query: RunQuery = {}): Promise<EvalRun> {
  requireScope(ctx, 'eval:read');
  const project = await resolveProject(ctx, projectRef);
  return findRun(ctx, project.id, id, query);
}

export async function getRunById(ctx: ServiceContext, id: string, query: RunQuery = {}): Promise<EvalRun> {
  requireScope(ctx, 'eval:read');
  const run = await ctx.deps.prisma.evalRun.findFirst({ ...query, where: { id, teamId: ctx.actor.teamId } });
  if (!run) throw runNotFound();
  return run;
}

/** POST /runs {evalId}: one queued run per scenario × persona (one without a persona when a scenario has none). */
export async function startEval(ctx: ServiceContext, projectRef: string, raw: unknown): Promise<EvalRun[]> {
  requireScope(ctx, 'eval:write');
  const { evalId } = parseBody(StartRunsInput, raw);
  const project = await resolveProject(ctx, projectRef);
  const ev = await findEval(ctx, project.id, evalId);
  if (!ev.connectorId) throw new ValidationError('Eval has no connector', 'connectorId', 'eval_without_connector');
  const scenarios = await ctx.deps.prisma.scenario.findMany({ where: { id: { in: ev.scenarioIds }, projectId: project.id, teamId: ctx.actor.teamId } });
  if (!scenarios.length) throw new NotFoundError('Scenario not found', 'scenario_not_found');
  const order = new Map(ev.scenarioIds.map((id, i) => [id, i]));
  scenarios.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  const personaIds = [...new Set(scenarios.flatMap((s) => s.personaIds))];
  const personas = personaIds.length
    ? await ctx.deps.prisma.persona.findMany({ where: { id: { in: personaIds }, teamId: ctx.actor.teamId, projectId: project.id }, select: { id: true } })
    : [];
  const existing = new Set(personas.map((p) => p.id));
  const specs: NewRun[] = [];
  for (const s of scenarios) {
    const ids = s.personaIds.filter((id) => existing.has(id));
    if (!ids.length) specs.push({ scenarioId: s.id, personaId: null, connectorId: ev.connectorId, evalId: ev.id });
    for (const personaId of ids) specs.push({ scenarioId: s.id, personaId, connectorId: ev.connectorId, evalId: ev.id });
  }
  return createRuns(ctx, project.id, specs, true);
}

/** POST /runs/playground: one run of a scenario against a connector, as a persona or none. */
export async function startPlaygroundRun(ctx: ServiceContext, projectRef: string, raw: unknown): Promise<EvalRun> {
  requireScope(ctx, 'eval:write');
  const input = parseBody(PlaygroundRunInput, raw);
  const project = await resolveProject(ctx, projectRef);
  const scenario = await findScenario(ctx, project.id, input.scenarioId);
  const connector = await findConnector(ctx, project.id, input.connectorId);
  let personaId: string | null = null;
  if (input.personaId) {
    const persona = await ctx.deps.prisma.persona.findFirst({ where: { id: input.personaId, teamId: ctx.actor.teamId, projectId: project.id } });
    if (!persona) throw new NotFoundError('Persona not found', 'persona_not_found');
    personaId = persona.id;
  }
  const [run] = await createRuns(ctx, project.id, [{ scenarioId: scenario.id, personaId, connectorId: connector.id, evalId: null }], false);
  return run!;
}

/** PUT /runs/:id: only the given fields change. */
export async function updateRun(ctx: ServiceContext, projectRef: string, id: string, raw: unknown): Promise<EvalRun> {
  requireScope(ctx, 'eval:write');
  const input = parseBody(UpdateRunInput, raw);
  const project = await resolveProject(ctx, projectRef);
  const current = await findRun(ctx, project.id, id);
  const json = (v: unknown) => (v === undefined ? undefined : v === null ? Prisma.DbNull : (v as Prisma.InputJsonValue));
  const date = (v: string | null | undefined) => (v === undefined ? undefined : v === null ? null : new Date(v));
  const updated = await ctx.deps.prisma.evalRun.update({
    where: { id: current.id },
    data: {
      status: input.status,
      messages: input.messages as Prisma.InputJsonValue | undefined,
      output: json(input.output),
      result: json(input.result),
      error: input.error,
      threadId: input.threadId,
      latencyMs: input.latencyMs,
      startedAt: date(input.startedAt),
      completedAt: date(input.completedAt),
    },
  });
  if (input.status && input.status !== current.status) publishRunEvent(ctx.deps.pubsub, updated, { type: 'status', status: updated.status, error: updated.error });
  return updated;
}

/** POST /runs/:id/retry: only a run that ended in a system error, back to queued with a new thread and job. */
export async function retryRun(ctx: ServiceContext, projectRef: string | null, id: string): Promise<EvalRun> {
  requireScope(ctx, 'eval:write');
  const current = projectRef ? await findRun(ctx, (await resolveProject(ctx, projectRef)).id, id) : await getRunById(ctx, id);
  if (current.status !== 'error') {
    throw new ValidationError(`Cannot retry run with status "${current.status}". Only runs with system errors can be retried.`, 'status', 'run_not_retryable');
  }
  const run = await ctx.deps.prisma.$transaction(async (tx) => {
    const job = await ctx.deps.jobs.enqueue(RUN_JOB, { runId: current.id }, { teamId: ctx.actor.teamId, tx });
    const { count } = await tx.evalRun.updateMany({
      where: { id: current.id, status: 'error' },
      data: {
        status: 'queued',
        threadId: randomUUID(),
        jobId: job.id,
        messages: [],
        sentCount: 0,
        stats: Prisma.DbNull,
        output: Prisma.DbNull,
        result: Prisma.DbNull,
        error: null,
        startedAt: null,
        completedAt: null,
        latencyMs: null,
      },
    });
    if (count === 0) throw new ConflictError('The run changed while retrying it; try again', 'run_changed');
    return tx.evalRun.findUniqueOrThrow({ where: { id: current.id } });
  });
  ctx.deps.jobs.kick();
  publishRunEvent(ctx.deps.pubsub, run, { type: 'status', status: run.status });
  return run;
}

/** Stops a queued, pending or running run: it ends as `error` "Run cancelled" (and may be retried). */
export async function cancelRun(ctx: ServiceContext, projectRef: string | null, id: string): Promise<EvalRun> {
  requireScope(ctx, 'eval:write');
  const current = projectRef ? await findRun(ctx, (await resolveProject(ctx, projectRef)).id, id) : await getRunById(ctx, id);
  if (TERMINAL_STATUSES.has(current.status)) {
    throw new ConflictError(`Cannot cancel run with status "${current.status}"`, 'run_not_cancellable', 'status');
  }
  await finish(ctx.deps, current, { status: 'error', error: 'Run cancelled', stats: runStats(current) });
  if (current.jobId) await ctx.deps.jobs.cancel(current.jobId);
  return ctx.deps.prisma.evalRun.findUniqueOrThrow({ where: { id: current.id } });
}

export async function deleteRun(ctx: ServiceContext, projectRef: string, id: string): Promise<void> {
  requireScope(ctx, 'eval:write');
  const project = await resolveProject(ctx, projectRef);
  const run = await findRun(ctx, project.id, id);
  if (run.jobId && !TERMINAL_STATUSES.has(run.status)) await ctx.deps.jobs.cancel(run.jobId);
  const { count } = await ctx.deps.prisma.evalRun.deleteMany({ where: { id: run.id, teamId: ctx.actor.teamId } });
  if (count === 0) throw runNotFound();
}

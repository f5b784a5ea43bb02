/**
 * EvalStudio runs: started from an eval (one queued run per scenario ×
 * persona, sharing a new execution id) or in the playground (one run), each
 * executed by a durable job (execution.ts) enqueued in the transaction that
 * creates it. Retry only from `error` (a new thread, a new job); cancel ends a
 * waiting or running run as `error`; results aggregate per execution.
 */
import { randomUUID } from 'node:crypto';
import { Prisma, type EvalRun } from '../../generated/prisma/client.js';
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import { seqCursor, storedThenLive } from '../../infra/live-replay.js';

import { resolveProject } from '../projects/service.js';
import { parseBody, PlaygroundRunInput, RunListQuery, StartRunsInput, UpdateRunInput } from './inputs.js';
import { findConnector } from './connectors.js';
import { findEval } from './evals.js';
import { findScenario } from './scenarios.js';
import { publishRunEvent, type EvalRunEvent, executionKey, TERMINAL_STATUSES } from './events.js';
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

// --- aggregation per execution ------------------------------------------------------------

export interface GroupStats {
  runs: number;
  completed: number;
  errors: number;
  passed: number;
  failed: number;
  /** passed / completed; null while none completed. */
  passRate: number | null;
}

export interface ExecutionSummary extends GroupStats {
  projectId: string;
  executionId: number;
  evalId: string | null;
  statusCounts: Record<string, number>;
  byPersona: (GroupStats & { personaId: string | null; personaName: string | null })[];
  byScenario: (GroupStats & { scenarioId: string; scenarioName: string })[];
  latency: { avgMs: number | null; totalMs: number };
  tokens: { input_tokens: number; output_tokens: number; total_tokens: number };
  startedAt: string | null;
  completedAt: string | null;
}

function group(runs: EvalRun[]): GroupStats {
  const completed = runs.filter((r) => r.status === 'completed');
  const passed = completed.filter((r) => (r.result as { success?: boolean } | null)?.success === true).length;
  return {
    runs: runs.length,
    completed: completed.length,
    errors: runs.filter((r) => r.status === 'error').length,
    passed,
    failed: completed.length - passed,
    passRate: completed.length ? Math.round((passed / completed.length) * 1000) / 1000 : null,
  };
}

export async function executionSummary(ctx: ServiceContext, projectRef: string, executionId: number): Promise<ExecutionSummary> {
  requireScope(ctx, 'eval:read');
  const project = await resolveProject(ctx, projectRef);
  const runs = await ctx.deps.prisma.evalRun.findMany({
    where: { teamId: ctx.actor.teamId, projectId: project.id, executionId },
    include: { persona: { select: { name: true } }, scenario: { select: { name: true } } },
    orderBy: { createdAt: 'asc' },
  });
  if (!runs.length) throw new NotFoundError('Execution not found', 'execution_not_found');
  const statusCounts: Record<string, number> = { queued: 0, pending: 0, running: 0, completed: 0, error: 0 };
  for (const r of runs) statusCounts[r.status] = (statusCounts[r.status] ?? 0) + 1;
  const by = <K extends string>(key: (r: (typeof runs)[number]) => K) => {
    const m = new Map<K, typeof runs>();
    for (const r of runs) m.set(key(r), [...(m.get(key(r)) ?? []), r]);
    return [...m.entries()];
  };
  const done = runs.filter((r) => r.latencyMs !== null);
  const totalMs = done.reduce((n, r) => n + (r.latencyMs ?? 0), 0);
  const tokens = runs.reduce(
    (t, r) => {
      const s = runStats(r);
      return { input_tokens: t.input_tokens + s.input_tokens, output_tokens: t.output_tokens + s.output_tokens, total_tokens: t.total_tokens + s.total_tokens };
    },
    { input_tokens: 0, output_tokens: 0, total_tokens: 0 },
  );
  const times = (k: 'startedAt' | 'completedAt') => runs.map((r) => r[k]).filter((d): d is Date => d !== null);
  const allDone = runs.every((r) => TERMINAL_STATUSES.has(r.status));
  return {
    projectId: project.id,
    executionId,
    evalId: runs[0]!.evalId,
    ...group(runs),
    statusCounts,
    byPersona: by((r) => r.personaId ?? '').map(([, rs]) => ({ personaId: rs[0]!.personaId, personaName: rs[0]!.persona?.name ?? null, ...group(rs) })),
    byScenario: by((r) => r.scenarioId).map(([, rs]) => ({ scenarioId: rs[0]!.scenarioId, scenarioName: rs[0]!.scenario.name, ...group(rs) })),
    latency: { avgMs: done.length ? Math.round(totalMs / done.length) : null, totalMs },
    tokens,
    startedAt: times('startedAt').length ? new Date(Math.min(...times('startedAt').map((d) => d.getTime()))).toISOString() : null,
    completedAt: allDone && times('completedAt').length ? new Date(Math.max(...times('completedAt').map((d) => d.getTime()))).toISOString() : null,
  };
}

// --- live events ------------------------------------------------------------------------------

export function assertCanWatch(ctx: ServiceContext): void {
  requireScope(ctx, 'eval:read');
}

/**
 * A run's events: first its stored state (status, then each message so far),
 * then live ones (messages numbered by their index in the transcript, so
 * repeats are dropped and a gap is read back from the store); ends once the
 * run has completed or failed. A `queued` status (a retry) starts the
 * transcript over.
 */
export async function* runEvents(ctx: ServiceContext, runId: string): AsyncGenerator<EvalRunEvent> {
  requireScope(ctx, 'eval:read');
  const first = await getRunById(ctx, runId);
  const at = () => new Date().toISOString();
  const transcript = (messages: unknown) => (Array.isArray(messages) ? messages : []) as unknown[];
  const base = { runId: first.id, projectId: first.projectId, executionId: first.executionId };
  const messageEvent = (index: number, message: unknown): EvalRunEvent => ({ ...base, type: 'message', index, message, at: at() });
  // Message i is seq i + 1; a gap is read back from the stored transcript.
  const newCursor = () =>
    seqCursor<EvalRunEvent>(
      0,
      (e) => (e.index ?? 0) + 1,
      async (afterSeq, beforeSeq) => {
        const now = await ctx.deps.prisma.evalRun.findUnique({ where: { id: first.id }, select: { messages: true } });
        return transcript(now?.messages).slice(afterSeq, beforeSeq - 1).map((m, i) => messageEvent(afterSeq + i, m));
      },
    );
  let cursor = newCursor();
  let endedBefore = false;
  let watching = false; // the stored status says where the run stands; only a live one ends the stream
  yield* storedThenLive<EvalRunEvent>({
    live: ctx.deps.pubsub.subscribe('eval.run', first.id),
    stored: async () => {
      const run = await getRunById(ctx, runId);
      endedBefore = TERMINAL_STATUSES.has(run.status);
      const status: EvalRunEvent = { ...base, type: 'status', status: run.status, error: run.error, ...(run.result ? { result: run.result } : {}), at: at() };
      return [status, ...transcript(run.messages).map((m, index) => messageEvent(index, m))];
    },
    admit: (e, phase) => {
      if (e.type === 'message') return cursor.admit(e, phase);
      if (e.type === 'status' && e.status === 'queued') cursor = newCursor(); // retried: the transcript starts over
      return [e];
    },
    settled: async () => {
      watching = true;
      return endedBefore ? [] : null;
    },
    ends: (e) => watching && e.type === 'status' && !!e.status && TERMINAL_STATUSES.has(e.status),
  });
}

/** Each run's current status, then every event of the execution's runs, live; ends when all its runs have ended. */
export async function* executionEvents(ctx: ServiceContext, projectRef: string, executionId: number): AsyncGenerator<EvalRunEvent> {
  requireScope(ctx, 'eval:read');
  const project = await resolveProject(ctx, projectRef);
  let runs: { id: string; status: string; error: string | null }[] = [];
  let open: Set<string> | null = null; // the runs still going: known once every stored status is sent, so none of those ends the stream
  yield* storedThenLive<EvalRunEvent>({
    live: ctx.deps.pubsub.subscribe('eval.execution', executionKey(project.id, executionId)),
    stored: async () => {
      runs = await ctx.deps.prisma.evalRun.findMany({
        where: { teamId: ctx.actor.teamId, projectId: project.id, executionId },
        select: { id: true, status: true, error: true },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      });
      if (!runs.length) throw new NotFoundError('Execution not found', 'execution_not_found');
      // First where each run stands now, then what happens next.
      return runs.map((r): EvalRunEvent => ({ type: 'status', runId: r.id, projectId: project.id, executionId, status: r.status, error: r.error, at: new Date().toISOString() }));
    },
    settled: async () => {
      open = new Set(runs.filter((r) => !TERMINAL_STATUSES.has(r.status)).map((r) => r.id));
      return open.size ? null : [];
    },
    admit: (e, phase) => {
      if (phase === 'live' && e.type === 'status' && e.status) {
        if (TERMINAL_STATUSES.has(e.status)) open!.delete(e.runId);
        else open!.add(e.runId);
      }
      return [e];
    },
    ends: (e) => e.type === 'status' && !!e.status && open?.size === 0,
  });
}

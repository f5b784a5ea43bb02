/**
 * An execution's summary: the runs an eval started together (one execution
 * id), counted by status and aggregated overall, per persona and per
 * scenario (pass rate, errors), with their latency, tokens and time span.
 */
import type { EvalRun } from '../../generated/prisma/client.js';
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { NotFoundError } from '../../errors.js';
import { resolveProject } from '../projects/service.js';
import { TERMINAL_STATUSES } from './events.js';
import { runStats } from './execution.js';

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

/** Counts and pass rate of a set of runs (an execution, or its runs of one persona or scenario). */
export function groupStats(runs: Pick<EvalRun, 'status' | 'result'>[]): GroupStats {
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
    ...groupStats(runs),
    statusCounts,
    byPersona: by((r) => r.personaId ?? '').map(([, rs]) => ({ personaId: rs[0]!.personaId, personaName: rs[0]!.persona?.name ?? null, ...groupStats(rs) })),
    byScenario: by((r) => r.scenarioId).map(([, rs]) => ({ scenarioId: rs[0]!.scenarioId, scenarioName: rs[0]!.scenario.name, ...groupStats(rs) })),
    latency: { avgMs: done.length ? Math.round(totalMs / done.length) : null, totalMs },
    tokens,
    startedAt: times('startedAt').length ? new Date(Math.min(...times('startedAt').map((d) => d.getTime()))).toISOString() : null,
    completedAt: allDone && times('completedAt').length ? new Date(Math.max(...times('completedAt').map((d) => d.getTime()))).toISOString() : null,
  };
}

/**
 * Two executions of one eval side by side: pass rate, latency (median and
 * p95 of the runs' connector time) and tokens of each, and what changed per
 * scenario × persona (pass→fail, fail→pass, unchanged, another change such as
 * pass→error, added, removed), with each pair's latency and tokens.
 *
 * `base` and `head` are the executions' ids in the project (positive
 * integers, else 400). An execution with no runs of this eval — none at all,
 * another eval's, another project's or team's — is "Execution not found"
 * (404), as is an eval the caller cannot see.
 */
import { z } from 'zod';
import type { EvalRun } from '../../generated/prisma/client.js';
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { resolveProject } from '../projects/service.js';
import type { TokensUsage } from './connector-clients.js';
import { findEval } from './evals.js';
import { groupStats, type GroupStats } from './execution-summary.js';
import { TERMINAL_STATUSES } from './events.js';
import { runTokens } from './transcript.js';

/** How a run ended: its verdict, a system error, or not yet. */
export type RunOutcome = 'pass' | 'fail' | 'error' | 'unfinished';
export type RunChange = 'pass_to_fail' | 'fail_to_pass' | 'unchanged' | 'changed' | 'added' | 'removed';

export interface LatencyStats {
  /** Over the runs that finished with a latency; null when none did. */
  medianMs: number | null;
  p95Ms: number | null;
  avgMs: number | null;
}

export interface ExecutionSide extends GroupStats {
  executionId: number;
  latency: LatencyStats;
  tokens: TokensUsage;
  startedAt: string | null;
  /** Set once every run has ended. */
  completedAt: string | null;
}

export interface RunSide {
  runId: string;
  status: string;
  outcome: RunOutcome;
  score: number | null;
  latencyMs: number | null;
  tokens: TokensUsage;
}

export interface ScenarioChange {
  scenarioId: string;
  scenarioName: string;
  personaId: string | null;
  personaName: string | null;
  change: RunChange;
  base: RunSide | null;
  head: RunSide | null;
  /** head − base; null unless both sides have one. */
  latencyDeltaMs: number | null;
  tokensDelta: TokensUsage | null;
}

export interface ExecutionComparison {
  projectId: string;
  evalId: string;
  base: ExecutionSide;
  head: ExecutionSide;
  /** head − base, each null unless both sides have a value. */
  delta: {
    passRate: number | null;
    medianLatencyMs: number | null;
    p95LatencyMs: number | null;
    tokens: TokensUsage;
  };
  changes: Record<'passToFail' | 'failToPass' | 'unchanged' | 'changed' | 'added' | 'removed', number>;
  scenarios: ScenarioChange[];
}

type LoadedRun = EvalRun & { persona: { name: string } | null; scenario: { name: string } };

const round3 = (n: number) => Math.round(n * 1000) / 1000;
const minus = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
const tokensMinus = (a: TokensUsage, b: TokensUsage): TokensUsage => ({
  input_tokens: a.input_tokens - b.input_tokens,
  output_tokens: a.output_tokens - b.output_tokens,
  total_tokens: a.total_tokens - b.total_tokens,
});

/** A positive integer execution id, else 400 naming the parameter. */
export function executionIdParam(raw: unknown, name: string): number {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  if (!text) throw new ValidationError(`${name} is required`, name);
  if (!/^[0-9]{1,9}$/.test(text) || Number(text) < 1) throw new ValidationError(`${name} must be a positive integer (an execution id)`, name);
  return Number(text);
}

/** Nearest-rank percentile of sorted numbers. */
export function percentile(sorted: number[], p: number): number | null {
  if (!sorted.length) return null;
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function outcomeOf(run: Pick<EvalRun, 'status' | 'result'>): RunOutcome {
  if (run.status === 'error') return 'error';
  if (run.status !== 'completed') return 'unfinished';
  return (run.result as { success?: unknown } | null)?.success === true ? 'pass' : 'fail';
}

function changeOf(base: RunOutcome | null, head: RunOutcome | null): RunChange {
  if (base === null) return 'added';
  if (head === null) return 'removed';
  if (base === head) return 'unchanged';
  if (base === 'pass' && head === 'fail') return 'pass_to_fail';
  if (base === 'fail' && head === 'pass') return 'fail_to_pass';
  return 'changed';
}

function side(executionId: number, runs: LoadedRun[]): ExecutionSide {
  const latencies = runs
    .map((r) => r.latencyMs)
    .filter((n): n is number => n !== null)
    .sort((a, b) => a - b);
  const tokens = runs.reduce((t, r) => {
    const u = runTokens(r);
    return { input_tokens: t.input_tokens + u.input_tokens, output_tokens: t.output_tokens + u.output_tokens, total_tokens: t.total_tokens + u.total_tokens };
  }, { input_tokens: 0, output_tokens: 0, total_tokens: 0 });
  const times = (k: 'startedAt' | 'completedAt') => runs.map((r) => r[k]?.getTime()).filter((t): t is number => t !== undefined);
  const started = times('startedAt');
  const completed = times('completedAt');
  return {
    executionId,
    ...groupStats(runs),
    latency: {
      medianMs: percentile(latencies, 50),
      p95Ms: percentile(latencies, 95),
      avgMs: latencies.length ? Math.round(latencies.reduce((a, b) => a + b, 0) / latencies.length) : null,
    },
    tokens,
    startedAt: started.length ? new Date(Math.min(...started)).toISOString() : null,
    completedAt: completed.length && runs.every((r) => TERMINAL_STATUSES.has(r.status)) ? new Date(Math.max(...completed)).toISOString() : null,
  };
}

const runSide = (r: LoadedRun): RunSide => ({
  runId: r.id,
  status: r.status,
  outcome: outcomeOf(r),
  score: typeof (r.result as { score?: unknown } | null)?.score === 'number' ? (r.result as { score: number }).score : null,
  latencyMs: r.latencyMs,
  tokens: runTokens(r),
});

const pairKey = (r: Pick<EvalRun, 'scenarioId' | 'personaId'>) => `${r.scenarioId}\u0000${r.personaId ?? ''}`;

export async function compareExecutions(ctx: ServiceContext, projectRef: string, evalId: string, rawBase: unknown, rawHead: unknown): Promise<ExecutionComparison> {
  requireScope(ctx, 'eval:read');
  const base = executionIdParam(rawBase, 'base');
  const head = executionIdParam(rawHead, 'head');
  const project = await resolveProject(ctx, projectRef);
  const ev = await findEval(ctx, project.id, evalId);
  const runs: LoadedRun[] = await ctx.deps.prisma.evalRun.findMany({
    where: { teamId: ctx.actor.teamId, projectId: project.id, evalId: ev.id, executionId: { in: [base, head] } },
    include: { persona: { select: { name: true } }, scenario: { select: { name: true } } },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
  });
  const of = (id: number) => runs.filter((r) => r.executionId === id);
  for (const [id, name] of [[base, 'base'], [head, 'head']] as const) {
    if (!of(id).length) throw new NotFoundError(`Execution not found: ${name} ${id} is not an execution of this eval`, 'execution_not_found');
  }
  const baseRuns = new Map(of(base).map((r) => [pairKey(r), r]));
  const headRuns = new Map(of(head).map((r) => [pairKey(r), r]));
  const keys = [...new Set([...headRuns.keys(), ...baseRuns.keys()])];
  const scenarios = keys.map((k): ScenarioChange => {
    const b = baseRuns.get(k) ?? null;
    const h = headRuns.get(k) ?? null;
    const any = (h ?? b)!;
    const bs = b ? runSide(b) : null;
    const hs = h ? runSide(h) : null;
    return {
      scenarioId: any.scenarioId,
      scenarioName: any.scenario.name,
      personaId: any.personaId,
      personaName: any.persona?.name ?? null,
      change: changeOf(bs?.outcome ?? null, hs?.outcome ?? null),
      base: bs,
      head: hs,
      latencyDeltaMs: minus(hs?.latencyMs ?? null, bs?.latencyMs ?? null),
      tokensDelta: bs && hs ? tokensMinus(hs.tokens, bs.tokens) : null,
    };
  });
  const b = side(base, of(base));
  const h = side(head, of(head));
  const count = (c: RunChange) => scenarios.filter((s) => s.change === c).length;
  const passRate = minus(h.passRate, b.passRate);
  return {
    projectId: project.id,
    evalId: ev.id,
    base: b,
    head: h,
    delta: {
      passRate: passRate === null ? null : round3(passRate),
      medianLatencyMs: minus(h.latency.medianMs, b.latency.medianMs),
      p95LatencyMs: minus(h.latency.p95Ms, b.latency.p95Ms),
      tokens: tokensMinus(h.tokens, b.tokens),
    },
    changes: {
      passToFail: count('pass_to_fail'),
      failToPass: count('fail_to_pass'),
      unchanged: count('unchanged'),
      changed: count('changed'),
      added: count('added'),
      removed: count('removed'),
    },
    scenarios,
  };
}

// --- the REST body, as a zod schema (the OpenAPI document's response schema)
const Tokens = z.object({ input_tokens: z.number().int(), output_tokens: z.number().int(), total_tokens: z.number().int() });
const Side = z.object({
  executionId: z.number().int(),
  runs: z.number().int(),
  completed: z.number().int(),
  errors: z.number().int(),
  passed: z.number().int(),
  failed: z.number().int(),
  passRate: z.number().nullable(),
  latency: z.object({ medianMs: z.number().int().nullable(), p95Ms: z.number().int().nullable(), avgMs: z.number().int().nullable() }),
  tokens: Tokens,
  startedAt: z.iso.datetime().nullable(),
  completedAt: z.iso.datetime().nullable(),
});
const Run = z.object({
  runId: z.string(),
  status: z.string(),
  outcome: z.enum(['pass', 'fail', 'error', 'unfinished']),
  score: z.number().nullable(),
  latencyMs: z.number().int().nullable(),
  tokens: Tokens,
});
export const ExecutionComparisonBody = z.object({
  projectId: z.string(),
  evalId: z.string(),
  base: Side,
  head: Side,
  delta: z.object({ passRate: z.number().nullable(), medianLatencyMs: z.number().int().nullable(), p95LatencyMs: z.number().int().nullable(), tokens: Tokens }),
  changes: z.object({ passToFail: z.number().int(), failToPass: z.number().int(), unchanged: z.number().int(), changed: z.number().int(), added: z.number().int(), removed: z.number().int() }),
  scenarios: z.array(
    z.object({
      scenarioId: z.string(),
      scenarioName: z.string(),
      personaId: z.string().nullable(),
      personaName: z.string().nullable(),
      change: z.enum(['pass_to_fail', 'fail_to_pass', 'unchanged', 'changed', 'added', 'removed']),
      base: Run.nullable(),
      head: Run.nullable(),
      latencyDeltaMs: z.number().int().nullable(),
      tokensDelta: Tokens.nullable(),
    }),
  ),
});
export const CompareQuery = z.object({
  base: z.string().describe('The earlier execution id (a positive integer)'),
  head: z.string().describe('The later execution id (a positive integer)'),
});

/** Two executions of one eval side by side (Query.compareExecutions; REST GET …/evals/:evalId/compare). */
import { builder, readableWith } from '../../../graphql/builder.js';
import { mutationErrors } from '../../../graphql/errors.js';
import * as evals from '../service.js';
import type { ExecutionComparison, ExecutionSide, RunSide, ScenarioChange } from '../service.js';
import { TokenTotals } from './execution.js';

const EvalRunOutcome = builder.enumType('EvalRunOutcome', { values: ['pass', 'fail', 'error', 'unfinished'] as const });
const EvalRunChange = builder.enumType('EvalRunChange', {
  description: 'How a scenario × persona pair changed from base to head; `changed` is any other move (e.g. pass → error).',
  values: ['pass_to_fail', 'fail_to_pass', 'unchanged', 'changed', 'added', 'removed'] as const,
});

const LatencyStats = builder.objectRef<ExecutionSide['latency']>('EvalLatencyStats').implement({
  authScopes: readableWith.evals,
  description: 'Over the runs that finished (each run’s total connector time).',
  fields: (t) => ({
    medianMs: t.exposeInt('medianMs', { nullable: true }),
    p95Ms: t.exposeInt('p95Ms', { nullable: true }),
    avgMs: t.exposeInt('avgMs', { nullable: true }),
  }),
});

const Side = builder.objectRef<ExecutionSide>('EvalComparisonSide').implement({
  authScopes: readableWith.evals,
  fields: (t) => ({
    executionId: t.exposeInt('executionId'),
    runs: t.exposeInt('runs'),
    completed: t.exposeInt('completed'),
    errors: t.exposeInt('errors'),
    passed: t.exposeInt('passed'),
    failed: t.exposeInt('failed'),
    passRate: t.exposeFloat('passRate', { nullable: true }),
    latency: t.field({ type: LatencyStats, resolve: (s) => s.latency }),
    tokens: t.field({ type: TokenTotals, resolve: (s) => s.tokens }),
    startedAt: t.exposeString('startedAt', { nullable: true }),
    completedAt: t.exposeString('completedAt', { nullable: true }),
  }),
});

const RunSideRef = builder.objectRef<RunSide>('EvalComparedRun').implement({
  authScopes: readableWith.evals,
  fields: (t) => ({
    runId: t.exposeID('runId'),
    status: t.exposeString('status'),
    outcome: t.field({ type: EvalRunOutcome, resolve: (r) => r.outcome }),
    score: t.exposeFloat('score', { nullable: true }),
    latencyMs: t.exposeInt('latencyMs', { nullable: true }),
    tokens: t.field({ type: TokenTotals, resolve: (r) => r.tokens }),
  }),
});

const Change = builder.objectRef<ScenarioChange>('EvalScenarioChange').implement({
  authScopes: readableWith.evals,
  description: 'One scenario × persona pair in both executions (base or head null when it ran in one only).',
  fields: (t) => ({
    scenarioId: t.exposeID('scenarioId'),
    scenarioName: t.exposeString('scenarioName'),
    personaId: t.exposeID('personaId', { nullable: true }),
    personaName: t.exposeString('personaName', { nullable: true }),
    change: t.field({ type: EvalRunChange, resolve: (c) => c.change }),
    base: t.field({ type: RunSideRef, nullable: true, resolve: (c) => c.base }),
    head: t.field({ type: RunSideRef, nullable: true, resolve: (c) => c.head }),
    latencyDeltaMs: t.exposeInt('latencyDeltaMs', { nullable: true, description: 'head − base.' }),
    tokensDelta: t.field({ type: TokenTotals, nullable: true, description: 'head − base.', resolve: (c) => c.tokensDelta }),
  }),
});

const Delta = builder.objectRef<ExecutionComparison['delta']>('EvalComparisonDelta').implement({
  authScopes: readableWith.evals,
  description: 'head − base; null where either side has no value.',
  fields: (t) => ({
    passRate: t.exposeFloat('passRate', { nullable: true }),
    medianLatencyMs: t.exposeInt('medianLatencyMs', { nullable: true }),
    p95LatencyMs: t.exposeInt('p95LatencyMs', { nullable: true }),
    tokens: t.field({ type: TokenTotals, resolve: (d) => d.tokens }),
  }),
});

const Counts = builder.objectRef<ExecutionComparison['changes']>('EvalChangeCounts').implement({
  authScopes: readableWith.evals,
  fields: (t) => ({
    passToFail: t.exposeInt('passToFail'),
    failToPass: t.exposeInt('failToPass'),
    unchanged: t.exposeInt('unchanged'),
    changed: t.exposeInt('changed'),
    added: t.exposeInt('added'),
    removed: t.exposeInt('removed'),
  }),
});

const EvalComparison = builder.objectRef<ExecutionComparison>('EvalComparison').implement({
  authScopes: readableWith.evals,
  description: 'Two executions of one eval: pass rate, latency and tokens of each, the deltas, and what changed per scenario × persona.',
  fields: (t) => ({
    evalId: t.exposeID('evalId'),
    base: t.field({ type: Side, resolve: (c) => c.base }),
    head: t.field({ type: Side, resolve: (c) => c.head }),
    delta: t.field({ type: Delta, resolve: (c) => c.delta }),
    changes: t.field({ type: Counts, resolve: (c) => c.changes }),
    scenarios: t.field({ type: [Change], resolve: (c) => c.scenarios }),
  }),
});

builder.queryFields((t) => ({
  compareExecutions: t.field({
    type: EvalComparison,
    errors: mutationErrors,
    description: 'Compares two executions of an eval. A bad id is a ValidationError; an eval or execution this team cannot see, or an execution of another eval, a NotFoundError.',
    args: { projectId: t.arg.id({ required: true }), evalId: t.arg.id({ required: true }), base: t.arg.int({ required: true }), head: t.arg.int({ required: true }) },
    resolve: (_r, a, ctx) => evals.compareExecutions(ctx, String(a.projectId), String(a.evalId), a.base, a.head),
  }),
}));

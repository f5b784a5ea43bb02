/** EvalExecution: the runs one start of an eval made, aggregated (by persona, by scenario, latency, tokens). */
import { builder, readableWith } from '../../../graphql/builder.js';
import type { ExecutionSummary } from '../service.js';

const groupFields = (t: any) => ({
  runs: t.exposeInt('runs'),
  completed: t.exposeInt('completed'),
  errors: t.exposeInt('errors', { description: 'Runs that ended in a system error.' }),
  passed: t.exposeInt('passed'),
  failed: t.exposeInt('failed'),
  passRate: t.exposeFloat('passRate', { nullable: true, description: 'passed / completed; null while none completed.' }),
});

const PersonaResult = builder.objectRef<ExecutionSummary['byPersona'][number]>('EvalPersonaResult').implement({
  authScopes: readableWith.evals,
  fields: (t) => ({
    personaId: t.exposeID('personaId', { nullable: true, description: 'null: runs of scenarios without personas.' }),
    personaName: t.exposeString('personaName', { nullable: true }),
    ...groupFields(t),
  }),
});

const ScenarioResult = builder.objectRef<ExecutionSummary['byScenario'][number]>('EvalScenarioResult').implement({
  authScopes: readableWith.evals,
  fields: (t) => ({ scenarioId: t.exposeID('scenarioId'), scenarioName: t.exposeString('scenarioName'), ...groupFields(t) }),
});

export const TokenTotals = builder.objectRef<ExecutionSummary['tokens']>('EvalTokenTotals').implement({
  authScopes: readableWith.evals,
  fields: (t) => ({
    inputTokens: t.int({ resolve: (x) => x.input_tokens }),
    outputTokens: t.int({ resolve: (x) => x.output_tokens }),
    totalTokens: t.int({ resolve: (x) => x.total_tokens }),
  }),
});

const Latency = builder.objectRef<ExecutionSummary['latency']>('EvalLatency').implement({
  authScopes: readableWith.evals,
  fields: (t) => ({ avgMs: t.exposeInt('avgMs', { nullable: true, description: 'Per finished run.' }), totalMs: t.exposeInt('totalMs') }),
});

export const EvalExecution = builder.objectRef<ExecutionSummary>('EvalExecution').implement({
  authScopes: readableWith.evals,
  description: 'The runs one start of an eval made, aggregated: pass rate by persona and by scenario, latency, tokens.',
  fields: (t) => ({
    executionId: t.exposeInt('executionId'),
    evalId: t.exposeID('evalId', { nullable: true }),
    ...groupFields(t),
    statusCounts: t.expose('statusCounts', { type: 'JSON' }),
    byPersona: t.field({ type: [PersonaResult], resolve: (x) => x.byPersona }),
    byScenario: t.field({ type: [ScenarioResult], resolve: (x) => x.byScenario }),
    latency: t.field({ type: Latency, resolve: (x) => x.latency }),
    tokens: t.field({ type: TokenTotals, resolve: (x) => x.tokens }),
    startedAt: t.string({ nullable: true, resolve: (x) => x.startedAt }),
    completedAt: t.string({ nullable: true, description: 'Set once every run has ended.', resolve: (x) => x.completedAt }),
    evalRuns: t.prismaField({
      type: ['EvalRun'],
      description: 'The runs themselves, oldest first.',
      resolve: (query, x, _a, ctx) =>
        ctx.deps.prisma.evalRun.findMany({ ...query, where: { teamId: ctx.actor.teamId, projectId: x.projectId, executionId: x.executionId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
    }),
  }),
});

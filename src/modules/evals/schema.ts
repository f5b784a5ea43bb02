/**
 * EvalStudio's persona test runs in the graph: connectors, scenarios, evals
 * and runs linked to projects, personas and agents; mutations to start an
 * eval, a playground run, retry and cancel; results per execution; and the
 * runs' live events (messages, judge verdicts, status changes) per run and
 * per execution.
 */
import { builder, readableWith } from '../../graphql/builder.js';
import { mutationErrors } from '../../graphql/errors.js';
import { NodeInterface, registerNode } from '../../graphql/node.js';
import { NotFoundError } from '../../errors.js';
import * as evals from './service.js';
import type { EvalRunEvent as EvalRunEventPayload, ExecutionSummary, JudgeVerdict as JudgeVerdictPayload } from './service.js';

const orNull = (e: unknown) => (e instanceof NotFoundError ? null : Promise.reject(e));
const byCreation = { orderBy: [{ createdAt: 'asc' as const }, { id: 'asc' as const }] };

export const EvalConnector = builder.prismaObject('EvalConnector', {
  authScopes: readableWith.evals,
  description: 'Where runs send their conversation: a LangGraph server, an OpenAI-compatible endpoint, or one of the team’s agents.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    type: t.exposeString('type', { description: 'langgraph | http | agent' }),
    baseUrl: t.exposeString('baseUrl'),
    headers: t.field({
      type: 'JSON',
      nullable: true,
      description: 'Header names with masked values (the values are stored encrypted and only sent to the connector).',
      select: { id: true, headers: true, headersKeyId: true, headersCiphertext: true },
      resolve: (c) => evals.maskedHeaders(c),
    }),
    config: t.expose('config', { type: 'JSON', nullable: true }),
    project: t.relation('project'),
    agent: t.relation('agent', { nullable: true, description: 'For agent connectors: the agent called.' }),
    evals: t.relation('evals', { query: byCreation }),
    runs: t.relatedConnection('runs', { cursor: 'id', query: { orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] } }, { authScopes: readableWith.evals }, { authScopes: readableWith.evals }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

export const Scenario = builder.prismaObject('Scenario', {
  authScopes: readableWith.evals,
  description: 'A conversation setup: what the simulated user wants, how it is judged, and which personas play it.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    instructions: t.exposeString('instructions', { nullable: true }),
    messages: t.expose('messages', { type: 'JSON', description: 'Seed turns [{role, content}].' }),
    maxMessages: t.exposeInt('maxMessages'),
    successCriteria: t.exposeString('successCriteria', { nullable: true }),
    failureCriteria: t.exposeString('failureCriteria', { nullable: true }),
    failureCriteriaMode: t.exposeString('failureCriteriaMode', { description: 'on_max_messages | every_turn' }),
    evaluators: t.expose('evaluators', { type: 'JSON', description: '[{type, config?}]' }),
    personaIds: t.exposeIDList('personaIds'),
    personas: t.prismaField({
      type: ['Persona'],
      description: 'The personas that play it, in the scenario’s order.',
      select: { personaIds: true },
      resolve: async (query, s, _args, ctx) => {
        if (!s.personaIds.length) return [];
        const found = await ctx.deps.prisma.persona.findMany({ ...query, where: { id: { in: s.personaIds }, teamId: ctx.actor.teamId } });
        return s.personaIds.map((id) => found.find((p) => p.id === id)).filter((p) => p !== undefined);
      },
    }),
    project: t.relation('project'),
    runs: t.relatedConnection('runs', { cursor: 'id', query: { orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] } }, { authScopes: readableWith.evals }, { authScopes: readableWith.evals }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

export const Eval = builder.prismaObject('Eval', {
  authScopes: readableWith.evals,
  description: 'A connector and the scenarios to run against it; starting it makes one run per scenario × persona.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    connector: t.relation('connector', { nullable: true }),
    scenarioIds: t.exposeIDList('scenarioIds'),
    scenarios: t.prismaField({
      type: ['Scenario'],
      select: { scenarioIds: true },
      resolve: async (query, e, _args, ctx) => {
        const found = await ctx.deps.prisma.scenario.findMany({ ...query, where: { id: { in: e.scenarioIds }, teamId: ctx.actor.teamId } });
        return e.scenarioIds.map((id) => found.find((s) => s.id === id)).filter((s) => s !== undefined);
      },
    }),
    project: t.relation('project'),
    runs: t.relatedConnection('runs', { cursor: 'id', query: { orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] } }, { authScopes: readableWith.evals }, { authScopes: readableWith.evals }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

export const EvalRun = builder.prismaObject('EvalRun', {
  authScopes: readableWith.evals,
  description: 'One conversation of a persona with the connector under test; its events stream on evalRunEvents.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    id: t.exposeID('id'),
    status: t.exposeString('status', { description: 'queued | pending (waiting for a concurrency slot) | running | completed | error' }),
    executionId: t.exposeInt('executionId', { nullable: true, description: 'Shared by the runs one start of an eval made.' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true }),
    latencyMs: t.exposeInt('latencyMs', { nullable: true, description: 'Total time the connector took to answer.' }),
    threadId: t.exposeString('threadId', { nullable: true }),
    messages: t.expose('messages', { type: 'JSON', description: 'The transcript, the simulated user’s system prompt first.' }),
    output: t.expose('output', { type: 'JSON', nullable: true }),
    result: t.expose('result', { type: 'JSON', nullable: true, description: '{success, score, reason}' }),
    success: t.boolean({ nullable: true, resolve: (r) => (r.result as { success?: boolean } | null)?.success ?? null }),
    score: t.float({ nullable: true, resolve: (r) => (r.result as { score?: number } | null)?.score ?? null }),
    error: t.exposeString('error', { nullable: true }),
    eval: t.relation('eval', { nullable: true }),
    scenario: t.relation('scenario'),
    persona: t.relation('persona', { nullable: true }),
    connector: t.relation('connector', { nullable: true }),
    project: t.relation('project'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

registerNode('EvalConnector', (ctx, id) => evals.getConnectorById(ctx, id));
registerNode('Scenario', (ctx, id) => evals.getScenarioById(ctx, id));
registerNode('Eval', (ctx, id) => evals.getEvalById(ctx, id));
registerNode('EvalRun', (ctx, id) => evals.getRunById(ctx, id));

// --- results per execution ----------------------------------------------------------------

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

const TokenTotals = builder.objectRef<ExecutionSummary['tokens']>('EvalTokenTotals').implement({
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

// --- links from projects, personas, agents ------------------------------------------------------

builder.prismaObjectFields('Project', (t) => ({
  evalConnectors: t.relation('evalConnectors', { query: byCreation }),
  scenarios: t.relation('scenarios', { query: byCreation }),
  evals: t.relation('evals', { query: byCreation }),
  evalRuns: t.relatedConnection('evalRuns', { cursor: 'id', query: { orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] } }, { authScopes: readableWith.evals }, { authScopes: readableWith.evals }),
  evalExecution: t.field({
    type: EvalExecution,
    nullable: true,
    args: { executionId: t.arg.int({ required: true }) },
    resolve: (p, { executionId }, ctx) => evals.executionSummary(ctx, p.id, executionId).catch(orNull),
  }),
}));

builder.prismaObjectField('Persona', 'evalRuns', (t) =>
  t.relatedConnection('evalRuns', { cursor: 'id', description: 'EvalStudio runs this persona played.', query: { orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] } }, { authScopes: readableWith.evals }, { authScopes: readableWith.evals }),
);

builder.prismaObjectField('Agent', 'evalConnectors', (t) => t.relation('evalConnectors', { description: 'EvalStudio connectors that test this agent.', query: byCreation }));

// --- queries and mutations ------------------------------------------------------------------------

builder.queryFields((t) => ({
  evalRun: t.prismaField({ type: 'EvalRun', nullable: true, args: { id: t.arg.id({ required: true }) }, resolve: (q, _r, { id }, ctx) => evals.getRunById(ctx, String(id), q).catch(orNull) }),
  scenario: t.prismaField({ type: 'Scenario', nullable: true, args: { id: t.arg.id({ required: true }) }, resolve: (q, _r, { id }, ctx) => evals.getScenarioById(ctx, String(id), q).catch(orNull) }),
  eval: t.prismaField({ type: 'Eval', nullable: true, args: { id: t.arg.id({ required: true }) }, resolve: (q, _r, { id }, ctx) => evals.getEvalById(ctx, String(id), q).catch(orNull) }),
  evalConnector: t.prismaField({ type: 'EvalConnector', nullable: true, args: { id: t.arg.id({ required: true }) }, resolve: (q, _r, { id }, ctx) => evals.getConnectorById(ctx, String(id), q).catch(orNull) }),
  evalExecution: t.field({
    type: EvalExecution,
    nullable: true,
    args: { projectId: t.arg.id({ required: true }), executionId: t.arg.int({ required: true }) },
    resolve: (_r, { projectId, executionId }, ctx) => evals.executionSummary(ctx, String(projectId), executionId).catch(orNull),
  }),
}));

builder.mutationFields((t) => ({
  startEval: t.prismaField({
    type: ['EvalRun'],
    errors: mutationErrors,
    description: 'Starts an eval: one queued run per scenario × persona, sharing a new executionId.',
    args: { projectId: t.arg.id({ required: true }), evalId: t.arg.id({ required: true }) },
    resolve: (_q, _r, args, ctx) => evals.startEval(ctx, String(args.projectId), { evalId: String(args.evalId) }),
  }),
  startPlaygroundRun: t.prismaField({
    type: 'EvalRun',
    errors: mutationErrors,
    args: { projectId: t.arg.id({ required: true }), scenarioId: t.arg.id({ required: true }), connectorId: t.arg.id({ required: true }), personaId: t.arg.id({ required: false }) },
    resolve: (_q, _r, args, ctx) =>
      evals.startPlaygroundRun(ctx, String(args.projectId), { scenarioId: String(args.scenarioId), connectorId: String(args.connectorId), personaId: args.personaId ? String(args.personaId) : null }),
  }),
  retryRun: t.prismaField({
    type: 'EvalRun',
    errors: mutationErrors,
    description: 'Queues a run that ended in a system error again, on a new thread.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_q, _r, { id }, ctx) => evals.retryRun(ctx, null, String(id)),
  }),
  cancelRun: t.prismaField({
    type: 'EvalRun',
    errors: mutationErrors,
    description: 'Stops a queued, pending or running run; it ends as error "Run cancelled".',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_q, _r, { id }, ctx) => evals.cancelRun(ctx, null, String(id)),
  }),
}));

// --- live events --------------------------------------------------------------------------------------

const JudgeVerdict = builder.objectRef<JudgeVerdictPayload>('JudgeVerdict').implement({
  authScopes: readableWith.evals,
  fields: (t) => ({
    successMet: t.exposeBoolean('successMet'),
    failureMet: t.exposeBoolean('failureMet'),
    confidence: t.exposeFloat('confidence'),
    reasoning: t.exposeString('reasoning'),
    provider: t.exposeString('provider', { nullable: true }),
    model: t.exposeString('model', { nullable: true }),
  }),
});

const EvalRunEvent = builder.objectRef<EvalRunEventPayload>('EvalRunEvent').implement({
  authScopes: readableWith.evals,
  description: '`status` (status, error, result), `message` (index in the transcript, message) or `verdict` (the judge’s ruling after a reply).',
  fields: (t) => ({
    type: t.exposeString('type'),
    runId: t.exposeID('runId'),
    projectId: t.exposeID('projectId'),
    executionId: t.exposeInt('executionId', { nullable: true }),
    status: t.exposeString('status', { nullable: true }),
    error: t.exposeString('error', { nullable: true }),
    result: t.expose('result', { type: 'JSON', nullable: true }),
    index: t.exposeInt('index', { nullable: true }),
    message: t.expose('message', { type: 'JSON', nullable: true }),
    role: t.string({ nullable: true, resolve: (e) => (e.message as { role?: string } | undefined)?.role ?? null }),
    content: t.string({ nullable: true, resolve: (e) => (e.message as { content?: string } | undefined)?.content ?? null }),
    verdict: t.field({ type: JudgeVerdict, nullable: true, resolve: (e) => e.verdict ?? null }),
    at: t.exposeString('at'),
  }),
});

builder.subscriptionFields((t) => ({
  evalRunEvents: t.field({
    type: EvalRunEvent,
    description: 'A run’s current status and messages so far, then live messages, verdicts and status changes; ends when the run ends.',
    args: { runId: t.arg.id({ required: true }) },
    subscribe: (_r, { runId }, ctx) => evals.runEvents(ctx, String(runId)),
    resolve: (e) => e,
  }),
  evalExecutionEvents: t.field({
    type: EvalRunEvent,
    description: 'Live events of every run of an execution; ends when all of them have ended.',
    args: { projectId: t.arg.id({ required: true }), executionId: t.arg.int({ required: true }) },
    subscribe: (_r, { projectId, executionId }, ctx) => evals.executionEvents(ctx, String(projectId), executionId),
    resolve: (e) => e,
  }),
}));

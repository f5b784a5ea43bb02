/**
 * EvalStudio's writes in the graph, the REST routes' counterparts: create,
 * update and delete connectors, scenarios, evals and runs; test and invoke a
 * connector; the catalogs (connector types, evaluator types) and what a
 * scenario's simulated user is given. Inputs go to the services as the REST
 * bodies do (the same zod schemas, the same messages); the services check the
 * scopes (eval:read / eval:write).
 */
import { fullRowWith } from '../../../infra/db/query.js';
import { builder, readableWith } from '../../../graphql/builder.js';
import { mutationErrors } from '../../../graphql/errors.js';
import * as evals from '../service.js';
import type { InvokeResult, TestResult } from '../service.js';

// --- inputs (JSON where the REST body is free-form: headers, config, messages, evaluators, results)

const ConnectorInput = builder.inputType('EvalConnectorInput', {
  description: 'A connector’s fields (POST/PUT /api/projects/:projectId/connectors). On update only the given fields change; headers and config are replaced whole.',
  fields: (t) => ({
    name: t.string(),
    type: t.string({ description: 'langgraph | http | agent (required on create)' }),
    baseUrl: t.string(),
    headers: t.field({ type: 'JSON', description: '{Header-Name: value}; stored encrypted, shown masked.' }),
    config: t.field({ type: 'JSON', description: 'langgraph: {assistantId, configurable?}; http: {model, temperature?}; agent: {agentId}.' }),
  }),
});

const ScenarioInput = builder.inputType('ScenarioInput', {
  description: 'A scenario’s fields (POST/PUT /api/projects/:projectId/scenarios). On update only the given fields change.',
  fields: (t) => ({
    name: t.string(),
    instructions: t.string(),
    messages: t.field({ type: 'JSON', description: 'Seed turns [{role: user|assistant, content}].' }),
    maxMessages: t.int(),
    successCriteria: t.string(),
    failureCriteria: t.string(),
    failureCriteriaMode: t.string({ description: 'on_max_messages | every_turn' }),
    evaluators: t.field({ type: 'JSON', description: '[{type, config?}]' }),
    personaIds: t.idList(),
  }),
});

const EvalInput = builder.inputType('EvalInput', {
  description: 'An eval’s fields (POST/PUT /api/projects/:projectId/evals). On update only the given fields change.',
  fields: (t) => ({ name: t.string(), connectorId: t.id(), scenarioIds: t.idList() }),
});

const RunUpdateInput = builder.inputType('EvalRunUpdateInput', {
  description: 'PUT /api/projects/:projectId/runs/:id: only the given fields change.',
  fields: (t) => ({
    status: t.string({ description: 'queued | pending | running | completed | error' }),
    messages: t.field({ type: 'JSON' }),
    output: t.field({ type: 'JSON' }),
    result: t.field({ type: 'JSON', description: '{success, score?, reason?}' }),
    error: t.string(),
    threadId: t.string(),
    latencyMs: t.int(),
    startedAt: t.string({ description: 'ISO 8601' }),
    completedAt: t.string({ description: 'ISO 8601' }),
  }),
});

/** GraphQL leaves an unset input field out, as a REST body would: the object goes to the service as is. */
const body = (input: object) => ({ ...input });

// --- results of test and invoke

const ConnectorTestResult = builder.objectRef<TestResult>('EvalConnectorTestResult').implement({
  authScopes: readableWith.evals,
  description: 'Whether the connector answered (a failure is a result with success false, never an error).',
  fields: (t) => ({
    success: t.exposeBoolean('success'),
    latencyMs: t.exposeInt('latencyMs'),
    response: t.exposeString('response', { nullable: true }),
    error: t.exposeString('error', { nullable: true }),
  }),
});

const ConnectorInvokeResult = builder.objectRef<InvokeResult>('EvalConnectorInvokeResult').implement({
  authScopes: readableWith.evals,
  description: 'One call of the connector with the given messages.',
  fields: (t) => ({
    success: t.exposeBoolean('success'),
    latencyMs: t.exposeInt('latencyMs'),
    messages: t.field({ type: 'JSON', description: 'The conversation with the connector’s replies appended.', resolve: (r) => r.messages }),
    rawResponse: t.field({ type: 'JSON', nullable: true, resolve: (r) => r.rawResponse ?? null }),
    error: t.exposeString('error', { nullable: true }),
    tokensUsage: t.field({ type: 'JSON', nullable: true, description: '{input_tokens, output_tokens, total_tokens}', resolve: (r) => r.tokensUsage ?? null }),
    threadId: t.exposeString('threadId', { nullable: true }),
  }),
});

const ScenarioPrompt = builder.objectRef<{ systemPrompt: string; messages: unknown }>('ScenarioPrompt').implement({
  authScopes: readableWith.evals,
  description: 'What the simulated user is given: its system prompt and the seed turns.',
  fields: (t) => ({
    systemPrompt: t.exposeString('systemPrompt'),
    messages: t.field({ type: 'JSON', resolve: (p) => p.messages }),
  }),
});

builder.prismaObjectField('Scenario', 'prompt', (t) =>
  t.field({
    type: ScenarioPrompt,
    description: 'What the simulated user is given when it plays this scenario (as a persona, or as none).',
    args: { personaId: t.arg.id() },
    select: { id: true, projectId: true },
    resolve: (s, { personaId }, ctx) => evals.scenarioPrompt(ctx, s.projectId, s.id, personaId ? String(personaId) : null),
  }),
);

builder.queryFields((t) => ({
  evalConnectorTypes: t.field({
    type: 'JSON',
    description: 'The connector types and what each does: {langgraph, http, agent}.',
    args: { projectId: t.arg.id({ required: true }) },
    resolve: (_r, { projectId }, ctx) => evals.connectorTypes(ctx, String(projectId)),
  }),
  evaluatorTypes: t.field({
    type: 'JSON',
    description: 'The evaluator types: [{type, label, description, kind, configSchema, builtin, auto}].',
    args: { projectId: t.arg.id({ required: true }) },
    resolve: (_r, { projectId }, ctx) => evals.listEvaluatorTypes(ctx, String(projectId)),
  }),
}));


// The deletes load the row whole with the selected relations before it goes: a selection of only `__typename`
// is an empty Prisma select, which Prisma refuses (it answered "Unexpected error.").
builder.mutationFields((t) => ({
  createEvalConnector: t.prismaField({
    type: 'EvalConnector',
    errors: mutationErrors,
    args: { projectId: t.arg.id({ required: true }), input: t.arg({ type: ConnectorInput, required: true }) },
    resolve: (_q, _r, { projectId, input }, ctx) => evals.createConnector(ctx, String(projectId), body(input)),
  }),
  updateEvalConnector: t.prismaField({
    type: 'EvalConnector',
    errors: mutationErrors,
    args: { projectId: t.arg.id({ required: true }), id: t.arg.id({ required: true }), input: t.arg({ type: ConnectorInput, required: true }) },
    resolve: (_q, _r, { projectId, id, input }, ctx) => evals.updateConnector(ctx, String(projectId), String(id), body(input)),
  }),
  deleteEvalConnector: t.prismaField({
    type: 'EvalConnector',
    errors: mutationErrors,
    description: 'Deletes the connector and returns it as it was.',
    args: { projectId: t.arg.id({ required: true }), id: t.arg.id({ required: true }) },
    resolve: (query, _r, { projectId, id }, ctx) => evals.deleteConnector(ctx, String(projectId), String(id), fullRowWith('EvalConnector', query)),
  }),
  testEvalConnector: t.field({
    type: ConnectorTestResult,
    errors: mutationErrors,
    description: 'Checks that the connector answers.',
    args: { projectId: t.arg.id({ required: true }), id: t.arg.id({ required: true }) },
    resolve: (_r, { projectId, id }, ctx) => evals.testConnectorById(ctx, String(projectId), String(id)),
  }),
  invokeEvalConnector: t.field({
    type: ConnectorInvokeResult,
    errors: mutationErrors,
    description: 'Sends messages to the connector once (a persona’s headers with personaId).',
    args: {
      projectId: t.arg.id({ required: true }),
      id: t.arg.id({ required: true }),
      messages: t.arg({ type: 'JSON', required: true, description: '[{role, content}]' }),
      threadId: t.arg.string(),
      personaId: t.arg.id(),
    },
    resolve: (_r, { projectId, id, messages, threadId, personaId }, ctx) =>
      evals.invokeConnectorById(ctx, String(projectId), String(id), { messages, threadId: threadId ?? undefined, personaId: personaId ? String(personaId) : undefined }),
  }),
  createScenario: t.prismaField({
    type: 'Scenario',
    errors: mutationErrors,
    args: { projectId: t.arg.id({ required: true }), input: t.arg({ type: ScenarioInput, required: true }) },
    resolve: (_q, _r, { projectId, input }, ctx) => evals.createScenario(ctx, String(projectId), body(input)),
  }),
  updateScenario: t.prismaField({
    type: 'Scenario',
    errors: mutationErrors,
    args: { projectId: t.arg.id({ required: true }), id: t.arg.id({ required: true }), input: t.arg({ type: ScenarioInput, required: true }) },
    resolve: (_q, _r, { projectId, id, input }, ctx) => evals.updateScenario(ctx, String(projectId), String(id), body(input)),
  }),
  deleteScenario: t.prismaField({
    type: 'Scenario',
    errors: mutationErrors,
    description: 'Deletes the scenario (and its runs) and returns it as it was.',
    args: { projectId: t.arg.id({ required: true }), id: t.arg.id({ required: true }) },
    resolve: (query, _r, { projectId, id }, ctx) => evals.deleteScenario(ctx, String(projectId), String(id), fullRowWith('Scenario', query)),
  }),
  createEval: t.prismaField({
    type: 'Eval',
    errors: mutationErrors,
    args: { projectId: t.arg.id({ required: true }), input: t.arg({ type: EvalInput, required: true }) },
    resolve: (_q, _r, { projectId, input }, ctx) => evals.createEval(ctx, String(projectId), body(input)),
  }),
  updateEval: t.prismaField({
    type: 'Eval',
    errors: mutationErrors,
    args: { projectId: t.arg.id({ required: true }), id: t.arg.id({ required: true }), input: t.arg({ type: EvalInput, required: true }) },
    resolve: (_q, _r, { projectId, id, input }, ctx) => evals.updateEval(ctx, String(projectId), String(id), body(input)),
  }),
  deleteEval: t.prismaField({
    type: 'Eval',
    errors: mutationErrors,
    description: 'Deletes the eval (its runs stay, without it) and returns it as it was.',
    args: { projectId: t.arg.id({ required: true }), id: t.arg.id({ required: true }) },
    resolve: (query, _r, { projectId, id }, ctx) => evals.deleteEval(ctx, String(projectId), String(id), fullRowWith('Eval', query)),
  }),
  updateEvalRun: t.prismaField({
    type: 'EvalRun',
    errors: mutationErrors,
    args: { projectId: t.arg.id({ required: true }), id: t.arg.id({ required: true }), input: t.arg({ type: RunUpdateInput, required: true }) },
    resolve: (_q, _r, { projectId, id, input }, ctx) => evals.updateRun(ctx, String(projectId), String(id), body(input)),
  }),
  deleteEvalRun: t.prismaField({
    type: 'EvalRun',
    errors: mutationErrors,
    description: 'Deletes the run (a live one is cancelled first) and returns it as it was.',
    args: { projectId: t.arg.id({ required: true }), id: t.arg.id({ required: true }) },
    resolve: async (query, _r, { projectId, id }, ctx) => {
      const run = await evals.getRun(ctx, String(projectId), String(id), fullRowWith('EvalRun', query));
      await evals.deleteRun(ctx, String(projectId), String(id));
      return run;
    },
  }),
}));

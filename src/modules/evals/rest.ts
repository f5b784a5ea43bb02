/**
 * EvalStudio's connectors, scenarios, evals, runs and evaluator types under
 * /api/projects/:projectId. Lists are plain arrays; errors `{"error"}`;
 * unset optional fields are left out. Thin: parse, call the service, shape.
 */
import type { EvalConnector, EvalRun, Eval, Scenario } from '../../generated/prisma/client.js';
import { created, noContent, ok, type RestResult, type Route } from '../../rest/route.js';
import * as inputs from './inputs.js';
import * as evals from './service.js';
import * as bodies from './responses.js';

const put = (out: Record<string, unknown>, key: string, v: unknown) => {
  if (v !== null && v !== undefined) out[key] = v;
};

export function connectorJson(c: EvalConnector) {
  const out: Record<string, unknown> = { id: c.id, projectId: c.projectId, name: c.name, type: c.type, baseUrl: c.baseUrl };
  put(out, 'headers', evals.maskedHeaders(c));
  put(out, 'config', c.config);
  out.createdAt = c.createdAt.toISOString();
  out.updatedAt = c.updatedAt.toISOString();
  return out;
}

export function scenarioJson(s: Scenario) {
  const out: Record<string, unknown> = { id: s.id, projectId: s.projectId, name: s.name };
  put(out, 'instructions', s.instructions);
  out.messages = s.messages;
  out.maxMessages = s.maxMessages;
  put(out, 'successCriteria', s.successCriteria);
  put(out, 'failureCriteria', s.failureCriteria);
  out.failureCriteriaMode = s.failureCriteriaMode;
  out.evaluators = s.evaluators;
  out.personaIds = s.personaIds;
  out.createdAt = s.createdAt.toISOString();
  out.updatedAt = s.updatedAt.toISOString();
  return out;
}

export function evalJson(e: Eval) {
  const out: Record<string, unknown> = { id: e.id, projectId: e.projectId, name: e.name };
  put(out, 'connectorId', e.connectorId);
  out.scenarioIds = e.scenarioIds;
  out.createdAt = e.createdAt.toISOString();
  out.updatedAt = e.updatedAt.toISOString();
  return out;
}

export function runJson(r: EvalRun) {
  const out: Record<string, unknown> = { id: r.id, projectId: r.projectId };
  put(out, 'evalId', r.evalId);
  out.scenarioId = r.scenarioId;
  put(out, 'personaId', r.personaId);
  put(out, 'connectorId', r.connectorId);
  put(out, 'executionId', r.executionId);
  out.status = r.status;
  put(out, 'startedAt', r.startedAt?.toISOString());
  put(out, 'completedAt', r.completedAt?.toISOString());
  put(out, 'latencyMs', r.latencyMs);
  put(out, 'threadId', r.threadId);
  out.messages = r.messages;
  put(out, 'output', r.output);
  put(out, 'result', r.result);
  put(out, 'error', r.error);
  out.createdAt = r.createdAt.toISOString();
  out.updatedAt = r.updatedAt.toISOString();
  return out;
}

const p = '/api/projects/:projectId';
const q = (query: URLSearchParams) => Object.fromEntries(query.entries());

export const evalStudioRunRoutes: Route[] = [
  // --- connectors
  {
    method: 'GET',
    path: `${p}/connectors`,
    scope: 'eval:read',
    response: bodies.ConnectorListBody,
    summary: 'List connectors',
    handler: async ({ ctx, params }) => ok((await evals.listConnectors(ctx, params.projectId!)).map(connectorJson)),
  },
  {
    method: 'GET',
    path: `${p}/connectors/types`,
    scope: 'eval:read',
    response: bodies.ConnectorTypesBody,
    summary: 'Connector types and what each does',
    handler: async ({ ctx, params }) => ok(await evals.connectorTypes(ctx, params.projectId!)),
  },
  {
    method: 'POST',
    path: `${p}/connectors`,
    scope: 'eval:write',
    response: bodies.ConnectorBody,
    body: inputs.CreateConnectorInput,
    responses: { 201: 'Created' },
    summary: 'Create a connector (langgraph, http or agent)',
    handler: async ({ ctx, params, body }) => created(connectorJson(await evals.createConnector(ctx, params.projectId!, body))),
  },
  {
    method: 'GET',
    path: `${p}/connectors/:id`,
    scope: 'eval:read',
    response: bodies.ConnectorBody,
    summary: 'Get a connector',
    handler: async ({ ctx, params }) => ok(connectorJson(await evals.getConnector(ctx, params.projectId!, params.id!))),
  },
  {
    method: 'PUT',
    path: `${p}/connectors/:id`,
    scope: 'eval:write',
    response: bodies.ConnectorBody,
    body: inputs.UpdateConnectorInput,
    summary: 'Update a connector (only the given fields; headers and config are replaced whole)',
    handler: async ({ ctx, params, body }) => ok(connectorJson(await evals.updateConnector(ctx, params.projectId!, params.id!, body))),
  },
  {
    method: 'DELETE',
    path: `${p}/connectors/:id`,
    scope: 'eval:write',
    responses: { 204: 'No content' },
    summary: 'Delete a connector',
    handler: async ({ ctx, params }) => {
      await evals.deleteConnector(ctx, params.projectId!, params.id!);
      return noContent();
    },
  },
  {
    method: 'POST',
    path: `${p}/connectors/:id/test`,
    scope: 'eval:write',
    response: bodies.ConnectorTestBody,
    idempotent: false,
    summary: 'Check that the connector answers: {success, latencyMs, response?, error?}',
    handler: async ({ ctx, params }) => ok(await evals.testConnectorById(ctx, params.projectId!, params.id!)),
  },
  {
    method: 'POST',
    path: `${p}/connectors/:id/invoke`,
    scope: 'eval:write',
    response: bodies.ConnectorInvokeBody,
    idempotent: false,
    body: inputs.InvokeConnectorInput,
    summary: 'Send messages once: {success, latencyMs, messages, rawResponse?, error?, tokensUsage?, threadId?} (failures are 200 with success false)',
    handler: async ({ ctx, params, body }) => ok(await evals.invokeConnectorById(ctx, params.projectId!, params.id!, body)),
  },
  // --- scenarios
  {
    method: 'GET',
    path: `${p}/scenarios`,
    scope: 'eval:read',
    response: bodies.ScenarioListBody,
    summary: 'List scenarios',
    handler: async ({ ctx, params }) => ok((await evals.listScenarios(ctx, params.projectId!)).map(scenarioJson)),
  },
  {
    method: 'POST',
    path: `${p}/scenarios`,
    scope: 'eval:write',
    response: bodies.ScenarioBody,
    body: inputs.CreateScenarioInput,
    responses: { 201: 'Created' },
    summary: 'Create a scenario',
    handler: async ({ ctx, params, body }) => created(scenarioJson(await evals.createScenario(ctx, params.projectId!, body))),
  },
  {
    method: 'GET',
    path: `${p}/scenarios/:id`,
    scope: 'eval:read',
    response: bodies.ScenarioBody,
    summary: 'Get a scenario',
    handler: async ({ ctx, params }) => ok(scenarioJson(await evals.getScenario(ctx, params.projectId!, params.id!))),
  },
  {
    method: 'GET',
    path: `${p}/scenarios/:id/prompt`,
    scope: 'eval:read',
    response: bodies.ScenarioPromptBody,
    query: inputs.PromptQuery,
    summary: 'What the simulated user is given: {systemPrompt, messages} (?personaId= for a persona)',
    handler: async ({ ctx, params, query }) => ok(await evals.scenarioPrompt(ctx, params.projectId!, params.id!, query.get('personaId'))),
  },
  {
    method: 'PUT',
    path: `${p}/scenarios/:id`,
    scope: 'eval:write',
    response: bodies.ScenarioBody,
    body: inputs.UpdateScenarioInput,
    summary: 'Update a scenario (only the given fields)',
    handler: async ({ ctx, params, body }) => ok(scenarioJson(await evals.updateScenario(ctx, params.projectId!, params.id!, body))),
  },
  {
    method: 'DELETE',
    path: `${p}/scenarios/:id`,
    scope: 'eval:write',
    responses: { 204: 'No content' },
    summary: 'Delete a scenario (and its runs)',
    handler: async ({ ctx, params }) => {
      await evals.deleteScenario(ctx, params.projectId!, params.id!);
      return noContent();
    },
  },
  // --- evals
  {
    method: 'GET',
    path: `${p}/evals`,
    scope: 'eval:read',
    response: bodies.EvalListBody,
    summary: 'List evals',
    handler: async ({ ctx, params }) => ok((await evals.listEvals(ctx, params.projectId!)).map(evalJson)),
  },
  {
    method: 'POST',
    path: `${p}/evals`,
    scope: 'eval:write',
    response: bodies.EvalBody,
    body: inputs.CreateEvalInput,
    responses: { 201: 'Created' },
    summary: 'Create an eval',
    handler: async ({ ctx, params, body }) => created(evalJson(await evals.createEval(ctx, params.projectId!, body))),
  },
  {
    method: 'GET',
    path: `${p}/evals/:id`,
    scope: 'eval:read',
    response: bodies.EvalMaybeExpandedBody,
    query: inputs.ExpandQuery,
    summary: 'Get an eval (?expand=true adds scenarios and connector)',
    handler: async ({ ctx, params, query }) => {
      if (query.get('expand') === 'true') {
        const e = await evals.getEvalExpanded(ctx, params.projectId!, params.id!);
        return ok({ ...evalJson(e), scenarios: e.scenarios.map(scenarioJson), connector: e.connector ? connectorJson(e.connector) : null });
      }
      return ok(evalJson(await evals.getEval(ctx, params.projectId!, params.id!)));
    },
  },
  {
    method: 'PUT',
    path: `${p}/evals/:id`,
    scope: 'eval:write',
    response: bodies.EvalBody,
    body: inputs.UpdateEvalInput,
    summary: 'Update an eval (only the given fields)',
    handler: async ({ ctx, params, body }) => ok(evalJson(await evals.updateEval(ctx, params.projectId!, params.id!, body))),
  },
  {
    method: 'DELETE',
    path: `${p}/evals/:id`,
    scope: 'eval:write',
    responses: { 204: 'No content' },
    summary: 'Delete an eval (its runs stay, without evalId)',
    handler: async ({ ctx, params }) => {
      await evals.deleteEval(ctx, params.projectId!, params.id!);
      return noContent();
    },
  },
  // --- runs
  {
    method: 'GET',
    path: `${p}/runs`,
    scope: 'eval:read',
    response: bodies.RunListBody,
    query: inputs.RunListQuery,
    summary: 'List runs, newest first (?evalId= ?scenarioId= ?personaId= ?connectorId= ?status= ?executionId=)',
    handler: async ({ ctx, params, query }) => ok((await evals.listRuns(ctx, params.projectId!, q(query))).map(runJson)),
  },
  {
    method: 'POST',
    path: `${p}/runs`,
    scope: 'eval:write',
    response: bodies.RunListBody,
    body: inputs.StartRunsInput,
    responses: { 201: 'The queued runs (one per scenario × persona), sharing a new executionId' },
    summary: 'Start an eval',
    handler: async ({ ctx, params, body }) => created((await evals.startEval(ctx, params.projectId!, body)).map(runJson)),
  },
  {
    method: 'POST',
    path: `${p}/runs/playground`,
    scope: 'eval:write',
    response: bodies.RunBody,
    body: inputs.PlaygroundRunInput,
    responses: { 201: 'The queued run' },
    summary: 'Run one scenario against a connector, as a persona or none',
    handler: async ({ ctx, params, body }) => created(runJson(await evals.startPlaygroundRun(ctx, params.projectId!, body))),
  },
  {
    method: 'GET',
    path: `${p}/runs/:id`,
    scope: 'eval:read',
    response: bodies.RunBody,
    summary: 'Get a run',
    handler: async ({ ctx, params }) => ok(runJson(await evals.getRun(ctx, params.projectId!, params.id!))),
  },
  {
    method: 'PUT',
    path: `${p}/runs/:id`,
    scope: 'eval:write',
    response: bodies.RunBody,
    body: inputs.UpdateRunInput,
    summary: 'Update a run (only the given fields)',
    handler: async ({ ctx, params, body }) => ok(runJson(await evals.updateRun(ctx, params.projectId!, params.id!, body))),
  },
  {
    method: 'POST',
    path: `${p}/runs/:id/retry`,
    scope: 'eval:write',
    response: bodies.RunBody,
    summary: 'Retry a run that ended in a system error (queued again, new thread)',
    handler: async ({ ctx, params }) => ok(runJson(await evals.retryRun(ctx, params.projectId!, params.id!))),
  },
  {
    method: 'POST',
    path: `${p}/runs/:id/cancel`,
    scope: 'eval:write',
    response: bodies.RunBody,
    summary: 'Cancel a queued, pending or running run (it ends as error "Run cancelled")',
    handler: async ({ ctx, params }) => ok(runJson(await evals.cancelRun(ctx, params.projectId!, params.id!))),
  },
  {
    method: 'DELETE',
    path: `${p}/runs/:id`,
    scope: 'eval:write',
    responses: { 204: 'No content' },
    summary: 'Delete a run',
    handler: async ({ ctx, params }) => {
      await evals.deleteRun(ctx, params.projectId!, params.id!);
      return noContent();
    },
  },
  {
    method: 'GET',
    path: `${p}/executions/:executionId`,
    scope: 'eval:read',
    response: bodies.ExecutionSummaryBody,
    summary: 'Results of the runs started together: pass rate by persona and by scenario, latency, tokens',
    handler: async ({ ctx, params }) => {
      const id = Number(params.executionId);
      return ok(await evals.executionSummary(ctx, params.projectId!, Number.isInteger(id) && id > 0 ? id : -1));
    },
  },
  // --- evaluator types
  {
    method: 'GET',
    path: `${p}/evaluator-types`,
    scope: 'eval:read',
    response: bodies.EvaluatorTypeListBody,
    summary: 'Evaluator types: [{type, label, description, kind, configSchema, builtin, auto}]',
    handler: async ({ ctx, params }) => ok(await evals.listEvaluatorTypes(ctx, params.projectId!)),
  },
];

// evals: comparison, generation, export
export const evalStudioResultRoutes: Route[] = [
  {
    method: 'GET',
    path: `${p}/evals/:evalId/compare`,
    scope: 'eval:read',
    query: evals.CompareQuery,
    response: evals.ExecutionComparisonBody,
    summary: 'Compare two executions of an eval (?base=&head=): pass rate, latency median/p95, tokens, and what changed per scenario × persona',
    handler: async ({ ctx, params, query }) => ok(await evals.compareExecutions(ctx, params.projectId!, params.evalId!, query.get('base'), query.get('head'))),
  },
  {
    method: 'GET',
    path: `${p}/executions/:executionId/export`,
    scope: 'eval:read',
    query: evals.ExportQuery,
    rawResponse: true,
    summary: 'Download an execution’s transcripts (?format=json, the default, or csv: one row per message)',
    handler: async ({ ctx, params, query }): Promise<RestResult> => {
      const file = await evals.exportExecution(ctx, params.projectId!, params.executionId, query.get('format'));
      return {
        status: 200,
        raw: { bytes: Buffer.from(file.content, 'utf8'), contentType: file.contentType },
        headers: { 'Content-Disposition': `attachment; filename="${file.filename}"`, 'Cache-Control': 'no-store' },
      };
    },
  },
];

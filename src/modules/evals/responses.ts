/**
 * The JSON bodies of EvalStudio's connector, scenario, eval and run paths (the OpenAPI document's
 * response schemas; the suite checks every answer against them). Unset optional fields are left out.
 */
import { z } from 'zod';
import { CONNECTOR_TYPES, RUN_STATUSES } from './inputs.js';

const at = z.iso.datetime();
const json = z.record(z.string(), z.unknown());
const tokensUsage = z.object({ input_tokens: z.number().int(), output_tokens: z.number().int(), total_tokens: z.number().int() });

export const ConnectorBody = z.object({
  id: z.string(),
  projectId: z.string(),
  name: z.string(),
  type: z.enum(CONNECTOR_TYPES),
  baseUrl: z.string(),
  headers: z.record(z.string(), z.string()).optional().describe('Values masked'),
  config: json.optional(),
  createdAt: at,
  updatedAt: at,
});
export const ConnectorListBody = z.array(ConnectorBody);
export const ConnectorTypesBody = z.record(z.enum(CONNECTOR_TYPES), z.string());
export const ConnectorTestBody = z.object({ success: z.boolean(), latencyMs: z.number(), response: z.string().optional(), error: z.string().optional() });

/** A transcript message (OpenAI-style); a client may store more fields on a run's messages. */
const message = z.looseObject({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.string().nullable().optional(),
  tool_calls: z.array(z.unknown()).optional(),
  tool_call_id: z.string().optional(),
  name: z.string().optional(),
  metadata: json.optional().describe('Who wrote it when generated here (the simulated user): {provider, model}'),
  createdAt: z.string().optional().describe('When a run stored it'),
  tokensUsage: z.object({ input_tokens: z.number(), output_tokens: z.number(), total_tokens: z.number() }).optional().describe('On the last message of a run turn: the tokens it cost'),
  latencyMs: z.number().optional().describe('On the last message of a connector reply in a run: how long the connector took'),
});
export const ConnectorInvokeBody = z.object({
  success: z.boolean(),
  latencyMs: z.number(),
  messages: z.array(message),
  rawResponse: z.unknown().optional(),
  error: z.string().optional(),
  tokensUsage: tokensUsage.optional(),
  threadId: z.string().optional(),
});

const seedMessage = z.object({ role: z.enum(['user', 'assistant']), content: z.string() });
export const ScenarioBody = z.object({
  id: z.string(),
  projectId: z.string(),
  name: z.string(),
  instructions: z.string().optional(),
  messages: z.array(seedMessage),
  maxMessages: z.number().int(),
  successCriteria: z.string().optional(),
  failureCriteria: z.string().optional(),
  failureCriteriaMode: z.string().describe('on_max_messages | every_turn'),
  evaluators: z.array(z.object({ type: z.string(), config: json.nullable().optional() })),
  personaIds: z.array(z.string()),
  createdAt: at,
  updatedAt: at,
});
export const ScenarioListBody = z.array(ScenarioBody);
export const ScenarioPromptBody = z.object({ systemPrompt: z.string(), messages: z.array(seedMessage) });

export const EvalBody = z.object({
  id: z.string(),
  projectId: z.string(),
  name: z.string(),
  connectorId: z.string().optional(),
  scenarioIds: z.array(z.string()),
  createdAt: at,
  updatedAt: at,
});
export const EvalListBody = z.array(EvalBody);
/** ?expand=true adds the scenarios and the connector. */
export const EvalMaybeExpandedBody = z.union([EvalBody, EvalBody.extend({ scenarios: z.array(ScenarioBody), connector: ConnectorBody.nullable() })]);

export const RunBody = z.object({
  id: z.string(),
  projectId: z.string(),
  evalId: z.string().optional(),
  scenarioId: z.string(),
  personaId: z.string().optional(),
  connectorId: z.string().optional(),
  executionId: z.number().int().optional(),
  status: z.enum(RUN_STATUSES),
  startedAt: at.optional(),
  completedAt: at.optional(),
  latencyMs: z.number().int().optional(),
  threadId: z.string().optional(),
  messages: z.array(message),
  output: json.optional().describe('Latency, message count, the judge’s evaluation, evaluator results, metrics, tokens'),
  result: z.looseObject({ success: z.boolean(), score: z.number().nullable().optional(), reason: z.string().nullable().optional() }).optional(),
  error: z.string().optional(),
  createdAt: at,
  updatedAt: at,
});
export const RunListBody = z.array(RunBody);

const groupStats = {
  runs: z.number().int(),
  completed: z.number().int(),
  errors: z.number().int(),
  passed: z.number().int(),
  failed: z.number().int(),
  passRate: z.number().nullable().describe('passed / completed; null while none completed'),
};
export const ExecutionSummaryBody = z.object({
  ...groupStats,
  projectId: z.string(),
  executionId: z.number().int(),
  evalId: z.string().nullable(),
  statusCounts: z.record(z.string(), z.number().int()),
  byPersona: z.array(z.object({ ...groupStats, personaId: z.string().nullable(), personaName: z.string().nullable() })),
  byScenario: z.array(z.object({ ...groupStats, scenarioId: z.string(), scenarioName: z.string() })),
  latency: z.object({ avgMs: z.number().nullable(), totalMs: z.number() }),
  tokens: tokensUsage,
  startedAt: at.nullable(),
  completedAt: at.nullable(),
});

export const EvaluatorTypeListBody = z.array(
  z.object({ type: z.string(), label: z.string(), description: z.string(), kind: z.string(), configSchema: json.describe('JSON Schema of its config'), builtin: z.boolean(), auto: z.boolean() }),
);

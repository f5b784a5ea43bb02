/**
 * EvalStudio connector, scenario, eval and run bodies (zod), shared by the
 * REST routes and GraphQL arguments. Messages are the ones EvalStudio's API
 * documents ("Name is required", "Messages array is required" …).
 */
import { z } from 'zod';
import { ValidationError } from '../../errors.js';
import { HeaderMap } from '../../validation.js';

export const CONNECTOR_TYPES = ['langgraph', 'http', 'agent'] as const;
export type ConnectorType = (typeof CONNECTOR_TYPES)[number];

export const CONNECTOR_TYPE_DESCRIPTIONS: Record<ConnectorType, string> = {
  langgraph:
    'A LangGraph server: each turn posts only the messages the thread has not seen to POST {baseUrl}/threads/{threadId}/runs/wait (config.assistantId, optional config.configurable); the test calls GET {baseUrl}/info.',
  http: 'An OpenAI-compatible chat completions endpoint: POST {baseUrl}/chat/completions with the whole conversation (config.model, optional config.temperature).',
  agent: 'A personagraph agent of the same team (config.agentId), called in-process through the agents chat service, with a fresh conversation per run.',
};

const name = z
  .string({ message: 'Name is required' })
  .trim()
  .min(1, 'Name is required')
  .max(200, 'Name must be at most 200 characters');

const jsonObject = (label: string) =>
  z.record(z.string(), z.unknown(), { message: `${label} must be an object` }).refine((o) => JSON.stringify(o).length <= 64_000, `${label} is too large`);

const baseUrl = z
  .string({ message: 'Base URL is required' })
  .trim()
  .max(2000, 'Base URL must be at most 2000 characters');

const connectorType = z.enum(CONNECTOR_TYPES, { message: `Type must be one of ${CONNECTOR_TYPES.join(', ')}` });

export const CreateConnectorInput = z.object({
  name,
  type: z.unknown().refine((v) => v !== undefined && v !== null && v !== '', 'Type is required').pipe(connectorType),
  baseUrl: baseUrl.optional(),
  headers: HeaderMap.nullish(),
  config: jsonObject('config').nullish(),
});
export type CreateConnectorInput = z.infer<typeof CreateConnectorInput>;

export const UpdateConnectorInput = z.object({
  name: name.optional(),
  type: connectorType.optional(),
  baseUrl: baseUrl.optional(),
  headers: HeaderMap.nullish(),
  config: jsonObject('config').nullish(),
});
export type UpdateConnectorInput = z.infer<typeof UpdateConnectorInput>;

/** A conversation message as runs and connectors carry it (OpenAI-style). */
export const MessageInput = z
  .object(
    {
      role: z.enum(['system', 'user', 'assistant', 'tool'], { message: 'message role must be system, user, assistant or tool' }),
      content: z.string({ message: 'message content must be a string' }).max(100_000, 'message content must be at most 100000 characters').nullish(),
      tool_calls: z.array(z.unknown()).max(100).optional(),
      tool_call_id: z.string().max(200).optional(),
      name: z.string().max(200).optional(),
    },
    { message: 'each message must be an object with role and content' },
  )
  .passthrough();
export type MessageInput = z.infer<typeof MessageInput>;

export const InvokeConnectorInput = z.object(
  {
    messages: z
      .array(MessageInput, { message: 'Messages array is required' })
      .min(1, 'Messages array is required')
      .max(500, 'at most 500 messages'),
    threadId: z.string().max(200).optional(),
    personaId: z.string().max(100).optional(),
  },
  { message: 'Messages array is required' },
);

export const FAILURE_MODES = ['on_max_messages', 'every_turn'] as const;

export const EvaluatorInput = z.object(
  {
    type: z.string({ message: 'evaluators[].type is required' }).trim().min(1, 'evaluators[].type is required').max(100),
    config: jsonObject('evaluators[].config').nullish(),
  },
  { message: 'each evaluator must be an object with a type' },
);
export type EvaluatorInput = z.infer<typeof EvaluatorInput>;

const scenarioFields = {
  instructions: z.string({ message: 'instructions must be a string' }).max(50_000).nullish(),
  messages: z
    .array(
      z.object(
        {
          role: z.enum(['user', 'assistant'], { message: 'seed message role must be user or assistant' }),
          content: z.string({ message: 'seed message content must be a string' }).max(50_000),
        },
        { message: 'messages must be an array of {role, content}' },
      ),
      { message: 'messages must be an array of {role, content}' },
    )
    .max(100, 'at most 100 seed messages')
    .nullish(),
  maxMessages: z
    .number({ message: 'maxMessages must be an integer between 1 and 100' })
    .int('maxMessages must be an integer between 1 and 100')
    .min(1, 'maxMessages must be an integer between 1 and 100')
    .max(100, 'maxMessages must be an integer between 1 and 100')
    .nullish(),
  successCriteria: z.string({ message: 'successCriteria must be a string' }).max(10_000).nullish(),
  failureCriteria: z.string({ message: 'failureCriteria must be a string' }).max(10_000).nullish(),
  failureCriteriaMode: z.enum(FAILURE_MODES, { message: 'failureCriteriaMode must be on_max_messages or every_turn' }).nullish(),
  evaluators: z.array(EvaluatorInput, { message: 'evaluators must be an array' }).max(50, 'at most 50 evaluators').nullish(),
  personaIds: z.array(z.string({ message: 'personaIds must be an array of persona ids' }).max(100), { message: 'personaIds must be an array of persona ids' }).max(100).nullish(),
};

export const CreateScenarioInput = z.object({ name, ...scenarioFields });
export type CreateScenarioInput = z.infer<typeof CreateScenarioInput>;
export const UpdateScenarioInput = z.object({ name: name.optional(), ...scenarioFields });
export type UpdateScenarioInput = z.infer<typeof UpdateScenarioInput>;

const scenarioIds = z
  .array(z.string({ message: 'scenarioIds must be an array of scenario ids' }).max(100), { message: 'At least one Scenario ID is required' })
  .min(1, 'At least one Scenario ID is required')
  .max(100, 'at most 100 scenarios');

export const CreateEvalInput = z.object({
  name,
  connectorId: z.string({ message: 'Connector ID is required' }).trim().min(1, 'Connector ID is required').max(100),
  scenarioIds,
});
export const UpdateEvalInput = z.object({
  name: name.optional(),
  connectorId: z.string({ message: 'Connector ID is required' }).trim().min(1, 'Connector ID is required').max(100).optional(),
  scenarioIds: scenarioIds.optional(),
});

export const RUN_STATUSES = ['queued', 'pending', 'running', 'completed', 'error'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const StartRunsInput = z.object({ evalId: z.string({ message: 'Eval ID is required' }).trim().min(1, 'Eval ID is required').max(100) });

export const PlaygroundRunInput = z.object({
  scenarioId: z.string({ message: 'Scenario ID is required' }).trim().min(1, 'Scenario ID is required').max(100),
  connectorId: z.string({ message: 'Connector ID is required' }).trim().min(1, 'Connector ID is required').max(100),
  personaId: z.string().max(100).nullish(),
});

const isoDate = (name: string) => z.string({ message: `${name} must be an ISO 8601 date-time` }).datetime({ message: `${name} must be an ISO 8601 date-time`, offset: true });

/** PUT /runs/:id: only the given fields change. */
export const UpdateRunInput = z.object({
  status: z.enum(RUN_STATUSES, { message: `status must be one of ${RUN_STATUSES.join(', ')}` }).optional(),
  messages: z.array(MessageInput, { message: 'messages must be an array' }).max(1000).optional(),
  output: jsonObject('output').nullish(),
  result: z
    .object(
      {
        success: z.boolean({ message: 'result.success must be a boolean' }),
        verdict: z.enum(['pass', 'fail', 'inconclusive'], { message: 'result.verdict must be one of pass, fail, inconclusive' }).optional(),
        score: z.number().nullish(),
        reason: z.string().max(20_000).nullish(),
      },
      { message: 'result must be an object' },
    )
    .passthrough()
    .refine((r) => r.verdict === undefined || r.success === (r.verdict === 'pass'), { message: 'result.success must be true exactly when result.verdict is pass', path: ['success'] })
    .nullish(),
  error: z.string().max(20_000).nullish(),
  threadId: z.string().max(200).nullish(),
  latencyMs: z.number({ message: 'latencyMs must be a whole number of milliseconds, 0 or more' }).int('latencyMs must be a whole number of milliseconds, 0 or more').min(0, 'latencyMs must be a whole number of milliseconds, 0 or more').nullish(),
  startedAt: isoDate('startedAt').nullish(),
  completedAt: isoDate('completedAt').nullish(),
});

export const RunListQuery = z.object({
  evalId: z.string().max(100).optional(),
  scenarioId: z.string().max(100).optional(),
  personaId: z.string().max(100).optional(),
  connectorId: z.string().max(100).optional(),
  status: z.enum(RUN_STATUSES, { message: `status must be one of ${RUN_STATUSES.join(', ')}` }).optional(),
  executionId: z.coerce.number({ message: 'executionId must be an integer' }).int('executionId must be an integer').min(1).optional(),
});

export const PromptQuery = z.object({ personaId: z.string().max(100).optional() });
export const ExpandQuery = z.object({ expand: z.enum(['true', 'false']).optional() });

/**
 * Like parseInput, but a schema's own message is passed on exactly as
 * written (EvalStudio's "Connector ID is required", not "connectorId: …").
 */
export function parseBody<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const param = issue.path.length ? issue.path.join('.') : null;
  const generic = issue.message.startsWith('Invalid input') || issue.message.startsWith('Invalid option') || issue.message.startsWith('Too ');
  const message = !generic ? issue.message : issue.code === 'invalid_type' && issue.input === undefined && param ? `${param} is required` : param ? `${param}: ${issue.message}` : issue.message;
  throw new ValidationError(message, param);
}

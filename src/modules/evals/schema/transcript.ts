/** A run's full transcript and verdict as typed fields of EvalRun (`messages` and `result` stay as the stored JSON). */
import { builder, readableWith } from '../../../graphql/builder.js';
import * as evals from '../service.js';
import type { EvaluatorResult as EvaluatorResultPayload, RunVerdict, TranscriptMessage, TranscriptToolCall } from '../service.js';
import { JudgeVerdict } from './events.js';
import { TokenTotals } from './execution.js';

const EvalMessageRole = builder.enumType('EvalMessageRole', { values: ['system', 'user', 'assistant', 'tool'] as const });

const EvalToolCall = builder.objectRef<TranscriptToolCall>('EvalToolCall').implement({
  authScopes: readableWith.evals,
  description: 'A tool the assistant called.',
  fields: (t) => ({
    id: t.exposeString('id'),
    name: t.exposeString('name'),
    arguments: t.exposeString('arguments', { description: 'As the model wrote them (JSON text).' }),
  }),
});

const EvalMessageAuthor = builder.objectRef<NonNullable<TranscriptMessage['generatedBy']>>('EvalMessageAuthor').implement({
  authScopes: readableWith.evals,
  description: 'What generated a message here (the simulated user): `embedded` (offline) or `openai` and the model.',
  fields: (t) => ({ provider: t.exposeString('provider'), model: t.exposeString('model', { nullable: true }) }),
});

export const EvalRunMessage = builder.objectRef<TranscriptMessage>('EvalRunMessage').implement({
  authScopes: readableWith.evals,
  description: 'One message of a run’s transcript. Timestamps, token usage and latency are null on runs stored before they were recorded.',
  fields: (t) => ({
    index: t.exposeInt('index', { description: 'Position in the stored transcript (0: the simulated user’s system prompt).' }),
    role: t.field({ type: EvalMessageRole, resolve: (m) => m.role }),
    content: t.exposeString('content'),
    toolCalls: t.field({ type: [EvalToolCall], resolve: (m) => m.toolCalls }),
    toolCallId: t.exposeString('toolCallId', { nullable: true, description: 'Tool results: the call they answer.' }),
    name: t.exposeString('name', { nullable: true, description: 'Tool results: the tool’s name.' }),
    createdAt: t.field({ type: 'DateTime', nullable: true, description: 'When the run stored it.', resolve: (m) => m.createdAt }),
    tokenUsage: t.field({
      type: TokenTotals,
      nullable: true,
      description: 'On the last message of a turn: the tokens the connector call (or the simulated user’s model call) reported.',
      resolve: (m) => m.tokensUsage,
    }),
    latencyMs: t.exposeInt('latencyMs', { nullable: true, description: 'On the last message of a connector reply: how long the connector took.' }),
    generatedBy: t.field({ type: EvalMessageAuthor, nullable: true, resolve: (m) => m.generatedBy }),
  }),
});

const EvaluatorKind = builder.enumType('EvalEvaluatorKind', { values: ['assertion', 'metric'] as const });

const EvalEvaluatorResult = builder.objectRef<EvaluatorResultPayload>('EvalEvaluatorResult').implement({
  authScopes: readableWith.evals,
  description: 'One evaluator’s result: an assertion held or not, a metric recorded a value; `reason` says why.',
  fields: (t) => ({
    type: t.exposeString('type'),
    label: t.exposeString('label'),
    kind: t.field({ type: EvaluatorKind, resolve: (r) => r.kind }),
    passed: t.boolean({ nullable: true, description: 'Assertions: whether it held.', resolve: (r) => r.passed ?? null }),
    value: t.float({ nullable: true, description: 'Metrics: the value recorded.', resolve: (r) => r.value ?? null }),
    reason: t.exposeString('reason'),
  }),
});

const EvalRunVerdict = builder.objectRef<RunVerdict>('EvalRunVerdict').implement({
  authScopes: readableWith.evals,
  description: 'Why a run passed or failed: its outcome, the judge’s last ruling with its reasoning, and each evaluator’s result.',
  fields: (t) => ({
    success: t.exposeBoolean('success', { nullable: true, description: 'null until the run completed.' }),
    score: t.exposeFloat('score', { nullable: true }),
    reason: t.exposeString('reason', { nullable: true }),
    judge: t.field({ type: JudgeVerdict, nullable: true, description: 'null when the scenario has no criteria, or before the judge ruled.', resolve: (v) => v.judge }),
    evaluators: t.field({ type: [EvalEvaluatorResult], resolve: (v) => v.evaluators }),
  }),
});

builder.prismaObjectFields('EvalRun', (t) => ({
  transcript: t.field({
    type: [EvalRunMessage],
    description: 'The transcript as typed messages, in stored order.',
    args: { includeSystem: t.arg.boolean({ required: false, defaultValue: true, description: 'false leaves out the simulated user’s system prompt.' }) },
    select: { messages: true },
    resolve: (r, { includeSystem }) => evals.runTranscript(r).filter((m) => includeSystem !== false || m.role !== 'system'),
  }),
  verdict: t.field({
    type: EvalRunVerdict,
    nullable: true,
    description: 'The outcome with the judge’s reasoning and every evaluator’s result; null before anything ruled.',
    select: { stats: true, output: true, result: true },
    resolve: (r) => evals.runVerdict(r),
  }),
}));

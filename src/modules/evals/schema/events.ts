/** The runs' live events (messages, judge verdicts, status changes), per run and per execution. */
import { builder, readableWith } from '../../../graphql/builder.js';
import * as evals from '../service.js';
import type { EvalRunEvent as EvalRunEventPayload, JudgeVerdict as JudgeVerdictPayload } from '../service.js';

export const JudgeDecision = builder.enumType('JudgeDecision', {
  description: 'pass: the success criteria are met; fail: they are not, or the failure criteria were triggered; inconclusive: the judge cannot tell from the transcript (counted as not passed).',
  values: evals.JUDGE_DECISIONS,
});

export const JudgeVerdict = builder.objectRef<JudgeVerdictPayload>('JudgeVerdict').implement({
  authScopes: readableWith.evals,
  fields: (t) => ({
    decision: t.field({ type: JudgeDecision, resolve: (v) => evals.decisionOf(v) }),
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

const NextExecutionEvent = builder.objectRef<evals.NextExecutionEvent>('EvalNextExecutionEvent').implement({
  authScopes: readableWith.evals,
  description: '`waiting` once the watch listens (no execution yet), then `run`: one event of a run of the execution that started next.',
  fields: (t) => ({
    type: t.exposeString('type', { description: 'waiting | run' }),
    evalId: t.exposeID('evalId'),
    executionId: t.exposeInt('executionId', { nullable: true }),
    event: t.field({ type: EvalRunEvent, nullable: true, resolve: (e) => e.event }),
  }),
});

builder.subscriptionField('nextEvalExecutionEvents', (t) =>
  t.field({
    type: NextExecutionEvent,
    description: 'Watches an eval for its next execution, opened before it starts: `waiting`, then every event of that execution’s runs; ends when all of them have ended.',
    args: { projectId: t.arg.id({ required: true }), evalId: t.arg.id({ required: true }) },
    subscribe: (_r, { projectId, evalId }, ctx) => evals.nextExecutionEvents(ctx, String(projectId), String(evalId)),
    resolve: (e) => e,
  }),
);

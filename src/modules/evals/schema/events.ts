/** The runs' live events (messages, judge verdicts, status changes), per run and per execution. */
import { builder, readableWith } from '../../../graphql/builder.js';
import * as evals from '../service.js';
import type { EvalRunEvent as EvalRunEventPayload, JudgeVerdict as JudgeVerdictPayload } from '../service.js';

export const JudgeVerdict = builder.objectRef<JudgeVerdictPayload>('JudgeVerdict').implement({
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

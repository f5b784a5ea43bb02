/** EvalStudio's queries (lookups by id, results per execution) and mutations (start an eval or a playground run, retry, cancel). */
import { builder } from '../../../graphql/builder.js';
import { mutationErrors } from '../../../graphql/errors.js';
import * as evals from '../service.js';
import { EvalExecution } from './execution.js';
import { orNull } from './shared.js';

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

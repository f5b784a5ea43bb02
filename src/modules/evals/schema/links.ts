/** Links to EvalStudio from projects, personas and agents. */
import { builder, readableWith } from '../../../graphql/builder.js';
import * as evals from '../service.js';
import { EvalExecution } from './execution.js';
import { byCreation, orNull } from './shared.js';

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
  t.relatedConnection(
    'evalRuns',
    {
      cursor: 'id',
      description: 'The caller’s team’s EvalStudio runs this persona played (a system persona is played by many teams: only yours show).',
      query: (_args, ctx) => ({ where: { teamId: ctx.actor.teamId }, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] }),
    },
    { authScopes: readableWith.evals },
    { authScopes: readableWith.evals },
  ),
);

builder.prismaObjectField('Agent', 'evalConnectors', (t) => t.relation('evalConnectors', { description: 'EvalStudio connectors that test this agent.', query: byCreation }));

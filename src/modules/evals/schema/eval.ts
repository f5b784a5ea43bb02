/** Eval: a connector and the scenarios to run against it. */
import { builder, readableWith } from '../../../graphql/builder.js';
import { NodeInterface, registerNode } from '../../../graphql/node.js';
import * as evals from '../service.js';

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

registerNode('Eval', (ctx, id) => evals.getEvalById(ctx, id));

/** Scenario: what the simulated user wants, how it is judged, who plays it. */
import { builder, readableWith } from '../../../graphql/builder.js';
import { NodeInterface, registerNode } from '../../../graphql/node.js';
import * as evals from '../service.js';

export const Scenario = builder.prismaObject('Scenario', {
  authScopes: readableWith.evals,
  description: 'A conversation setup: what the simulated user wants, how it is judged, and which personas play it.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    instructions: t.exposeString('instructions', { nullable: true }),
    messages: t.expose('messages', { type: 'JSON', description: 'Seed turns [{role, content}].' }),
    maxMessages: t.exposeInt('maxMessages'),
    successCriteria: t.exposeString('successCriteria', { nullable: true }),
    failureCriteria: t.exposeString('failureCriteria', { nullable: true }),
    failureCriteriaMode: t.exposeString('failureCriteriaMode', { description: 'on_max_messages | every_turn' }),
    evaluators: t.expose('evaluators', { type: 'JSON', description: '[{type, config?}]' }),
    personaIds: t.exposeIDList('personaIds'),
    personas: t.prismaField({
      type: ['Persona'],
      description: 'The personas that play it, in the scenario’s order.',
      select: { personaIds: true },
      resolve: async (query, s, _args, ctx) => {
        if (!s.personaIds.length) return [];
        const found = await ctx.deps.prisma.persona.findMany({ ...query, where: { id: { in: s.personaIds }, teamId: ctx.actor.teamId } });
        return s.personaIds.map((id) => found.find((p) => p.id === id)).filter((p) => p !== undefined);
      },
    }),
    project: t.relation('project'),
    runs: t.relatedConnection('runs', { cursor: 'id', query: { orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] } }, { authScopes: readableWith.evals }, { authScopes: readableWith.evals }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

registerNode('Scenario', (ctx, id) => evals.getScenarioById(ctx, id));

/** EvalConnector: where runs send their conversation. */
import { builder, readableWith } from '../../../graphql/builder.js';
import { NodeInterface, registerNode } from '../../../graphql/node.js';
import * as evals from '../service.js';
import { byCreation } from './shared.js';

export const EvalConnector = builder.prismaObject('EvalConnector', {
  authScopes: readableWith.evals,
  description: 'Where runs send their conversation: a LangGraph server, an OpenAI-compatible endpoint, or one of the team’s agents.',
  interfaces: [NodeInterface],
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    type: t.exposeString('type', { description: 'langgraph | http | agent' }),
    baseUrl: t.exposeString('baseUrl'),
    headers: t.field({
      type: 'JSON',
      nullable: true,
      description: 'Header names with masked values (the values are stored encrypted and only sent to the connector).',
      select: { id: true, headers: true, headersKeyId: true, headersCiphertext: true },
      resolve: (c) => evals.maskedHeaders(c),
    }),
    config: t.expose('config', { type: 'JSON', nullable: true }),
    project: t.relation('project'),
    agent: t.relation('agent', { nullable: true, description: 'For agent connectors: the agent called.' }),
    evals: t.relation('evals', { query: byCreation }),
    runs: t.relatedConnection('runs', { cursor: 'id', query: { orderBy: [{ createdAt: 'desc' }, { id: 'asc' }] } }, { authScopes: readableWith.evals }, { authScopes: readableWith.evals }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

registerNode('EvalConnector', (ctx, id) => evals.getConnectorById(ctx, id));

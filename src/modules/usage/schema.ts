/** Token usage in the graph: the same report as GET /api/v1/users/{user}/usage. */
import { builder, readableWith } from '../../graphql/builder.js';
import * as usage from './service.js';

const UsageRow = builder.objectRef<usage.UsageRow>('AgentModelUsage').implement({
  authScopes: readableWith.agents,
  fields: (t) => ({
    agentId: t.exposeID('agentId'),
    agent: t.exposeString('agent', { description: 'The agent’s name.' }),
    model: t.exposeString('model'),
    promptTokens: t.exposeInt('promptTokens'),
    completionTokens: t.exposeInt('completionTokens'),
    totalTokens: t.exposeInt('totalTokens'),
  }),
});

const UsageReport = builder.objectRef<usage.UsageReport>('UsageReport').implement({
  authScopes: readableWith.agents,
  description: 'Tokens this calendar month (UTC) against the plan’s monthly quota.',
  fields: (t) => ({
    month: t.exposeString('month'),
    tier: t.exposeString('tier'),
    limit: t.exposeInt('limit'),
    used: t.exposeInt('used'),
    remaining: t.exposeInt('remaining'),
    promptTokens: t.exposeInt('promptTokens'),
    completionTokens: t.exposeInt('completionTokens'),
    totalTokens: t.exposeInt('totalTokens'),
    byAgent: t.field({ type: [UsageRow], resolve: (r) => r.byAgent }),
  }),
});

builder.queryField('usage', (t) =>
  t.field({ type: UsageReport, args: { user: t.arg.id({ required: true, description: 'The user’s id or username.' }) }, resolve: (_r, { user }, ctx) => usage.usage(ctx, String(user)) }),
);

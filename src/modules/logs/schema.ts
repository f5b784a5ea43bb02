/** The agents' runtime log in the graph: AgentUser.logs (GET /api/v1/users/{user}/logs). */
import { builder, readableWith } from '../../graphql/builder.js';
import * as logs from './service.js';

const AgentLogEntry = builder.objectRef<logs.LogEntry>('AgentLogEntry').implement({
  authScopes: readableWith.agents,
  description: 'One entry of the agents’ runtime log (deploys, chats, tool calls, errors).',
  fields: (t) => ({
    time: t.exposeString('time'),
    level: t.exposeString('level', { description: 'debug | info | warn | error' }),
    agent: t.exposeString('agent', { nullable: true, description: 'The agent’s name; null for user-level entries.' }),
    message: t.exposeString('message'),
    data: t.field({ type: 'JSON', nullable: true, resolve: (e) => e.data ?? null }),
  }),
});

builder.prismaObjectField('AgentUser', 'logs', (t) =>
  t.field({
    type: [AgentLogEntry],
    description: 'The runtime log, newest first: entries at `level` or above, at or after `since`, at most `limit` (1–1000, default 100).',
    args: { since: t.arg.string(), level: t.arg.string(), limit: t.arg.int() },
    select: { id: true },
    resolve: (user, a, ctx) => logs.listLogs(ctx, user.id, { since: a.since ?? undefined, level: a.level ?? undefined, limit: a.limit == null ? undefined : String(a.limit) }),
  }),
);

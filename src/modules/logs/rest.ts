/** GET /api/v1/users/{user}/logs: the agents' runtime log, newest first. */
import * as inputs from './inputs.js';
import { ok, type Route } from '../../rest/route.js';
import * as logs from './service.js';
import { LogListBody } from './responses.js';

export const logRoutes: Route[] = [
  {
    method: 'GET',
    path: '/api/v1/users/:user/logs',
    scope: 'agent:read',
    response: LogListBody,
    query: inputs.LogQuery,
    summary: 'The agents’ runtime log, newest first (filters: since, level, limit)',
    handler: async ({ ctx, params, query }) =>
      ok(await logs.listLogs(ctx, params.user!, { since: query.get('since') ?? undefined, level: query.get('level') ?? undefined, limit: query.get('limit') ?? undefined })),
  },
];

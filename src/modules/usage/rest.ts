/** Seed 003: GET /api/v1/users/{user}/usage — this month's tokens by agent and model, with the plan's limit and what remains. */
import { ok, type Route } from '../../rest/route.js';
import * as usage from './service.js';
import { UsageBody } from './responses.js';

export const usageRoutes: Route[] = [
  {
    method: 'GET',
    path: '/api/v1/users/:user/usage',
    scope: 'agent:read',
    response: UsageBody,
    summary: 'Token usage this month (UTC), by agent and model, against the plan’s monthly limit',
    handler: async ({ ctx, params }) => ok(await usage.usage(ctx, params.user!)),
  },
];

/** AutoPersonas analytics (seed 001, analytics:read): stats, engagement series, top content, platform breakdown, follower growth, refresh now. */
import * as inputs from './inputs.js';
import { ok, type Route } from '../../rest/route.js';
import * as analytics from './service.js';
import * as bodies from './responses.js';

const params = (q: URLSearchParams) => Object.fromEntries([...q.entries()]);

export const analyticsRoutes: Route[] = [
  { method: 'GET', path: '/api/v1/analytics/stats', scope: 'analytics:read', response: bodies.StatsBody, query: inputs.AnalyticsFilter, summary: 'Dashboard stats', handler: async ({ ctx, query }) => ok(await analytics.stats(ctx, params(query))) },
  { method: 'GET', path: '/api/v1/analytics/engagement', scope: 'analytics:read', response: bodies.EngagementBody, query: inputs.EngagementQuery, summary: 'Engagement chart data', handler: async ({ ctx, query }) => ok(await analytics.engagement(ctx, params(query))) },
  { method: 'GET', path: '/api/v1/analytics/top-content', scope: 'analytics:read', response: bodies.TopContentBody, query: inputs.TopContentQuery, summary: 'Top performing content', handler: async ({ ctx, query }) => ok(await analytics.topContent(ctx, params(query))) },
  { method: 'GET', path: '/api/v1/analytics/platforms', scope: 'analytics:read', response: bodies.PlatformsBody, query: inputs.AnalyticsFilter, summary: 'Platform breakdown', handler: async ({ ctx, query }) => ok(await analytics.platforms(ctx, params(query))) },
  { method: 'GET', path: '/api/v1/analytics/followers', scope: 'analytics:read', response: bodies.FollowersBody, query: inputs.FollowersQuery, summary: 'Follower growth per account', handler: async ({ ctx, query }) => ok(await analytics.followerGrowth(ctx, params(query))) },
  { method: 'POST', path: '/api/v1/analytics/refresh', scope: 'analytics:read', response: bodies.RefreshBody, body: inputs.RefreshInput, summary: 'Capture followers and engagement now (one refresh per account per minute)', handler: async ({ ctx, body }) => ok(await analytics.refresh(ctx, body)) },
];

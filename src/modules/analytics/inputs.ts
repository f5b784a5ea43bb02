/** Query parameters of the analytics paths (seed 001), shared by REST and GraphQL. */
import { z } from 'zod';

const isoDate = (name: string) =>
  z
    .string()
    .refine((s) => /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(s) && !Number.isNaN(Date.parse(s)), `${name} must be an ISO 8601 date or date-time`)
    .transform((s) => new Date(s));

export const PLATFORMS = ['sandbox', 'webhook', 'x', 'tiktok', 'instagram'] as const;
export const GRANULARITIES = ['hour', 'day', 'week', 'month'] as const;
export const METRICS = ['engagement', 'impressions', 'views', 'likes', 'comments', 'shares', 'saves'] as const;

export const AnalyticsFilter = z.object({
  from: isoDate('from').optional(),
  to: isoDate('to').optional(),
  profileId: z.string().min(1).max(100).optional(),
  platform: z.enum(PLATFORMS, { message: `platform must be one of ${PLATFORMS.join(', ')}` }).optional(),
});

export const EngagementQuery = AnalyticsFilter.extend({
  granularity: z.enum(GRANULARITIES, { message: `granularity must be one of ${GRANULARITIES.join(', ')}` }).default('day'),
});

export const TopContentQuery = AnalyticsFilter.extend({
  metric: z.enum(METRICS, { message: `metric must be one of ${METRICS.join(', ')}` }).default('engagement'),
  limit: z.coerce
    .number({ message: 'limit must be an integer between 1 and 50' })
    .int('limit must be an integer between 1 and 50')
    .min(1, 'limit must be an integer between 1 and 50')
    .max(50, 'limit must be an integer between 1 and 50')
    .default(10),
});

/**
 * GET /api/v1/analytics/followers: the range and buckets of the engagement series, and which accounts.
 * `interval` is another name for `granularity` (the word); both given must agree.
 */
export const FollowersQuery = AnalyticsFilter.extend({
  granularity: z.enum(GRANULARITIES, { message: `granularity must be one of ${GRANULARITIES.join(', ')}` }).optional(),
  interval: z.enum(GRANULARITIES, { message: `interval must be one of ${GRANULARITIES.join(', ')}` }).optional(),
  accountId: z.string().min(1).max(100).optional(),
})
  .refine((q) => !q.granularity || !q.interval || q.granularity === q.interval, { message: 'interval and granularity name the same thing; give one, or the same value', path: ['interval'] })
  .transform(({ interval, ...q }) => ({ ...q, granularity: interval ?? q.granularity ?? 'day' }));

/** POST /api/v1/analytics/refresh: every connected account of the team, or the one / the platform named. */
export const RefreshInput = z
  .object({
    accountId: z.string().min(1).max(100).optional(),
    platform: z.enum(PLATFORMS, { message: `platform must be one of ${PLATFORMS.join(', ')}` }).optional(),
  })
  .strict();

export type AnalyticsFilter = z.infer<typeof AnalyticsFilter>;
export type Granularity = (typeof GRANULARITIES)[number];
export type Metric = (typeof METRICS)[number];

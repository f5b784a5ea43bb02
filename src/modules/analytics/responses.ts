/** The JSON bodies of the analytics paths (the OpenAPI document's response schemas; the suite checks every answer against them). */
import { z } from 'zod';
import { GRANULARITIES, METRICS } from './inputs.js';

const at = z.iso.datetime();
const count = z.number();

/** Counters summed over publications, with engagement = likes + comments + shares + saves. */
export const TotalsBody = z.object({ impressions: count, views: count, likes: count, comments: count, shares: count, saves: count, engagement: count });
const rate = z.number().nullable().describe('engagement / impressions; null without impressions');
const filter = { from: at, to: at, profileId: z.string().nullable(), platform: z.string().nullable() };

export const StatsBody = z.object({ ...filter, posts: z.number().int(), postsInRange: z.number().int(), totals: TotalsBody, gained: TotalsBody, engagementRate: rate });

export const EngagementBody = z.object({
  ...filter,
  granularity: z.enum(GRANULARITIES),
  series: z.array(TotalsBody.extend({ start: at, end: at })),
  total: TotalsBody,
});

export const TopContentBody = z.object({
  from: at,
  to: at,
  metric: z.enum(METRICS),
  data: z.array(
    z.object({
      contentItemId: z.string(),
      caption: z.string().nullable(),
      profileId: z.string().nullable(),
      influencerId: z.string().nullable(),
      imageUrl: z.string().nullable(),
      platforms: z.array(z.string()),
      publications: z.number().int(),
      metrics: TotalsBody,
      engagementRate: rate,
    }),
  ),
});

export const PlatformsBody = z.object({
  from: at,
  to: at,
  data: z.array(z.object({ platform: z.string(), posts: z.number().int(), totals: TotalsBody, engagementRate: rate, shareOfEngagement: z.number() })),
});

/** POST /api/v1/analytics/refresh: what was captured now, and what was skipped (refreshed within the minute). */
export const RefreshBody = z.object({
  refreshedAt: at,
  accounts: z.array(
    z.object({
      accountId: z.string(),
      platform: z.string(),
      handle: z.string(),
      followers: z.number().int().nullable().describe('as the platform reported it now; null when it reports none or failed'),
      snapshots: z.number().int().describe('engagement snapshots written, one per published post the platform reported'),
      error: z.string().nullable().describe('what the platform said went wrong, if it did'),
    }),
  ),
  skipped: z.array(z.object({ accountId: z.string(), retryAfterSeconds: z.number().int() })),
});

const followerPoint = z.object({ at, followers: z.number().int().nullable().describe('the latest count at or before `at`; null before the first') });

/** GET /api/v1/analytics/followers: follower counts per account at each bucket boundary. */
export const FollowersBody = z.object({
  ...filter,
  accountId: z.string().nullable(),
  granularity: z.enum(GRANULARITIES),
  series: z.array(
    z.object({
      accountId: z.string(),
      platform: z.string(),
      handle: z.string(),
      points: z.array(followerPoint),
      gained: z.number().int().nullable().describe('last point − first point; null when either has no count'),
    }),
  ),
  total: z.array(z.object({ at, followers: z.number().int() })),
});

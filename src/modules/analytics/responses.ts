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

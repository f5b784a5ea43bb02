/** Analytics in the graph: the same four reports as the REST paths (service.ts explains how they add up). */
import { builder, readableWith } from '../../graphql/builder.js';
import { mutationErrors } from '../../graphql/errors.js';
import * as analytics from './service.js';
import { GRANULARITIES, METRICS, PLATFORMS } from './inputs.js';

type Stats = Awaited<ReturnType<typeof analytics.stats>>;
type Series = Awaited<ReturnType<typeof analytics.engagement>>;
type Top = Awaited<ReturnType<typeof analytics.topContent>>['data'][number];
type Platform = Awaited<ReturnType<typeof analytics.platforms>>['data'][number];
type Growth = Awaited<ReturnType<typeof analytics.followerGrowth>>;
type Refresh = Awaited<ReturnType<typeof analytics.refresh>>;

const Platforms = builder.enumType('SocialPlatform', { values: PLATFORMS });
const Granularity = builder.enumType('AnalyticsGranularity', { values: GRANULARITIES });
const Metric = builder.enumType('AnalyticsMetric', { values: METRICS });

const EngagementTotals = builder.objectRef<analytics.Totals>('EngagementTotals').implement({
  authScopes: readableWith.analytics,
  description: 'Engagement counters; engagement = likes + comments + shares + saves.',
  fields: (t) => ({
    impressions: t.exposeInt('impressions'),
    views: t.exposeInt('views'),
    likes: t.exposeInt('likes'),
    comments: t.exposeInt('comments'),
    shares: t.exposeInt('shares'),
    saves: t.exposeInt('saves'),
    engagement: t.exposeInt('engagement'),
  }),
});

const AnalyticsStats = builder.objectRef<Stats>('AnalyticsStats').implement({
  authScopes: readableWith.analytics,
  fields: (t) => ({
    from: t.exposeString('from'),
    to: t.exposeString('to'),
    posts: t.exposeInt('posts', { description: 'Publications published by `to`.' }),
    postsInRange: t.exposeInt('postsInRange'),
    totals: t.field({ type: EngagementTotals, description: 'As of `to`.', resolve: (s) => s.totals }),
    gained: t.field({ type: EngagementTotals, description: 'Between `from` and `to`.', resolve: (s) => s.gained }),
    engagementRate: t.exposeFloat('engagementRate', { nullable: true }),
  }),
});

const EngagementBucket = builder.objectRef<Series['series'][number]>('EngagementBucket').implement({
  authScopes: readableWith.analytics,
  description: 'What was gained between `start` and `end`.',
  fields: (t) => ({
    start: t.exposeString('start'),
    end: t.exposeString('end'),
    impressions: t.exposeInt('impressions'),
    views: t.exposeInt('views'),
    likes: t.exposeInt('likes'),
    comments: t.exposeInt('comments'),
    shares: t.exposeInt('shares'),
    saves: t.exposeInt('saves'),
    engagement: t.exposeInt('engagement'),
  }),
});

const EngagementSeries = builder.objectRef<Series>('EngagementSeries').implement({
  authScopes: readableWith.analytics,
  fields: (t) => ({
    granularity: t.exposeString('granularity'),
    series: t.field({ type: [EngagementBucket], resolve: (s) => s.series }),
    total: t.field({ type: EngagementTotals, description: 'The sum of the buckets.', resolve: (s) => s.total }),
  }),
});

const TopContentEntry = builder.objectRef<Top>('TopContentEntry').implement({
  authScopes: readableWith.analytics,
  fields: (t) => ({
    contentItemId: t.exposeID('contentItemId'),
    caption: t.exposeString('caption', { nullable: true }),
    imageUrl: t.exposeString('imageUrl', { nullable: true }),
    platforms: t.exposeStringList('platforms'),
    publications: t.exposeInt('publications'),
    metrics: t.field({ type: EngagementTotals, resolve: (e) => e.metrics }),
    engagementRate: t.exposeFloat('engagementRate', { nullable: true }),
  }),
});

const PlatformBreakdown = builder.objectRef<Platform>('PlatformBreakdown').implement({
  authScopes: readableWith.analytics,
  fields: (t) => ({
    platform: t.exposeString('platform'),
    posts: t.exposeInt('posts'),
    totals: t.field({ type: EngagementTotals, resolve: (p) => p.totals }),
    engagementRate: t.exposeFloat('engagementRate', { nullable: true }),
    shareOfEngagement: t.exposeFloat('shareOfEngagement'),
  }),
});

const AnalyticsFilterInput = builder.inputType('AnalyticsFilterInput', {
  description: 'The range (default: the 30 days before `to`, `to` defaulting to now) and what to count.',
  fields: (t) => ({
    from: t.field({ type: 'DateTime', required: false }),
    to: t.field({ type: 'DateTime', required: false }),
    profileId: t.id({ required: false }),
    platform: t.field({ type: Platforms, required: false }),
  }),
});

type FilterArg = { from?: Date | null; to?: Date | null; profileId?: string | number | null; platform?: string | null } | null | undefined;

const filter = (a: FilterArg) => ({
  from: a?.from ? a.from.toISOString() : undefined,
  to: a?.to ? a.to.toISOString() : undefined,
  profileId: a?.profileId != null ? String(a.profileId) : undefined,
  platform: a?.platform ?? undefined,
});

builder.queryFields((t) => ({
  analyticsStats: t.field({ type: AnalyticsStats, args: { filter: t.arg({ type: AnalyticsFilterInput, required: false }) }, resolve: (_r, a, ctx) => analytics.stats(ctx, filter(a.filter)) }),
  engagementSeries: t.field({
    type: EngagementSeries,
    args: { filter: t.arg({ type: AnalyticsFilterInput, required: false }), granularity: t.arg({ type: Granularity, required: false }) },
    resolve: (_r, a, ctx) => analytics.engagement(ctx, { ...filter(a.filter), granularity: a.granularity ?? undefined }),
  }),
  topContent: t.field({
    type: [TopContentEntry],
    args: { filter: t.arg({ type: AnalyticsFilterInput, required: false }), metric: t.arg({ type: Metric, required: false }), limit: t.arg.int({ required: false }) },
    resolve: async (_r, a, ctx) => (await analytics.topContent(ctx, { ...filter(a.filter), metric: a.metric ?? undefined, limit: a.limit ?? undefined })).data,
  }),
  platformBreakdown: t.field({
    type: [PlatformBreakdown],
    args: { filter: t.arg({ type: AnalyticsFilterInput, required: false }) },
    resolve: async (_r, a, ctx) => (await analytics.platforms(ctx, filter(a.filter))).data,
  }),
}));

const FollowerPoint = builder.objectRef<Growth['series'][number]['points'][number]>('FollowerPoint').implement({
  authScopes: readableWith.analytics,
  description: 'The latest follower count at or before `at` (null before the first).',
  fields: (t) => ({ at: t.exposeString('at'), followers: t.exposeInt('followers', { nullable: true }) }),
});

const FollowerSeries = builder.objectRef<Growth['series'][number]>('FollowerSeries').implement({
  authScopes: readableWith.analytics,
  fields: (t) => ({
    accountId: t.exposeID('accountId'),
    platform: t.exposeString('platform'),
    handle: t.exposeString('handle'),
    points: t.field({ type: [FollowerPoint], resolve: (x) => x.points }),
    gained: t.exposeInt('gained', { nullable: true, description: 'Last point − first point; null when either has no count.' }),
  }),
});

const FollowerTotal = builder.objectRef<Growth['total'][number]>('FollowerTotal').implement({
  authScopes: readableWith.analytics,
  fields: (t) => ({ at: t.exposeString('at'), followers: t.exposeInt('followers') }),
});

const FollowerGrowth = builder.objectRef<Growth>('FollowerGrowth').implement({
  authScopes: readableWith.analytics,
  description: 'Follower counts per account at each bucket boundary of the range (GET /api/v1/analytics/followers).',
  fields: (t) => ({
    from: t.exposeString('from'),
    to: t.exposeString('to'),
    granularity: t.exposeString('granularity'),
    series: t.field({ type: [FollowerSeries], resolve: (g) => g.series }),
    total: t.field({ type: [FollowerTotal], description: 'Every account’s count summed at each boundary.', resolve: (g) => g.total }),
  }),
});

const RefreshedAccount = builder.objectRef<Refresh['accounts'][number]>('RefreshedAccount').implement({
  authScopes: readableWith.analytics,
  fields: (t) => ({
    accountId: t.exposeID('accountId'),
    platform: t.exposeString('platform'),
    handle: t.exposeString('handle'),
    followers: t.exposeInt('followers', { nullable: true }),
    snapshots: t.exposeInt('snapshots', { description: 'Engagement snapshots written now.' }),
    error: t.exposeString('error', { nullable: true }),
  }),
});

const SkippedRefresh = builder.objectRef<Refresh['skipped'][number]>('SkippedRefresh').implement({
  authScopes: readableWith.analytics,
  fields: (t) => ({ accountId: t.exposeID('accountId'), retryAfterSeconds: t.exposeInt('retryAfterSeconds') }),
});

const AnalyticsRefresh = builder.objectRef<Refresh>('AnalyticsRefresh').implement({
  authScopes: readableWith.analytics,
  fields: (t) => ({
    refreshedAt: t.exposeString('refreshedAt'),
    accounts: t.field({ type: [RefreshedAccount], resolve: (r) => r.accounts }),
    skipped: t.field({ type: [SkippedRefresh], description: 'Accounts refreshed less than a minute ago.', resolve: (r) => r.skipped }),
  }),
});

builder.queryField('followerGrowth', (t) =>
  t.field({
    type: FollowerGrowth,
    args: { filter: t.arg({ type: AnalyticsFilterInput, required: false }), granularity: t.arg({ type: Granularity, required: false }), accountId: t.arg.id({ required: false }) },
    resolve: (_r, a, ctx) => analytics.followerGrowth(ctx, { ...filter(a.filter), granularity: a.granularity ?? undefined, accountId: a.accountId != null ? String(a.accountId) : undefined }),
  }),
);

builder.mutationField('refreshAnalytics', (t) =>
  t.field({
    type: AnalyticsRefresh,
    errors: mutationErrors,
    description: 'Captures followers and engagement now (POST /api/v1/analytics/refresh): one refresh per account per minute.',
    args: { accountId: t.arg.id({ required: false }), platform: t.arg({ type: Platforms, required: false }) },
    resolve: (_r, a, ctx) => analytics.refresh(ctx, { ...(a.accountId != null ? { accountId: String(a.accountId) } : {}), ...(a.platform ? { platform: a.platform } : {}) }),
  }),
);

/**
 * Analytics from engagement snapshots: the totals the reports give add up to
 * the snapshots the test wrote, whichever way they are cut (stats, series,
 * top content, platforms), over REST and GraphQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';

let s: TestServer;
let teamId: string;
const T0 = Date.UTC(2026, 9, 1); // 2026-10-01T00:00Z
const h = (hours: number) => new Date(T0 + hours * 3600_000);

type Counters = { impressions: number; views: number; likes: number; comments: number; shares: number; saves: number };
const snap = (impressions: number, likes: number, comments = 0, shares = 0, saves = 0, views = 0): Counters => ({ impressions, views, likes, comments, shares, saves });

/** publication → snapshots (hour offset, cumulative counters) */
const PLAN = {
  a: { platform: 'sandbox', item: 'ci_a', profile: 'prof_one', publishedAt: 1, snaps: [[2, snap(100, 10, 1)], [26, snap(300, 30, 5, 2)], [50, snap(500, 45, 8, 3, 1)]] },
  b: { platform: 'x', item: 'ci_a', profile: 'prof_one', publishedAt: 3, snaps: [[4, snap(50, 5)], [30, snap(80, 9, 2)]] },
  c: { platform: 'x', item: 'ci_c', profile: 'prof_two', publishedAt: 20, snaps: [[21, snap(1000, 120, 10, 10, 10)], [60, snap(2000, 200, 20, 20, 20)]] },
} as const;

function latestAt(pub: (typeof PLAN)[keyof typeof PLAN], at: number): Counters {
  const before = pub.snaps.filter(([t]) => t <= at);
  return before.length ? (before[before.length - 1]![1] as Counters) : snap(0, 0);
}

function sum(list: Counters[]) {
  const t = list.reduce((acc, c) => ({
    impressions: acc.impressions + c.impressions,
    views: acc.views + c.views,
    likes: acc.likes + c.likes,
    comments: acc.comments + c.comments,
    shares: acc.shares + c.shares,
    saves: acc.saves + c.saves,
  }), snap(0, 0));
  return { ...t, engagement: t.likes + t.comments + t.shares + t.saves };
}

const expectedAt = (at: number, filter: (p: (typeof PLAN)[keyof typeof PLAN]) => boolean = () => true) =>
  sum(Object.values(PLAN).filter(filter).map((p) => latestAt(p, at)));

beforeAll(async () => {
  s = await startTestServer({ RATE_LIMIT_PER_MINUTE: '10000' });
  teamId = (await s.request('GET', '/api/v1/me')).body.team.id;
  const db = s.app.deps.prisma;
  for (const id of ['prof_one', 'prof_two']) await db.profile.create({ data: { id, teamId, name: id } });
  for (const [id, profileId] of [['ci_a', 'prof_one'], ['ci_c', 'prof_two']] as const) {
    await db.contentItem.create({ data: { id, teamId, profileId, status: 'approved', caption: `caption of ${id}` } });
  }
  const accounts: Record<string, string> = {};
  for (const [profileId, platform] of [['prof_one', 'sandbox'], ['prof_one', 'x'], ['prof_two', 'x']] as const) {
    const id = `acct_${profileId}_${platform}`;
    await db.socialAccount.create({ data: { id, teamId, profileId, platform, handle: `@${platform}` } });
    accounts[`${profileId}/${platform}`] = id;
  }
  for (const [key, p] of Object.entries(PLAN)) {
    await db.publication.create({
      data: {
        id: `pub_${key}`,
        teamId,
        contentItemId: p.item,
        accountId: accounts[`${p.profile}/${p.platform}`]!,
        profileId: p.profile,
        status: 'published',
        idempotencyKey: `idem_${key}`,
        publishedAt: h(p.publishedAt),
      },
    });
    for (const [at, c] of p.snaps) {
      await db.engagementSnapshot.create({ data: { teamId, publicationId: `pub_${key}`, platform: p.platform, capturedAt: h(at as number), ...(c as Counters) } });
    }
  }
});
afterAll(async () => s?.close());

const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

describe('analytics', () => {
  it('stats: totals at `to` are the latest snapshots; gained is the difference since `from`', async () => {
    const res = await s.request('GET', `/api/v1/analytics/stats?${q({ from: h(0).toISOString(), to: h(72).toISOString() })}`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.totals).toEqual(expectedAt(72));
    expect(res.body.gained).toEqual(expectedAt(72));
    expect(res.body.posts).toBe(3);
    expect(res.body.engagementRate).toBeCloseTo(expectedAt(72).engagement / expectedAt(72).impressions, 4);

    const mid = await s.request('GET', `/api/v1/analytics/stats?${q({ from: h(24).toISOString(), to: h(48).toISOString() })}`);
    const gained = Object.fromEntries(Object.entries(expectedAt(48)).map(([k, v]) => [k, v - (expectedAt(24) as any)[k]]));
    expect(mid.body.totals).toEqual(expectedAt(48));
    expect(mid.body.gained).toEqual(gained);
    expect(mid.body.postsInRange).toBe(0);
    expect(mid.body.posts).toBe(3);
  });

  it('engagement: daily buckets sum exactly to what was gained, and each bucket is its own gain', async () => {
    const from = h(0).toISOString();
    const to = h(72).toISOString();
    const res = await s.request('GET', `/api/v1/analytics/engagement?${q({ from, to, granularity: 'day' })}`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.series).toHaveLength(3);
    expect(res.body.series.map((b: any) => b.start)).toEqual([h(0), h(24), h(48)].map((d) => d.toISOString()));
    const day2 = Object.fromEntries(Object.entries(expectedAt(48)).map(([k, v]) => [k, v - (expectedAt(24) as any)[k]]));
    expect(res.body.series[1]).toMatchObject(day2);
    const summed = Object.keys(expectedAt(72)).map((k) => res.body.series.reduce((n: number, b: any) => n + b[k], 0));
    expect(summed).toEqual(Object.values(expectedAt(72)));
    expect(res.body.total).toEqual(expectedAt(72));

    // an unaligned range: partial first and last buckets, still adding up
    const odd = await s.request('GET', `/api/v1/analytics/engagement?${q({ from: h(3).toISOString(), to: h(29).toISOString(), granularity: 'hour' })}`);
    expect(odd.body.series).toHaveLength(26);
    const gained = Object.fromEntries(Object.entries(expectedAt(29)).map(([k, v]) => [k, v - (expectedAt(3) as any)[k]]));
    expect(odd.body.total).toEqual(gained);
    expect(odd.body.series.reduce((n: number, b: any) => n + b.likes, 0)).toBe(gained.likes);
  });

  it('top-content ranks content items by the metric, summing their publications; platforms add up to the totals', async () => {
    const range = { from: h(0).toISOString(), to: h(72).toISOString() };
    const top = await s.request('GET', `/api/v1/analytics/top-content?${q({ ...range, metric: 'engagement' })}`);
    expect(top.status, top.text).toBe(200);
    expect(top.body.data.map((e: any) => e.contentItemId)).toEqual(['ci_c', 'ci_a']);
    const a = top.body.data[1];
    expect(a.platforms).toEqual(['sandbox', 'x']);
    expect(a.publications).toBe(2);
    expect(a.metrics).toEqual(sum([latestAt(PLAN.a, 72), latestAt(PLAN.b, 72)]));
    expect(a.caption).toBe('caption of ci_a');
    const byLikes = await s.request('GET', `/api/v1/analytics/top-content?${q({ ...range, metric: 'likes', limit: '1' })}`);
    expect(byLikes.body.data).toHaveLength(1);

    const platforms = await s.request('GET', `/api/v1/analytics/platforms?${q(range)}`);
    expect(platforms.body.data.map((p: any) => [p.platform, p.posts])).toEqual([['sandbox', 1], ['x', 2]]);
    expect(platforms.body.data.find((p: any) => p.platform === 'x').totals).toEqual(expectedAt(72, (p) => p.platform === 'x'));
    const shares = platforms.body.data.reduce((n: number, p: any) => n + p.shareOfEngagement, 0);
    expect(shares).toBeCloseTo(1, 3);
  });

  it('filters by profile and platform', async () => {
    const range = { from: h(0).toISOString(), to: h(72).toISOString() };
    const one = await s.request('GET', `/api/v1/analytics/stats?${q({ ...range, profileId: 'prof_one' })}`);
    expect(one.body.totals).toEqual(expectedAt(72, (p) => p.profile === 'prof_one'));
    const x = await s.request('GET', `/api/v1/analytics/stats?${q({ ...range, platform: 'x' })}`);
    expect(x.body.totals).toEqual(expectedAt(72, (p) => p.platform === 'x'));
    expect(x.body.posts).toBe(2);
  });

  it('answers bad input with 400, other teams’ profiles with 404, keys without analytics:read with 403', async () => {
    const bad = async (params: Record<string, string>, path = 'stats') => {
      const res = await s.request('GET', `/api/v1/analytics/${path}?${q(params)}`);
      expect(res.status, res.text).toBe(400);
      expect(res.body.error.type).toBe('invalid_request_error');
      return res.body.error;
    };
    expect((await bad({ from: 'yesterday' })).param).toBe('from');
    expect((await bad({ from: h(5).toISOString(), to: h(1).toISOString() })).message).toBe('from must be before to');
    expect((await bad({ platform: 'myspace' })).param).toBe('platform');
    expect((await bad({ granularity: 'minute' }, 'engagement')).param).toBe('granularity');
    expect((await bad({ from: '2000-01-01', to: '2026-01-01', granularity: 'hour' }, 'engagement')).message).toMatch(/more than 1000 hours/);
    expect((await bad({ limit: '0' }, 'top-content')).message).toBe('limit must be an integer between 1 and 50');
    expect((await bad({ metric: 'followers' }, 'top-content')).param).toBe('metric');

    const other = await s.createTeam('analytics outsiders');
    expect((await s.request('GET', '/api/v1/analytics/stats?profileId=prof_one', { key: other.key })).status).toBe(404);
    const theirs = await s.request('GET', `/api/v1/analytics/stats?${q({ from: h(0).toISOString(), to: h(72).toISOString() })}`, { key: other.key });
    expect(theirs.body.totals.impressions).toBe(0);
    expect(theirs.body.posts).toBe(0);

    const { key } = await s.createKey(['content:read', 'profile:read']);
    for (const p of ['stats', 'engagement', 'top-content', 'platforms']) {
      const res = await s.request('GET', `/api/v1/analytics/${p}`, { key });
      expect(res.status).toBe(403);
      expect(res.body.error.message).toContain('analytics:read');
    }
  });

  it('GraphQL gives the same numbers', async () => {
    const filter = { from: h(0).toISOString(), to: h(72).toISOString() };
    const res = await s.graphql(
      `query($filter: AnalyticsFilterInput) {
        analyticsStats(filter: $filter) { posts totals { impressions likes engagement } }
        engagementSeries(filter: $filter, granularity: day) { series { start likes } total { engagement } }
        topContent(filter: $filter, limit: 1) { contentItemId metrics { engagement } }
        platformBreakdown(filter: $filter) { platform posts }
      }`,
      { filter },
    );
    expect(res.body.errors).toBeUndefined();
    const d = res.body.data;
    const all = expectedAt(72);
    expect(d.analyticsStats).toEqual({ posts: 3, totals: { impressions: all.impressions, likes: all.likes, engagement: all.engagement } });
    expect(d.engagementSeries.total.engagement).toBe(all.engagement);
    expect(d.engagementSeries.series).toHaveLength(3);
    expect(d.topContent).toEqual([{ contentItemId: 'ci_c', metrics: { engagement: latestAt(PLAN.c, 72).likes + 60 } }]);
    expect(d.platformBreakdown).toEqual([{ platform: 'sandbox', posts: 1 }, { platform: 'x', posts: 2 }]);
  });
});

/**
 * Analytics (seed 001, scope analytics:read), computed from engagement
 * snapshots: each snapshot is a publication's cumulative counters at a
 * moment, as its connector reported them (src/modules/engagement).
 *
 * One rule makes the numbers add up: a publication's value at time t is its
 * latest snapshot at or before t (0 before the first). Then
 * - stats: totals at `to`, and `gained` = totals at `to` − totals at `from`;
 * - engagement: the range cut at bucket boundaries (from, then each hour/day/
 *   week/month start, then to); a bucket's value is the gain across it, so
 *   the buckets sum exactly to stats.gained;
 * - top-content and platforms: totals at `to`, by content item / by platform,
 *   which sum to stats.totals.
 * engagement = likes + comments + shares + saves; engagementRate =
 * engagement / impressions (null without impressions).
 */
import { Prisma } from '../../generated/prisma/client.js';
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { parseInput } from '../../validation.js';
import { AnalyticsFilter, EngagementQuery, TopContentQuery, type Granularity } from './inputs.js';

const COUNTERS = ['impressions', 'views', 'likes', 'comments', 'shares', 'saves'] as const;
type Counter = (typeof COUNTERS)[number];
export type Totals = Record<Counter | 'engagement', number>;

const DAY = 86_400_000;
const MAX_BUCKETS = 1000;

interface Range {
  from: Date;
  to: Date;
  profileId?: string;
  platform?: string;
}

/** The range every report reads (analytics:read; default the 30 days before `to`), its profile checked to be the team's. */
export async function range(ctx: ServiceContext, input: AnalyticsFilter): Promise<Range> {
  requireScope(ctx, 'analytics:read');
  const to = input.to ?? new Date();
  const from = input.from ?? new Date(to.getTime() - 30 * DAY);
  if (from >= to) throw new ValidationError('from must be before to', 'from');
  if (input.profileId) {
    const profile = await ctx.deps.prisma.profile.findFirst({ where: { id: input.profileId, teamId: ctx.actor.teamId }, select: { id: true } });
    if (!profile) throw new NotFoundError('No such profile', 'profile_not_found');
  }
  return { from, to, profileId: input.profileId, platform: input.platform };
}

/** The publications in scope (team, profile, platform) as a SQL fragment selecting id, platform, contentItemId. */
function publications(ctx: ServiceContext, r: Range): Prisma.Sql {
  return Prisma.sql`
    SELECT p.id, a.platform, p."contentItemId", p."publishedAt"
    FROM "Publication" p JOIN "SocialAccount" a ON a.id = p."accountId"
    WHERE p."teamId" = ${ctx.actor.teamId}
      ${r.profileId ? Prisma.sql`AND p."profileId" = ${r.profileId}` : Prisma.empty}
      ${r.platform ? Prisma.sql`AND a.platform = ${r.platform}` : Prisma.empty}`;
}

/** Each publication's counters at `at` (latest snapshot at or before it). */
function valuesAt(ctx: ServiceContext, r: Range, at: Date): Prisma.Sql {
  return Prisma.sql`
    SELECT pubs.id, pubs.platform, pubs."contentItemId", pubs."publishedAt",
      COALESCE(s.impressions, 0) AS impressions, COALESCE(s.views, 0) AS views, COALESCE(s.likes, 0) AS likes,
      COALESCE(s.comments, 0) AS comments, COALESCE(s.shares, 0) AS shares, COALESCE(s.saves, 0) AS saves
    FROM (${publications(ctx, r)}) pubs
    LEFT JOIN LATERAL (
      SELECT * FROM "EngagementSnapshot" es
      WHERE es."publicationId" = pubs.id AND es."capturedAt" <= ${at}
      ORDER BY es."capturedAt" DESC LIMIT 1) s ON true`;
}

const SUMS = Prisma.sql`
  COALESCE(SUM(impressions), 0)::int AS impressions, COALESCE(SUM(views), 0)::int AS views, COALESCE(SUM(likes), 0)::int AS likes,
  COALESCE(SUM(comments), 0)::int AS comments, COALESCE(SUM(shares), 0)::int AS shares, COALESCE(SUM(saves), 0)::int AS saves`;

function totals(row: Partial<Record<Counter, number | bigint>> | undefined): Totals {
  const t = Object.fromEntries(COUNTERS.map((c) => [c, Number(row?.[c] ?? 0)])) as Record<Counter, number>;
  return { ...t, engagement: t.likes + t.comments + t.shares + t.saves };
}

function minus(a: Totals, b: Totals): Totals {
  return Object.fromEntries(Object.keys(a).map((k) => [k, a[k as keyof Totals] - b[k as keyof Totals]])) as Totals;
}

const rate = (t: Totals) => (t.impressions > 0 ? Math.round((t.engagement / t.impressions) * 10_000) / 10_000 : null);

/** Totals of every publication in scope at each moment, in one query. */
async function totalsAt(ctx: ServiceContext, r: Range, moments: Date[]): Promise<Totals[]> {
  const iso = moments.map((m) => m.toISOString());
  const rows = await ctx.deps.prisma.$queryRaw<({ ts: string } & Record<Counter, number>)[]>`
    SELECT m.ts, ${SUMS}
    FROM (SELECT ts, ts::timestamptz AS t FROM unnest(${iso}::text[]) AS u(ts)) m
    LEFT JOIN LATERAL (
      SELECT s.* FROM (${publications(ctx, r)}) pubs
      JOIN LATERAL (
        SELECT * FROM "EngagementSnapshot" es
        WHERE es."publicationId" = pubs.id AND es."capturedAt" <= m.t
        ORDER BY es."capturedAt" DESC LIMIT 1) s ON true) v ON true
    GROUP BY m.ts`;
  const byTime = new Map(rows.map((row) => [row.ts, totals(row)]));
  return iso.map((m) => byTime.get(m) ?? totals(undefined));
}

export async function stats(ctx: ServiceContext, raw: unknown) {
  const r = await range(ctx, parseInput(AnalyticsFilter, raw));
  const [atFrom, atTo] = await totalsAt(ctx, r, [r.from, r.to]);
  const posts = await ctx.deps.prisma.$queryRaw<{ posts: number; in_range: number }[]>`
    SELECT COUNT(*) FILTER (WHERE pubs."publishedAt" <= ${r.to})::int AS posts,
           COUNT(*) FILTER (WHERE pubs."publishedAt" > ${r.from} AND pubs."publishedAt" <= ${r.to})::int AS in_range
    FROM (${publications(ctx, r)}) pubs`;
  return {
    from: r.from.toISOString(),
    to: r.to.toISOString(),
    profileId: r.profileId ?? null,
    platform: r.platform ?? null,
    posts: Number(posts[0]?.posts ?? 0),
    postsInRange: Number(posts[0]?.in_range ?? 0),
    totals: atTo!,
    gained: minus(atTo!, atFrom!),
    engagementRate: rate(atTo!),
  };
}

/** from, each bucket start strictly inside (from, to), then to (UTC). */
export function boundaries(from: Date, to: Date, g: Granularity): Date[] {
  const start = new Date(from);
  const next = (d: Date): Date => {
    const n = new Date(d);
    if (g === 'hour') return new Date(Date.UTC(n.getUTCFullYear(), n.getUTCMonth(), n.getUTCDate(), n.getUTCHours() + 1));
    if (g === 'day') return new Date(Date.UTC(n.getUTCFullYear(), n.getUTCMonth(), n.getUTCDate() + 1));
    if (g === 'week') {
      // ISO weeks start on Monday.
      const day = (n.getUTCDay() + 6) % 7;
      return new Date(Date.UTC(n.getUTCFullYear(), n.getUTCMonth(), n.getUTCDate() - day + 7));
    }
    return new Date(Date.UTC(n.getUTCFullYear(), n.getUTCMonth() + 1, 1));
  };
  const out = [start];
  for (let b = next(start); b < to; b = next(b)) {
    out.push(b);
    if (out.length > MAX_BUCKETS) {
      throw new ValidationError(`the range holds more than ${MAX_BUCKETS} ${g}s; choose a coarser granularity or a shorter range`, 'granularity');
    }
  }
  out.push(new Date(to));
  return out;
}

export async function engagement(ctx: ServiceContext, raw: unknown) {
  const input = parseInput(EngagementQuery, raw);
  const r = await range(ctx, input);
  const cuts = boundaries(r.from, r.to, input.granularity);
  const values = await totalsAt(ctx, r, cuts);
  const series = cuts.slice(0, -1).map((start, i) => ({
    start: start.toISOString(),
    end: cuts[i + 1]!.toISOString(),
    ...minus(values[i + 1]!, values[i]!),
  }));
  return {
    from: r.from.toISOString(),
    to: r.to.toISOString(),
    granularity: input.granularity,
    profileId: r.profileId ?? null,
    platform: r.platform ?? null,
    series,
    total: minus(values[values.length - 1]!, values[0]!),
  };
}

export async function topContent(ctx: ServiceContext, raw: unknown) {
  const input = parseInput(TopContentQuery, raw);
  const r = await range(ctx, input);
  const order = input.metric === 'engagement' ? Prisma.sql`(SUM(likes) + SUM(comments) + SUM(shares) + SUM(saves))` : Prisma.raw(`SUM(${input.metric})`);
  const rows = await ctx.deps.prisma.$queryRaw<({ contentItemId: string; platforms: string[]; publications: number } & Record<Counter, number>)[]>`
    SELECT v."contentItemId", array_agg(DISTINCT v.platform ORDER BY v.platform) AS platforms, COUNT(*)::int AS publications, ${SUMS}
    FROM (${valuesAt(ctx, r, r.to)}) v
    WHERE v."publishedAt" IS NOT NULL AND v."publishedAt" <= ${r.to}
    GROUP BY v."contentItemId"
    ORDER BY ${order} DESC, v."contentItemId"
    LIMIT ${input.limit}`;
  const items = await ctx.deps.prisma.contentItem.findMany({
    where: { id: { in: rows.map((row) => row.contentItemId) }, teamId: ctx.actor.teamId },
    select: { id: true, caption: true, profileId: true, influencerId: true, imageBlobId: true },
  });
  const byId = new Map(items.map((i) => [i.id, i]));
  return {
    from: r.from.toISOString(),
    to: r.to.toISOString(),
    metric: input.metric,
    data: rows.map((row) => {
      const item = byId.get(row.contentItemId);
      const t = totals(row);
      return {
        contentItemId: row.contentItemId,
        caption: item?.caption ?? null,
        profileId: item?.profileId ?? null,
        influencerId: item?.influencerId ?? null,
        imageUrl: item?.imageBlobId ? `/api/v1/media/${item.imageBlobId}` : null,
        platforms: row.platforms,
        publications: row.publications,
        metrics: t,
        engagementRate: rate(t),
      };
    }),
  };
}

export async function platforms(ctx: ServiceContext, raw: unknown) {
  const r = await range(ctx, parseInput(AnalyticsFilter, raw));
  const rows = await ctx.deps.prisma.$queryRaw<({ platform: string; posts: number } & Record<Counter, number>)[]>`
    SELECT v.platform, COUNT(*) FILTER (WHERE v."publishedAt" <= ${r.to})::int AS posts, ${SUMS}
    FROM (${valuesAt(ctx, r, r.to)}) v
    GROUP BY v.platform
    ORDER BY v.platform`;
  const all = rows.map((row) => ({ platform: row.platform, posts: Number(row.posts), totals: totals(row) }));
  const engagementSum = all.reduce((n, p) => n + p.totals.engagement, 0);
  return {
    from: r.from.toISOString(),
    to: r.to.toISOString(),
    data: all.map((p) => ({
      ...p,
      engagementRate: rate(p.totals),
      shareOfEngagement: engagementSum > 0 ? Math.round((p.totals.engagement / engagementSum) * 10_000) / 10_000 : 0,
    })),
  };
}

export { followerGrowth, refresh, REFRESH_EVERY_MS } from './followers.js';

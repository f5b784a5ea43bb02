/**
 * Follower growth and analytics on demand (seed 001 is silent on both; they
 * follow its analytics paths: scope analytics:read, the same range rules).
 *
 * - Refresh: the team's connected accounts (or the one / the platform named)
 *   are captured now, as the periodic poll does (engagement/service.ts):
 *   followers and every published post's numbers, through the outbound guard.
 *   One refresh per account per minute, claimed in the database so several
 *   processes agree; an account inside its minute is skipped, and when every
 *   account asked for is, the answer is 429 with Retry-After. It reads what
 *   the team's analytics would show after the next poll and changes nothing on
 *   the platforms, so it needs only analytics:read.
 * - Growth: each account's follower count at each bucket boundary of the range
 *   (the latest snapshot at or before it, null before the first; boundaries
 *   as the engagement series cuts them), `gained` = last − first, and the
 *   team's total at each boundary (accounts without a count yet add nothing).
 */
import type { ServiceContext } from '../../context.js';
import { requireScope } from '../../context.js';
import { AppError, NotFoundError, ValidationError } from '../../errors.js';
import { parseInput } from '../../validation.js';
import { captureAccount } from '../engagement/service.js';
import { FollowersQuery, RefreshInput } from './inputs.js';
import { boundaries, range } from './service.js';

/** How often an account may be refreshed on demand. */
export const REFRESH_EVERY_MS = 60_000;

/** The accounts a filter names, of this team only; a named account that is not one of them is a 404. */
async function accountsIn(ctx: ServiceContext, f: { accountId?: string; platform?: string; profileId?: string }, connectedOnly: boolean) {
  const accounts = await ctx.deps.prisma.socialAccount.findMany({
    where: {
      teamId: ctx.actor.teamId,
      ...(f.accountId ? { id: f.accountId } : {}),
      ...(f.platform ? { platform: f.platform } : {}),
      ...(f.profileId ? { profileId: f.profileId } : {}),
      ...(connectedOnly ? { status: 'connected' } : {}),
    },
    orderBy: { id: 'asc' },
  });
  if (f.accountId && !accounts.length) throw new NotFoundError('No such account', 'account_not_found');
  return accounts;
}

export async function refresh(ctx: ServiceContext, raw: unknown) {
  requireScope(ctx, 'analytics:read');
  const input = parseInput(RefreshInput, raw ?? {});
  const accounts = await accountsIn(ctx, input, false);
  if (input.accountId && accounts[0]!.status !== 'connected') {
    throw new ValidationError('This account is disconnected; reconnect it to refresh its analytics', 'accountId');
  }
  const connected = accounts.filter((a) => a.status === 'connected');
  const refreshedAt = new Date();
  const since = new Date(refreshedAt.getTime() - REFRESH_EVERY_MS);
  const claimed: typeof connected = [];
  const skipped: { accountId: string; retryAfterSeconds: number }[] = [];
  for (const account of connected) {
    // One statement claims the account: two refreshes at once (any process) cannot both win the same minute.
    const { count } = await ctx.deps.prisma.socialAccount.updateMany({
      where: { id: account.id, OR: [{ analyticsRefreshedAt: null }, { analyticsRefreshedAt: { lte: since } }] },
      data: { analyticsRefreshedAt: refreshedAt },
    });
    if (count) claimed.push(account);
    else {
      const last = (await ctx.deps.prisma.socialAccount.findUnique({ where: { id: account.id }, select: { analyticsRefreshedAt: true } }))?.analyticsRefreshedAt;
      const wait = last ? last.getTime() + REFRESH_EVERY_MS - refreshedAt.getTime() : 1000;
      skipped.push({ accountId: account.id, retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)) });
    }
  }
  if (connected.length && !claimed.length) {
    const retry = Math.min(...skipped.map((x) => x.retryAfterSeconds));
    throw new AppError(`Analytics were refreshed less than a minute ago; retry after ${retry} seconds (one refresh per account per minute)`, {
      code: 'refresh_too_soon',
      httpStatus: 429,
      type: 'rate_limit_error',
      headers: { 'Retry-After': String(retry) },
    });
  }
  const results = [];
  for (const account of claimed) {
    const r = await captureAccount(ctx.deps, account);
    results.push({ ...r, platform: account.platform, handle: account.handle });
  }
  return { refreshedAt: refreshedAt.toISOString(), accounts: results, skipped };
}

export async function followerGrowth(ctx: ServiceContext, raw: unknown) {
  requireScope(ctx, 'analytics:read');
  const input = parseInput(FollowersQuery, raw);
  const { from, to } = await range(ctx, input);
  const cuts = boundaries(from, to, input.granularity);
  const accounts = await accountsIn(ctx, input, false);
  const iso = cuts.map((c) => c.toISOString());
  const rows = accounts.length
    ? await ctx.deps.prisma.$queryRaw<{ accountId: string; ts: string; followers: number | null }[]>`
        SELECT a.id AS "accountId", m.ts, s.followers
        FROM unnest(${accounts.map((a) => a.id)}::text[]) AS a(id)
        CROSS JOIN (SELECT ts, ts::timestamptz AS t FROM unnest(${iso}::text[]) AS u(ts)) m
        LEFT JOIN LATERAL (
          SELECT f.followers FROM "FollowerSnapshot" f
          WHERE f."accountId" = a.id AND f."teamId" = ${ctx.actor.teamId} AND f."capturedAt" <= m.t
          ORDER BY f."capturedAt" DESC LIMIT 1) s ON true`
    : [];
  const value = new Map(rows.map((r) => [`${r.accountId} ${r.ts}`, r.followers === null ? null : Number(r.followers)]));
  const series = accounts.map((a) => {
    const points = iso.map((at) => ({ at, followers: value.get(`${a.id} ${at}`) ?? null }));
    const first = points[0]!.followers;
    const last = points[points.length - 1]!.followers;
    return { accountId: a.id, platform: a.platform, handle: a.handle, points, gained: first !== null && last !== null ? last - first : null };
  });
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    granularity: input.granularity,
    profileId: input.profileId ?? null,
    platform: input.platform ?? null,
    accountId: input.accountId ?? null,
    series,
    total: iso.map((at, i) => ({ at, followers: series.reduce((n, x) => n + (x.points[i]!.followers ?? 0), 0) })),
  };
}

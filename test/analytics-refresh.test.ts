/**
 * Analytics on demand and follower growth (issue 20): a refresh captures followers and engagement now, so
 * the reports stop showing zeros before the first poll; one refresh per account per minute across processes
 * (429 with Retry-After); foreign and disconnected accounts, missing scope and bad input refused; the follower
 * series is the latest count at each bucket boundary, per account, over REST and GraphQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';
import { expectApiError } from './helpers/errors.js';

let s: TestServer;
let teamId: string;
const HOUR = 3600_000;

async function sandboxAccount(id: string, opts: { status?: string; profileId?: string } = {}) {
  const db = s.app.deps.prisma;
  const profileId = opts.profileId ?? `prof_${id}`;
  if (!(await db.profile.findUnique({ where: { id: profileId } }))) await db.profile.create({ data: { id: profileId, teamId, name: profileId } });
  return db.socialAccount.create({ data: { id, teamId, profileId, platform: 'sandbox', handle: `@${id}`, status: opts.status ?? 'connected', connectedAt: new Date(Date.now() - 5 * HOUR) } });
}

/** A sandbox post published two hours ago: the sandbox reports numbers that grow with its age. */
async function publishedPost(accountId: string, profileId: string, key: string) {
  const db = s.app.deps.prisma;
  await db.contentItem.create({ data: { id: `ci_${key}`, teamId, profileId, status: 'published', caption: key } });
  await db.sandboxPost.create({ data: { id: `sbx_${key}`, teamId, accountId, idempotencyKey: `idem_${key}`, caption: key, createdAt: new Date(Date.now() - 2 * HOUR) } });
  await db.publication.create({
    data: { id: `pub_${key}`, teamId, contentItemId: `ci_${key}`, accountId, profileId, status: 'published', idempotencyKey: `idem_${key}`, externalId: `sbx_${key}`, publishedAt: new Date(Date.now() - 2 * HOUR) },
  });
}

beforeAll(async () => {
  s = await startTestServer({ RATE_LIMIT_PER_MINUTE: '10000' });
  teamId = (await s.request('GET', '/api/v1/me')).body.team.id;
}, 120_000);
afterAll(async () => s?.close());

describe('POST /api/v1/analytics/refresh', () => {
  it('captures followers and engagement now: the stats show them at once, and a second refresh within the minute is 429', async () => {
    const acct = await sandboxAccount('acct_refresh_one');
    await publishedPost(acct.id, acct.profileId, 'refresh_one');
    const before = await s.request('GET', `/api/v1/analytics/stats?profileId=${acct.profileId}`);
    expect(before.body.totals.impressions).toBe(0);

    const res = await s.request('POST', '/api/v1/analytics/refresh', { body: { accountId: acct.id } });
    expect(res.status, res.text).toBe(200);
    expect(res.body.skipped).toEqual([]);
    expect(res.body.accounts).toHaveLength(1);
    const [r] = res.body.accounts;
    expect(r).toMatchObject({ accountId: acct.id, platform: 'sandbox', handle: '@acct_refresh_one', snapshots: 1, error: null });
    expect(r.followers).toBeGreaterThan(100);

    const after = await s.request('GET', `/api/v1/analytics/stats?profileId=${acct.profileId}`);
    expect(after.body.totals.impressions).toBeGreaterThan(0);
    expect(after.body.posts).toBe(1);
    const stored = await s.app.deps.prisma.followerSnapshot.findMany({ where: { accountId: acct.id } });
    expect(stored.map((x) => x.followers)).toEqual([r.followers]);

    const again = await s.request('POST', '/api/v1/analytics/refresh', { body: { accountId: acct.id } });
    expectApiError(again, 429, /refreshed less than a minute ago/);
    expect(again.body.error.code).toBe('refresh_too_soon');
    const retry = Number(again.headers.get('retry-after'));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    // Nothing more was captured by the refused refresh.
    expect(await s.app.deps.prisma.followerSnapshot.count({ where: { accountId: acct.id } })).toBe(1);
  });

  it('without an account: every connected account of the team, those refreshed within the minute listed as skipped', async () => {
    const fresh = await sandboxAccount('acct_refresh_all');
    const res = await s.request('POST', '/api/v1/analytics/refresh', { body: {} });
    expect(res.status, res.text).toBe(200);
    expect(res.body.accounts.map((a: { accountId: string }) => a.accountId)).toContain(fresh.id);
    expect(res.body.skipped.map((a: { accountId: string }) => a.accountId)).toContain('acct_refresh_one');
    // Everything was refreshed within the minute now: 429, whichever way it is asked.
    expectApiError(await s.request('POST', '/api/v1/analytics/refresh', { body: { platform: 'sandbox' } }), 429);
    // Two at once on one account: one wins the minute, the other is refused (the claim is one statement).
    const racer = await sandboxAccount('acct_refresh_race');
    const both = await Promise.all([0, 1].map(() => s.request('POST', '/api/v1/analytics/refresh', { body: { accountId: racer.id } })));
    expect(both.map((x) => x.status).sort()).toEqual([200, 429]);
  });

  it('refuses foreign and disconnected accounts, bad input and a key without analytics:read', async () => {
    const other = await s.createTeam('analytics-other');
    const theirs = await s.request('POST', '/api/v1/analytics/refresh', { body: { accountId: 'acct_refresh_one' }, key: other.key });
    expectApiError(theirs, 404, /No such account/);
    const off = await sandboxAccount('acct_refresh_off', { status: 'disconnected' });
    expectApiError(await s.request('POST', '/api/v1/analytics/refresh', { body: { accountId: off.id } }), 400, /disconnected/);
    expectApiError(await s.request('POST', '/api/v1/analytics/refresh', { body: { platform: 'myspace' } }), 400, /platform must be one of/);
    expectApiError(await s.request('POST', '/api/v1/analytics/refresh', { body: { accountId: 'acct_x', extra: 1 } }), 400);
    const narrow = await s.request('POST', '/api/v1/api-keys', { body: { name: 'content only', scopes: ['content:read'] } });
    expect(narrow.status, narrow.text).toBeLessThan(300);
    expectApiError(await s.request('POST', '/api/v1/analytics/refresh', { body: {}, key: narrow.body.key ?? narrow.body.secret }), 403);
  });
});

describe('follower growth', () => {
  it('GET /api/v1/analytics/followers: the latest count at each boundary, per account, and the total; GraphQL answers the same', async () => {
    const a = await sandboxAccount('acct_growth_a', { profileId: 'prof_growth' });
    const b = await sandboxAccount('acct_growth_b', { profileId: 'prof_growth' });
    const T0 = Date.UTC(2026, 10, 2); // 2026-11-02T00:00Z, a Monday
    const day = (d: number, h = 12) => new Date(T0 + d * 24 * HOUR + h * HOUR);
    const db = s.app.deps.prisma;
    for (const [acct, d, n] of [[a, 0, 100], [a, 1, 110], [a, 1.5, 115], [a, 3, 140], [b, 2, 50]] as const) {
      await db.followerSnapshot.create({ data: { teamId, accountId: acct.id, platform: 'sandbox', followers: n, capturedAt: day(Math.floor(d), d % 1 ? 20 : 12) } });
    }
    const from = new Date(T0).toISOString();
    const to = new Date(T0 + 4 * 24 * HOUR).toISOString();
    const res = await s.request('GET', `/api/v1/analytics/followers?profileId=prof_growth&granularity=day&from=${from}&to=${to}`);
    expect(res.status, res.text).toBe(200);
    const byAccount = Object.fromEntries(res.body.series.map((x: any) => [x.accountId, x]));
    // Boundaries: 11-02 (from), 11-03, 11-04, 11-05, 11-06 (to).
    expect(byAccount[a.id].points.map((p: any) => p.followers)).toEqual([null, 100, 115, 115, 140]);
    expect(byAccount[b.id].points.map((p: any) => p.followers)).toEqual([null, null, null, 50, 50]);
    expect(byAccount[a.id].gained).toBeNull();
    expect(res.body.total.map((p: any) => p.followers)).toEqual([0, 100, 115, 165, 190]);

    const one = await s.request('GET', `/api/v1/analytics/followers?accountId=${a.id}&granularity=week&from=${new Date(T0 + 24 * HOUR).toISOString()}&to=${to}`);
    expect(one.body.series).toHaveLength(1);
    expect(one.body.series[0]).toMatchObject({ accountId: a.id, gained: 40 });
    const byInterval = await s.request('GET', `/api/v1/analytics/followers?accountId=${a.id}&interval=week&from=${new Date(T0 + 24 * HOUR).toISOString()}&to=${to}`);
    expect(byInterval.status, byInterval.text).toBe(200);
    expect(byInterval.body).toEqual(one.body);
    expectApiError(await s.request('GET', `/api/v1/analytics/followers?interval=week&granularity=day`), 400, /interval and granularity/);
    expectApiError(await s.request('GET', `/api/v1/analytics/followers?interval=fortnight`), 400, /interval must be one of/);

    const gql = await s.graphql(
      `query($f: AnalyticsFilterInput) { followerGrowth(filter: $f, granularity: day) { series { accountId points { at followers } gained } total { followers } } }`,
      { f: { profileId: 'prof_growth', from, to } },
    );
    expect(gql.body.errors).toBeUndefined();
    expect(gql.body.data.followerGrowth.total.map((p: any) => p.followers)).toEqual([0, 100, 115, 165, 190]);
    expect(gql.body.data.followerGrowth.series).toEqual(res.body.series.map((x: any) => ({ accountId: x.accountId, points: x.points, gained: x.gained })));
  });

  it('refuses bad ranges, too many buckets, foreign accounts and profiles; another team sees none of it', async () => {
    expectApiError(await s.request('GET', '/api/v1/analytics/followers?from=2026-11-05&to=2026-11-01'), 400, /from must be before to/);
    expectApiError(await s.request('GET', '/api/v1/analytics/followers?from=yesterday'), 400, /ISO 8601/);
    expectApiError(await s.request('GET', '/api/v1/analytics/followers?granularity=hour&from=2020-01-01&to=2026-01-01'), 400, /more than 1000 hours/);
    expectApiError(await s.request('GET', '/api/v1/analytics/followers?granularity=fortnight'), 400, /granularity must be one of/);
    const other = await s.createTeam('growth-other');
    expectApiError(await s.request('GET', '/api/v1/analytics/followers?accountId=acct_growth_a', { key: other.key }), 404, /No such account/);
    expectApiError(await s.request('GET', '/api/v1/analytics/followers?profileId=prof_growth', { key: other.key }), 404, /No such profile/);
    const theirs = await s.request('GET', '/api/v1/analytics/followers', { key: other.key });
    expect(theirs.body.series).toEqual([]);
  });

  it('GraphQL: refreshAnalytics answers typed results; a refresh within the minute is an error result', async () => {
    const acct = await sandboxAccount('acct_refresh_gql');
    const m = `mutation($id: ID) { refreshAnalytics(accountId: $id) { __typename ... on MutationRefreshAnalyticsSuccess { data { accounts { accountId followers snapshots error } skipped { accountId } } } ... on Error { code message } } }`;
    const first = await s.graphql(m, { id: acct.id });
    expect(first.body.errors).toBeUndefined();
    expect(first.body.data.refreshAnalytics.data.accounts[0]).toMatchObject({ accountId: acct.id, snapshots: 0, error: null });
    const second = await s.graphql(m, { id: acct.id });
    expect(second.body.data.refreshAnalytics).toMatchObject({ code: 'refresh_too_soon' });
    const missing = await s.graphql(m, { id: 'acct_nobody' });
    expect(missing.body.data.refreshAnalytics).toMatchObject({ __typename: 'NotFoundError', code: 'account_not_found' });
  });
  it('GraphQL refuses as REST does: a key without analytics:read, a foreign account, bad input; another team sees none of it', async () => {
    const mine = await sandboxAccount('acct_growth_gql', { profileId: 'prof_growth_gql' });
    await s.app.deps.prisma.followerSnapshot.create({ data: { teamId, accountId: mine.id, platform: 'sandbox', followers: 7, capturedAt: new Date(Date.now() - HOUR) } });
    const q = `query($id: ID, $f: AnalyticsFilterInput, $g: AnalyticsGranularity) { followerGrowth(accountId: $id, filter: $f, granularity: $g) { series { accountId points { followers } } } }`;
    const m = `mutation($id: ID) { refreshAnalytics(accountId: $id) { __typename ... on Error { code message } } }`;
    const narrow = await s.request('POST', '/api/v1/api-keys', { body: { name: 'content only (gql)', scopes: ['content:read'] } });
    const narrowKey = narrow.body.key ?? narrow.body.secret;
    const denied = await s.graphql(q, {}, { key: narrowKey });
    expect(denied.body.errors?.[0]?.extensions?.code, denied.text).toBe('missing_scope');
    const deniedM = await s.graphql(m, { id: mine.id }, { key: narrowKey });
    expect(JSON.stringify(deniedM.body), deniedM.text).toMatch(/analytics:read/);
    expect(deniedM.body.data?.refreshAnalytics?.__typename ?? deniedM.body.errors?.[0]?.extensions?.code).toMatch(/Forbidden|missing_scope/i);
    const other = await s.createTeam('growth-gql-other');
    const foreign = await s.graphql(q, { id: mine.id }, { key: other.key });
    expect(foreign.body.errors?.[0]?.extensions?.code, foreign.text).toBe('account_not_found');
    const foreignM = await s.graphql(m, { id: mine.id }, { key: other.key });
    expect(foreignM.body.data.refreshAnalytics).toMatchObject({ __typename: 'NotFoundError', code: 'account_not_found' });
    const backwards = await s.graphql(q, { f: { from: '2026-11-05T00:00:00Z', to: '2026-11-01T00:00:00Z' } });
    expect(backwards.body.errors?.[0]?.extensions?.code, backwards.text).toBe('invalid_request');
    expect(backwards.body.errors?.[0]?.message).toMatch(/from must be before to/);
    const tooMany = await s.graphql(q, { f: { from: '2020-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, g: 'hour' });
    expect(tooMany.body.errors?.[0]?.extensions?.code, tooMany.text).toBe('invalid_request');
    expect(tooMany.body.errors?.[0]?.message).toMatch(/more than 1000 hours/);
    const theirs = await s.graphql(q, {}, { key: other.key });
    expect(theirs.body.errors, theirs.text).toBeUndefined();
    expect(theirs.body.data.followerGrowth.series).toEqual([]);
    const own = await s.graphql(q, { id: mine.id });
    expect(own.body.data.followerGrowth.series[0].points.at(-1).followers).toBe(7);
  });
});

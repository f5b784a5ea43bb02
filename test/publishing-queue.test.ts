/**
 * The publishing queue / calendar and rescheduling, and updating or
 * reconnecting a social account (issue 20), over REST and GraphQL, with bad
 * input, foreign ids and missing scopes; X against its local fake.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';
import { makeProfile, teamOf, waitForBatch } from './helpers/content.js';
import { GOOD_TOKEN, startFakePlatforms, type FakePlatforms } from './helpers/fake-platforms.js';
import { expectApiError } from './helpers/errors.js';

let s: TestServer;
let fake: FakePlatforms;
let teamId: string;

beforeAll(async () => {
  fake = await startFakePlatforms();
  s = await startTestServer({ X_API_BASE_URL: fake.xBaseUrl, OUTBOUND_ALLOWED_HOSTS: '127.0.0.1', RATE_LIMIT_PER_MINUTE: '100000', JOB_POLL_MS: '50' });
  teamId = await teamOf(s);
});
afterAll(async () => {
  await s?.close();
  await fake?.close();
});

async function approvedItem(profileId: string) {
  const gen = await s.request('POST', '/api/v1/content/generate', { body: { profileId, count: 1 } });
  expect(gen.status, gen.text).toBe(202);
  const id = (await waitForBatch(s, gen.body.id)).items[0].id as string;
  expect((await s.request('POST', `/api/v1/content/${id}/approve`)).status).toBe(200);
  return id;
}

const hours = (h: number) => new Date(Date.now() + h * 3600_000).toISOString();

describe('publishing queue', () => {
  it('lists scheduled publications earliest first within from/to, filters by platform and status, pages, and reschedules', async () => {
    const p = await makeProfile(s.app.deps.prisma, teamId);
    const sb = await s.request('POST', '/api/v1/accounts', { body: { profileId: p.profileId, platform: 'sandbox', handle: 'queue' } });
    const items = [await approvedItem(p.profileId), await approvedItem(p.profileId), await approvedItem(p.profileId)];
    const at = [hours(30), hours(10), hours(20)];
    for (const [i, id] of items.entries()) expect((await s.request('POST', `/api/v1/content/${id}/publish`, { body: { scheduledAt: at[i] } })).status).toBe(202);
    const q = (qs: string) => s.request('GET', `/api/v1/publishing/queue?profileId=${p.profileId}&${qs}`);
    const all = await q('status=scheduled');
    expect(all.status, all.text).toBe(200);
    expect(all.body.data.map((r: any) => r.contentItem.id)).toEqual([items[1], items[2], items[0]]);
    expect(all.body.data[0]).toMatchObject({ status: 'scheduled', platform: 'sandbox', accountId: sb.body.id, format: 'image', plannedAt: at[1], scheduledAt: at[1] });
    expect((await q(`from=${encodeURIComponent(hours(15))}&to=${encodeURIComponent(hours(25))}`)).body.data.map((r: any) => r.contentItem.id)).toEqual([items[2]]);
    expect((await q('platform=x,instagram')).body.data).toEqual([]);
    const page1 = await q('limit=2');
    expect(page1.body).toMatchObject({ has_more: true, next_cursor: page1.body.data[1].id });
    const page2 = await q(`limit=2&starting_after=${page1.body.next_cursor}`);
    expect(page2.body.data.map((r: any) => r.contentItem.id)).toEqual([items[0]]);
    expect(page2.body.has_more).toBe(false);

    const pubId = all.body.data[2].id;
    const moved = await s.request('POST', `/api/v1/publications/${pubId}/reschedule`, { body: { scheduledAt: hours(5) } });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body).toMatchObject({ id: pubId, status: 'scheduled', plannedAt: expect.any(String) });
    expect((await q('status=scheduled')).body.data.map((r: any) => r.id)[0]).toBe(pubId);
    // A time already past: it goes out now.
    const now = await s.request('POST', `/api/v1/publications/${pubId}/reschedule`, { body: { scheduledAt: new Date(Date.now() - 60_000).toISOString() } });
    expect(now.body.status).toBe('queued');
    await expect.poll(async () => (await s.request('GET', `/api/v1/content/${items[0]}/publish/status`)).body.publications[0].status, { timeout: 60_000, interval: 200 }).toBe('published');
    expectApiError(await s.request('POST', `/api/v1/publications/${pubId}/reschedule`, { body: { scheduledAt: hours(3) } }), 409, /published/);
    // Cancelling is unpublish with the publication id: it leaves the calendar's scheduled view.
    const other = (await q('status=scheduled')).body.data[0];
    expect((await s.request('POST', `/api/v1/content/${other.contentItem.id}/unpublish`, { body: { publicationIds: [other.id] } })).status).toBe(200);
    expect((await q('status=cancelled')).body.data.map((r: any) => r.id)).toEqual([other.id]);
  });

  it('bad input 400, foreign ids 404, missing scope 403; GraphQL publishingQueue and reschedulePublication', async () => {
    const p = await makeProfile(s.app.deps.prisma, teamId);
    await s.request('POST', '/api/v1/accounts', { body: { profileId: p.profileId, platform: 'sandbox', handle: 'gq' } });
    const item = await approvedItem(p.profileId);
    const st = await s.request('POST', `/api/v1/content/${item}/publish`, { body: { scheduledAt: hours(48) } });
    const pubId = st.body.publications[0].id;
    expect(expectApiError(await s.request('GET', '/api/v1/publishing/queue?status=later'), 400, /status must be one or more/).param).toBe('status');
    expectApiError(await s.request('GET', '/api/v1/publishing/queue?platform=myspace'), 400, /platform must be one or more/);
    expectApiError(await s.request('GET', '/api/v1/publishing/queue?from=yesterday'), 400, /from must be an ISO 8601/);
    expectApiError(await s.request('GET', `/api/v1/publishing/queue?from=${hours(2)}&to=${hours(1)}`), 400, /from must be before to/);
    expectApiError(await s.request('GET', '/api/v1/publishing/queue?starting_after=pub_nope'), 400, /starting_after/);
    expectApiError(await s.request('POST', `/api/v1/publications/${pubId}/reschedule`, { body: {} }), 400, /scheduledAt is required/);
    expectApiError(await s.request('POST', `/api/v1/publications/${pubId}/reschedule`, { body: { scheduledAt: 'soon' } }), 400, /ISO 8601/);
    expectApiError(await s.request('POST', `/api/v1/publications/${pubId}/reschedule`, { body: { scheduledAt: hours(24 * 400) } }), 400, /within a year/);
    const other = await s.createTeam();
    expectApiError(await s.request('POST', `/api/v1/publications/${pubId}/reschedule`, { key: other.key, body: { scheduledAt: hours(3) } }), 404);
    expect((await s.request('GET', '/api/v1/publishing/queue', { key: other.key })).body.data).toEqual([]);
    const reader = await s.createKey(['content:read', 'profile:read']);
    expectApiError(await s.request('GET', '/api/v1/publishing/queue', { key: reader.key }), 403);
    expectApiError(await s.request('POST', `/api/v1/publications/${pubId}/reschedule`, { key: reader.key, body: { scheduledAt: hours(3) } }), 403);

    const gq = await s.graphql(`query($f: PublishingQueueFilter) { publishingQueue(first: 10, filter: $f) { edges { node { id status format plannedAt contentItem { id } } } } }`, { f: { profileId: p.profileId, statuses: ['scheduled'] } });
    expect(gq.body.data.publishingQueue.edges.map((e: any) => e.node.id), gq.text).toEqual([pubId]);
    const badGq = await s.graphql(`query { publishingQueue(first: 5, filter: { statuses: ["later"] }) { edges { node { id } } } }`);
    expect(badGq.body.errors![0].message).toMatch(/status must be one or more/);
    const m = await s.graphql(`mutation($id: ID!, $at: DateTime!) { reschedulePublication(id: $id, scheduledAt: $at) { __typename ... on MutationReschedulePublicationSuccess { data { id plannedAt } } ... on Error { message } } }`, { id: pubId, at: hours(6) });
    expect(m.body.data.reschedulePublication.data, m.text).toMatchObject({ id: pubId });
    const foreign = await s.graphql(`mutation($id: ID!, $at: DateTime!) { reschedulePublication(id: $id, scheduledAt: $at) { __typename ... on Error { message } } }`, { id: pubId, at: hours(6) }, { key: other.key });
    expect(foreign.body.data.reschedulePublication).toMatchObject({ __typename: 'NotFoundError' });
    const noScope = await s.graphql(`query { publishingQueue(first: 1) { edges { node { id } } } }`, {}, { key: reader.key });
    expect(noScope.body.errors?.length).toBeGreaterThan(0);
  });
});

describe('updating and reconnecting an account', () => {
  it('PATCH changes settings validated for the platform; reconnect replaces the token after X accepts it, and revives a disconnected account', async () => {
    const p = await makeProfile(s.app.deps.prisma, teamId);
    const sb = await s.request('POST', '/api/v1/accounts', { body: { profileId: p.profileId, platform: 'sandbox', handle: 'before' } });
    const up = await s.request('PATCH', `/api/v1/accounts/${sb.body.id}`, { body: { handle: 'after', displayName: 'After', config: { failPublishAttempts: 1 } } });
    expect(up.status, up.text).toBe(200);
    expect(up.body).toMatchObject({ id: sb.body.id, handle: '@after', displayName: 'After', config: { failPublishAttempts: 1 } });
    expect(expectApiError(await s.request('PATCH', `/api/v1/accounts/${sb.body.id}`, { body: { config: { failPublishAttempts: 99 } } }), 400).param).toBe('failPublishAttempts');
    expectApiError(await s.request('PATCH', `/api/v1/accounts/${sb.body.id}`, { body: { colour: 'red' } }), 400, /unknown field: colour/);

    const x = await s.request('POST', '/api/v1/accounts', { body: { profileId: p.profileId, platform: 'x', credentials: { accessToken: GOOD_TOKEN } } });
    expect(x.status, x.text).toBe(201);
    expectApiError(await s.request('PATCH', `/api/v1/accounts/${x.body.id}`, { body: { handle: 'mine' } }), 409, /the platform’s own/);
    expect((await s.request('DELETE', `/api/v1/accounts/${x.body.id}`)).body.status).toBe('disconnected');
    const wrong = expectApiError(await s.request('POST', `/api/v1/accounts/${x.body.id}/reconnect`, { body: { credentials: { accessToken: 'expired' } } }), 400, /x answered 401/);
    expect(wrong.param).toBe('credentials');
    expect((await s.request('GET', `/api/v1/accounts/${x.body.id}`)).body.status).toBe('disconnected');
    const again = await s.request('POST', `/api/v1/accounts/${x.body.id}/reconnect`, { body: { credentials: { accessToken: GOOD_TOKEN } } });
    expect(again.status, again.text).toBe(200);
    expect(again.body).toMatchObject({ id: x.body.id, status: 'connected', handle: '@mara_fake', disconnectedAt: null });
    expect(again.text).not.toContain(GOOD_TOKEN);
    const stored = await s.app.deps.prisma.socialAccount.findUnique({ where: { id: x.body.id } });
    expect(stored!.credentials).toBeTruthy();
    expect(stored!.credentials).not.toContain(GOOD_TOKEN);

    const other = await s.createTeam();
    expectApiError(await s.request('PATCH', `/api/v1/accounts/${sb.body.id}`, { key: other.key, body: { displayName: 'x' } }), 404);
    expectApiError(await s.request('POST', `/api/v1/accounts/${x.body.id}/reconnect`, { key: other.key, body: { credentials: { accessToken: GOOD_TOKEN } } }), 404);
    const reader = await s.createKey(['profile:read']);
    expectApiError(await s.request('PATCH', `/api/v1/accounts/${sb.body.id}`, { key: reader.key, body: { displayName: 'x' } }), 403);
    expectApiError(await s.request('POST', `/api/v1/accounts/${x.body.id}/reconnect`, { key: reader.key, body: {} }), 403);
  });

  it('GraphQL updateAccount and reconnectAccount', async () => {
    const p = await makeProfile(s.app.deps.prisma, teamId);
    const sb = await s.request('POST', '/api/v1/accounts', { body: { profileId: p.profileId, platform: 'sandbox', handle: 'gql' } });
    const up = await s.graphql(`mutation($id: ID!) { updateAccount(id: $id, input: { displayName: "From GraphQL" }) { __typename ... on MutationUpdateAccountSuccess { data { id displayName } } ... on Error { message } } }`, { id: sb.body.id });
    expect(up.body.data.updateAccount.data, up.text).toEqual({ id: sb.body.id, displayName: 'From GraphQL' });
    const bad = await s.graphql(`mutation($id: ID!) { updateAccount(id: $id, input: { config: { failWith: "boom" } }) { __typename ... on Error { message } } }`, { id: sb.body.id });
    expect(bad.body.data.updateAccount).toMatchObject({ __typename: 'ValidationError', message: expect.stringMatching(/failWith/) });
    await s.request('DELETE', `/api/v1/accounts/${sb.body.id}`);
    const re = await s.graphql(`mutation($id: ID!) { reconnectAccount(id: $id, input: {}) { __typename ... on MutationReconnectAccountSuccess { data { account { id status } } } ... on Error { message } } }`, { id: sb.body.id });
    expect(re.body.data.reconnectAccount.data, re.text).toEqual({ account: { id: sb.body.id, status: 'connected' } });
  });
});

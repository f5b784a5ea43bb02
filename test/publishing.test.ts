/**
 * Social accounts, publishing, social import and engagement (issue 5), over
 * real HTTP and graphql-ws: the sandbox and webhook platforms built in, and
 * X, TikTok and Instagram against local fakes of their APIs
 * (test/helpers/fake-platforms.ts). What users of comparable tools complain
 * about is checked directly: posts never sit queued without a visible state,
 * failures are shown with the platform's words, and retries never post twice
 * (not even when the server dies right after the platform took the post).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { Webhook } from 'standardwebhooks';
import { ADMIN_KEY, startTestServer, type TestServer } from './helpers/server.js';
import { makeProfile, teamOf, waitForBatch } from './helpers/content.js';
import { GOOD_TOKEN, startFakePlatforms, type FakePlatforms } from './helpers/fake-platforms.js';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver.js';
import { createTestDatabase, onceAcrossDatabases, testDatabaseKind } from './helpers/database.js';
import { freePort } from './helpers/net.js';
import { startServerProcess, until } from './helpers/process.js';
import { captureEngagement } from '../src/modules/engagement/service.js';

const SECRET_KEY = 'test-secret-key-0123456789abcdef0123456789';
let s: TestServer;
let fake: FakePlatforms;
let receiver: WebhookReceiver;
let teamId: string;
let platformEnv: Record<string, string>;

beforeAll(async () => {
  fake = await startFakePlatforms();
  receiver = await startWebhookReceiver();
  const port = await freePort();
  platformEnv = {
    X_API_BASE_URL: fake.xBaseUrl,
    TIKTOK_API_BASE_URL: fake.tiktokBaseUrl,
    INSTAGRAM_API_BASE_URL: fake.instagramBaseUrl,
    OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
    PUBLISH_BACKOFF_MS: '50',
    PUBLISH_MAX_ATTEMPTS: '3',
    PLATFORM_TIMEOUT_MS: '1500',
    RATE_LIMIT_PER_MINUTE: '100000',
    JOB_POLL_MS: '50',
  };
  s = await startTestServer({ ...platformEnv, PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}` });
  teamId = await teamOf(s);
});
afterAll(async () => {
  await s?.close();
  await fake?.close();
  await receiver?.close();
});

/** A profile with one generated, approved content item (embedded providers). */
async function approvedItem(profileId?: string) {
  const p = profileId ? { profileId } : await makeProfile(s.app.deps.prisma, teamId);
  const gen = await s.request('POST', '/api/v1/content/generate', { body: { profileId: p.profileId, count: 1 } });
  expect(gen.status, gen.text).toBe(202);
  const batch = await waitForBatch(s, gen.body.id);
  const id = batch.items[0].id as string;
  const ok = await s.request('POST', `/api/v1/content/${id}/approve`);
  expect(ok.status, ok.text).toBe(200);
  return { profileId: p.profileId, id };
}

async function connect(body: Record<string, unknown>, key?: string) {
  return s.request('POST', '/api/v1/accounts', { body, ...(key ? { key } : {}) });
}

async function waitForPublish(id: string, done = (st: any) => st.publications.every((p: any) => ['published', 'failed', 'cancelled', 'removed'].includes(p.status))) {
  await until(async () => done((await s.request('GET', `/api/v1/content/${id}/publish/status`)).body), `publications of ${id} to settle`);
  return (await s.request('GET', `/api/v1/content/${id}/publish/status`)).body;
}

describe('social accounts', () => {
  it('connects a sandbox account (201, never credentials), lists, filters, gets and disconnects it keeping its history', async () => {
    const p = await makeProfile(s.app.deps.prisma, teamId);
    const res = await connect({ profileId: p.profileId, platform: 'sandbox', handle: 'mara', credentials: { note: 'secret-value-123' } });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ profileId: p.profileId, platform: 'sandbox', handle: '@mara', status: 'connected' });
    expect(res.text).not.toContain('secret-value-123');
    const stored = await s.app.deps.prisma.socialAccount.findUnique({ where: { id: res.body.id } });
    expect(stored!.credentials).not.toContain('secret-value-123');
    const list = await s.request('GET', `/api/v1/accounts?profileId=${p.profileId}&platform=sandbox`);
    expect(list.body.data.map((a: any) => a.id)).toEqual([res.body.id]);
    expect(list.body).toMatchObject({ has_more: false, next_cursor: null });
    expect((await s.request('GET', `/api/v1/accounts/${res.body.id}`)).body.handle).toBe('@mara');
    expect((await connect({ profileId: p.profileId, platform: 'sandbox', handle: '@mara' })).status).toBe(409);
    const off = await s.request('DELETE', `/api/v1/accounts/${res.body.id}`);
    expect(off.body).toMatchObject({ status: 'disconnected' });
    expect((await s.app.deps.prisma.socialAccount.findUnique({ where: { id: res.body.id } }))!.credentials).toBeNull();
    expect((await s.request('GET', `/api/v1/accounts?profileId=${p.profileId}&status=disconnected`)).body.data).toHaveLength(1);
    const platforms = await s.request('GET', '/api/v1/accounts/platforms');
    expect(platforms.body.data.map((x: any) => x.platform)).toEqual(['sandbox', 'webhook', 'x', 'tiktok', 'instagram']);
  });

  it('refuses bad input: 400 bodies, the platform’s own reason for bad credentials, 404 foreign ids, 403 without the scope', async () => {
    const p = await makeProfile(s.app.deps.prisma, teamId);
    const bad = async (body: Record<string, unknown>, param: string) => {
      const r = await connect(body);
      expect(r.status, r.text).toBe(400);
      expect(r.body.error.param).toBe(param);
      return r.body.error.message as string;
    };
    expect(await bad({ profileId: p.profileId, platform: 'myspace', handle: 'x' }, 'platform')).toMatch(/platform must be one of/);
    expect(await bad({ profileId: p.profileId, platform: 'sandbox' }, 'handle')).toMatch(/handle is required/);
    expect(await bad({ profileId: p.profileId, platform: 'webhook', handle: 'hook', config: { url: 'http://169.254.169.254/latest' } }, 'config.url')).toBeTruthy();
    expect(await bad({ profileId: p.profileId, platform: 'sandbox', handle: 'a', config: { failPublishAttempts: 99 } }, 'failPublishAttempts')).toBeTruthy();
    expect(await bad({ profileId: p.profileId, platform: 'x', credentials: { accessToken: 'wrong' } }, 'credentials')).toMatch(/x answered 401: Unauthorized/);
    expect(await bad({ profileId: p.profileId, platform: 'instagram', credentials: { accessToken: 'wrong' } }, 'credentials')).toMatch(/Invalid OAuth access token/);
    expect(await bad({ profileId: p.profileId, platform: 'sandbox', handle: 'a', extra: 1 }, null as any)).toMatch(/unknown field: extra/);
    const other = await s.createTeam();
    expect((await connect({ profileId: p.profileId, platform: 'sandbox', handle: 'z' }, other.key)).status).toBe(404);
    const mine = await connect({ profileId: p.profileId, platform: 'sandbox', handle: 'z' });
    expect((await s.request('GET', `/api/v1/accounts/${mine.body.id}`, { key: other.key })).status).toBe(404);
    expect((await s.request('DELETE', `/api/v1/accounts/${mine.body.id}`, { key: other.key })).status).toBe(404);
    const reader = await s.createKey(['profile:read']);
    const denied = await connect({ profileId: p.profileId, platform: 'sandbox', handle: 'y' }, reader.key);
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toContain('profile:write');
    expect((await s.request('GET', '/api/v1/accounts', { key: (await s.createKey(['content:read'])).key })).status).toBe(403);
  });

  it('connects X, TikTok and Instagram accounts with the handle and id the platform reports', async () => {
    const p = await makeProfile(s.app.deps.prisma, teamId);
    const x = await connect({ profileId: p.profileId, platform: 'x', credentials: { accessToken: GOOD_TOKEN } });
    expect(x.body).toMatchObject({ handle: '@mara_fake', externalId: '42', displayName: 'Mara (fake X)' });
    const tt = await connect({ profileId: p.profileId, platform: 'tiktok', credentials: { accessToken: GOOD_TOKEN } });
    expect(tt.body).toMatchObject({ handle: '@mara_tt', externalId: 'tt-open-1' });
    const ig = await connect({ profileId: p.profileId, platform: 'instagram', credentials: { accessToken: GOOD_TOKEN } });
    expect(ig.body).toMatchObject({ handle: '@mara_ig', externalId: '17841400000000001' });
    expect(JSON.stringify([x.body, tt.body, ig.body])).not.toContain(GOOD_TOKEN);
  });
});

describe('publishing', () => {
  it('publishes an approved item to a sandbox account: 202 queued, then published once, with the attempt log, live status and webhook events', async () => {
    const item = await approvedItem();
    const acct = await connect({ profileId: item.profileId, platform: 'sandbox', handle: 'live' });
    const client = createClient({ url: s.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${ADMIN_KEY}` }, retryAttempts: 0 });
    const activeSubscriptions = async () => Number(/^graphql_subscriptions_active (\d+)/m.exec(await (await fetch(`${s.url}/metrics`)).text())?.[1]);
    const before = await activeSubscriptions();
    const events: any[] = [];
    const sub = new Promise<void>((resolve, reject) =>
      client.subscribe(
        { query: `subscription($id: ID!) { publishStatus(contentItemId: $id) { status itemStatus attempts platform url } }`, variables: { id: item.id } },
        { next: (m: any) => (m.errors ? reject(new Error(JSON.stringify(m.errors))) : (events.push(m.data.publishStatus), m.data.publishStatus.status === 'published' && resolve())), error: reject, complete: () => resolve() },
      ),
    );
    await until(async () => (await activeSubscriptions()) === before + 1, 'the status subscription to be live');
    const res = await s.request('POST', `/api/v1/content/${item.id}/publish`);
    expect(res.status, res.text).toBe(202);
    expect(res.body.publications).toHaveLength(1);
    expect(res.body.publications[0]).toMatchObject({ accountId: acct.body.id, platform: 'sandbox', status: 'queued' });
    await sub;
    await client.dispose();
    expect(events.map((e) => e.status)).toEqual(['queued', 'publishing', 'published']);
    expect(events.at(-1)).toMatchObject({ itemStatus: 'published', attempts: 1 });
    const st = await waitForPublish(item.id);
    expect(st.status).toBe('published');
    expect(st.publications[0]).toMatchObject({ status: 'published', attempts: 1, lastError: null });
    expect(st.publications[0].attemptLog).toEqual([expect.objectContaining({ attempt: 1, outcome: 'success' })]);
    const posts = await s.request('GET', `/api/v1/accounts/${acct.body.id}/posts`);
    expect(posts.body.data).toHaveLength(1);
    expect(posts.body.data[0].media[0].url).toMatch(/^\/api\/v1\/media\//);
    expect(st.publications[0].url).toBe(`/api/v1/accounts/${acct.body.id}/posts/${posts.body.data[0].id}`);
    const again = await s.request('POST', `/api/v1/content/${item.id}/publish`);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/already published/);
    const events2 = await s.app.deps.prisma.webhookEvent.findMany({ where: { teamId, type: { startsWith: 'publish.' } }, orderBy: { createdAt: 'asc' } });
    const mine = events2.filter((e) => (e.payload as any).contentItemId === item.id).map((e) => e.type);
    expect(mine).toEqual(['publish.started', 'publish.succeeded']);
  });

  it('retries a failing platform with backoff and posts exactly once; the log keeps each failure with the platform’s words', async () => {
    const item = await approvedItem();
    const acct = await connect({ profileId: item.profileId, platform: 'sandbox', handle: 'flaky', config: { failPublishAttempts: 2 } });
    expect((await s.request('POST', `/api/v1/content/${item.id}/publish`)).status).toBe(202);
    const st = await waitForPublish(item.id);
    expect(st.publications[0]).toMatchObject({ status: 'published', attempts: 3 });
    expect(st.publications[0].attemptLog.map((a: any) => [a.attempt, a.outcome, a.statusCode])).toEqual([
      [1, 'failure', 503],
      [2, 'failure', 503],
      [3, 'success', null],
    ]);
    expect(st.publications[0].attemptLog[0].error).toMatch(/sandbox is unavailable/);
    expect((await s.request('GET', `/api/v1/accounts/${acct.body.id}/posts`)).body.data).toHaveLength(1);
  });

  it('gives up after the last attempt with failed and the error shown; retry sends it again under the same key, never twice', async () => {
    const item = await approvedItem();
    const acct = await connect({ profileId: item.profileId, platform: 'sandbox', handle: 'down', config: { failPublishAttempts: 4 } });
    await s.request('POST', `/api/v1/content/${item.id}/publish`);
    const failed = await waitForPublish(item.id);
    expect(failed.status).toBe('publish_failed');
    expect(failed.publications[0]).toMatchObject({ status: 'failed', attempts: 3 });
    expect(failed.publications[0].lastError).toMatch(/sandbox is unavailable .*attempt 3/);
    const key = (await s.app.deps.prisma.publication.findFirst({ where: { contentItemId: item.id } }))!.idempotencyKey;
    const retry = await s.request('POST', `/api/v1/content/${item.id}/publish/retry`);
    expect(retry.status, retry.text).toBe(202);
    const done = await waitForPublish(item.id);
    expect(done.publications[0]).toMatchObject({ status: 'published' });
    expect((await s.app.deps.prisma.publication.findFirst({ where: { contentItemId: item.id } }))!.idempotencyKey).toBe(key);
    expect((await s.request('GET', `/api/v1/accounts/${acct.body.id}/posts`)).body.data).toHaveLength(1);
    expect((await s.request('POST', `/api/v1/content/${item.id}/publish/retry`)).status).toBe(409);
  });

  it('a refusal fails at once without retrying', async () => {
    const item = await approvedItem();
    await connect({ profileId: item.profileId, platform: 'sandbox', handle: 'no', config: { failPublishAttempts: 1, failWith: 'refused' } });
    await s.request('POST', `/api/v1/content/${item.id}/publish`);
    const st = await waitForPublish(item.id);
    expect(st.publications[0]).toMatchObject({ status: 'failed', attempts: 1 });
    expect(st.publications[0].lastError).toMatch(/refused/);
  });

  it('schedules for later, cancels with unpublish, and removes a published sandbox post', async () => {
    const item = await approvedItem();
    const acct = await connect({ profileId: item.profileId, platform: 'sandbox', handle: 'later' });
    const at = new Date(Date.now() + 3600_000).toISOString();
    const res = await s.request('POST', `/api/v1/content/${item.id}/publish`, { body: { scheduledAt: at } });
    expect(res.body.publications[0]).toMatchObject({ status: 'scheduled', scheduledAt: at });
    expect(res.body.status).toBe('scheduled');
    const off = await s.request('POST', `/api/v1/content/${item.id}/unpublish`);
    expect(off.status, off.text).toBe(200);
    expect(off.body.publications[0].status).toBe('cancelled');
    expect(off.body.status).toBe('approved');
    await s.request('POST', `/api/v1/content/${item.id}/publish`);
    await waitForPublish(item.id, (st) => st.publications.some((p: any) => p.status === 'published'));
    const removed = await s.request('POST', `/api/v1/content/${item.id}/unpublish`);
    expect(removed.body.publications.map((p: any) => p.status)).toEqual(['cancelled', 'removed']);
    const posts = await s.request('GET', `/api/v1/accounts/${acct.body.id}/posts`);
    expect(posts.body.data[0].deletedAt).not.toBeNull();
    expect((await s.request('POST', `/api/v1/content/${item.id}/unpublish`)).status).toBe(409);
  });

  it('refuses: items not approved (409 naming the status), no account (409), bad bodies (400), foreign and unknown ids (404), missing scope (403)', async () => {
    const p = await makeProfile(s.app.deps.prisma, teamId);
    const gen = await s.request('POST', '/api/v1/content/generate', { body: { profileId: p.profileId, count: 1 } });
    const item = (await waitForBatch(s, gen.body.id)).items[0];
    const pending = await s.request('POST', `/api/v1/content/${item.id}/publish`);
    expect(pending.status).toBe(409);
    expect(pending.body.error.message).toMatch(/content item is pending_review/);
    await s.request('POST', `/api/v1/content/${item.id}/approve`);
    const none = await s.request('POST', `/api/v1/content/${item.id}/publish`);
    expect(none.status).toBe(409);
    expect(none.body.error.code).toBe('no_connected_account');
    const gone = await connect({ profileId: p.profileId, platform: 'sandbox', handle: 'gone' });
    await s.request('DELETE', `/api/v1/accounts/${gone.body.id}`);
    const toGone = await s.request('POST', `/api/v1/content/${item.id}/publish`, { body: { accountIds: [gone.body.id] } });
    expect(toGone.status).toBe(409);
    expect(toGone.body.error).toMatchObject({ code: 'account_disconnected' });
    expect(toGone.body.error.message).toMatch(/disconnected; connect it again/);
    expect((await s.request('POST', `/api/v1/content/${item.id}/publish`)).body.error.code).toBe('no_connected_account');
    expect((await s.request('POST', `/api/v1/content/${item.id}/publish`, { body: { scheduledAt: 'tomorrow' } })).status).toBe(400);
    expect((await s.request('POST', `/api/v1/content/${item.id}/publish`, { body: { accountIds: [] } })).status).toBe(400);
    expect((await s.request('POST', `/api/v1/content/${item.id}/publish`, { body: { accountIds: ['acct_nope'] } })).status).toBe(404);
    expect((await s.request('POST', '/api/v1/content/ci_nope/publish')).status).toBe(404);
    const other = await s.createTeam();
    expect((await s.request('POST', `/api/v1/content/${item.id}/publish`, { key: other.key })).status).toBe(404);
    expect((await s.request('GET', `/api/v1/content/${item.id}/publish/status`, { key: other.key })).status).toBe(404);
    const writer = await s.createKey(['content:write', 'content:read']);
    const denied = await s.request('POST', `/api/v1/content/${item.id}/publish`, { key: writer.key });
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toContain('publishing:write');
    // An item with live publications cannot be edited or deleted.
    await connect({ profileId: p.profileId, platform: 'sandbox', handle: 'edit' });
    await s.request('POST', `/api/v1/content/${item.id}/publish`, { body: { scheduledAt: new Date(Date.now() + 3600_000).toISOString() } });
    const edit = await s.request('PUT', `/api/v1/content/${item.id}`, { body: { caption: 'new words' } });
    expect(edit.status).toBe(409);
    expect(edit.body.error.message).toMatch(/content item is scheduled/);
    expect((await s.request('DELETE', `/api/v1/content/${item.id}`)).status).toBe(409);
  });

  it('webhook accounts get each post signed the Standard Webhooks way, webhook-id = the idempotency key, the same on a retry', async () => {
    const item = await approvedItem();
    const acct = await connect({ profileId: item.profileId, platform: 'webhook', handle: 'hook', config: { url: receiver.url } });
    expect(acct.status, acct.text).toBe(201);
    expect(acct.body.secret).toMatch(/^whsec_/);
    receiver.secret = acct.body.secret;
    const before = receiver.received.length;
    receiver.failNext(1, 500);
    await s.request('POST', `/api/v1/content/${item.id}/publish`);
    const st = await waitForPublish(item.id);
    expect(st.publications[0]).toMatchObject({ status: 'published', attempts: 2 });
    const got = receiver.received.slice(before);
    expect(got).toHaveLength(2);
    const key = (await s.app.deps.prisma.publication.findFirst({ where: { contentItemId: item.id } }))!.idempotencyKey;
    expect(got.map((r) => r.id)).toEqual([key, key]);
    expect(got.every((r) => r.verified)).toBe(true);
    expect(got[1]!.payload).toMatchObject({ type: 'post.published', data: { idempotencyKey: key, handle: '@hook' } });
    const media = got[1]!.payload!.data.media[0];
    expect(media.url).toMatch(/\/api\/v1\/media\/.+\/public\?exp=\d+&sig=/);
    const image = await fetch(media.url);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect((await fetch(media.url.replace(/sig=[^&]+/, 'sig=forged'))).status).toBe(403);
    expect(new Webhook(acct.body.secret).verify(got[1]!.body, got[1]!.headers as Record<string, string>)).toBeTruthy();
  });
});

describe('X, TikTok and Instagram against their fakes', () => {
  it('X: uploads the image, tweets the caption, reads metrics, deletes on unpublish', async () => {
    const item = await approvedItem();
    const acct = await connect({ profileId: item.profileId, platform: 'x', credentials: { accessToken: GOOD_TOKEN } });
    await s.request('POST', `/api/v1/content/${item.id}/publish`);
    const st = await waitForPublish(item.id);
    expect(st.publications[0], JSON.stringify(st)).toMatchObject({ status: 'published', platform: 'x' });
    const tweet = fake.posts.x.find((p) => p.id === st.publications[0].externalId)!;
    expect(tweet.media).toHaveLength(1);
    expect(st.publications[0].url).toBe(`https://x.com/mara_fake/status/${tweet.id}`);
    expect(fake.requests.some((r) => r.platform === 'x' && r.path === '/2/media/upload')).toBe(true);
    const cap = await captureEngagement(s.app.deps, { teamId });
    expect(cap.failures).toEqual([]);
    const snap = await s.app.deps.prisma.engagementSnapshot.findFirst({ where: { publication: { accountId: acct.body.id } } });
    expect(snap).toMatchObject({ platform: 'x', likes: tweet.metrics.likes, views: tweet.metrics.views, comments: tweet.metrics.comments });
    const off = await s.request('POST', `/api/v1/content/${item.id}/unpublish`);
    expect(off.body.publications[0].status).toBe('removed');
    expect(tweet.deleted).toBe(true);
  });

  it('X: a tweet the platform made but whose answer never came (timeout) is found on the retry, not posted twice', async () => {
    const item = await approvedItem();
    await connect({ profileId: item.profileId, platform: 'x', credentials: { accessToken: GOOD_TOKEN } });
    const before = fake.posts.x.length;
    fake.holdNextPost('x');
    await s.request('POST', `/api/v1/content/${item.id}/publish`);
    const st = await waitForPublish(item.id);
    fake.release();
    expect(st.publications[0]).toMatchObject({ status: 'published', attempts: 2 });
    expect(st.publications[0].attemptLog[0].error).toMatch(/x did not answer within 1500 ms/);
    expect(fake.posts.x.length - before).toBe(1);
    expect(st.publications[0].externalId).toBe(fake.posts.x.at(-1)!.id);
  });

  it('TikTok pulls the image from a signed link and publishes a photo post; unpublish is refused as the API cannot delete', async () => {
    const item = await approvedItem();
    await connect({ profileId: item.profileId, platform: 'tiktok', credentials: { accessToken: GOOD_TOKEN } });
    await s.request('POST', `/api/v1/content/${item.id}/publish`);
    const st = await waitForPublish(item.id);
    expect(st.publications[0], JSON.stringify(st)).toMatchObject({ status: 'published', platform: 'tiktok' });
    const post = fake.posts.tiktok.find((p) => p.id === st.publications[0].externalId)!;
    expect(post.media[0]).toMatchObject({ contentType: 'image/png' });
    const off = await s.request('POST', `/api/v1/content/${item.id}/unpublish`);
    expect(off.status).toBe(409);
    expect(off.body.error.message).toMatch(/tiktok does not support deleting posts/);
  });

  it('Instagram makes a container from the signed image link and publishes it', async () => {
    const item = await approvedItem();
    await connect({ profileId: item.profileId, platform: 'instagram', credentials: { accessToken: GOOD_TOKEN } });
    await s.request('POST', `/api/v1/content/${item.id}/publish`);
    const st = await waitForPublish(item.id);
    expect(st.publications[0], JSON.stringify(st)).toMatchObject({ status: 'published', platform: 'instagram' });
    expect(st.publications[0].url).toBe(`https://www.instagram.com/p/${st.publications[0].externalId}/`);
    const cap = await captureEngagement(s.app.deps, { teamId });
    expect(cap.failures).toEqual([]);
  });

  it('a platform error that persists ends failed with the platform’s own words', async () => {
    const item = await approvedItem();
    await connect({ profileId: item.profileId, platform: 'x', credentials: { accessToken: GOOD_TOKEN } });
    fake.failNext('x', 10, 503);
    await s.request('POST', `/api/v1/content/${item.id}/publish`);
    const st = await waitForPublish(item.id);
    fake.failNext('x', 0, 503);
    expect(st.publications[0]).toMatchObject({ status: 'failed', attempts: 3 });
    expect(st.publications[0].lastError).toBe('x answered 503: Service Unavailable');
  });
});

describe('social import', () => {
  it('imports X posts page by page into the media library and voice corpus; a rerun adds nothing twice', async () => {
    const p = await makeProfile(s.app.deps.prisma, teamId);
    const acct = await connect({ profileId: p.profileId, platform: 'x', credentials: { accessToken: GOOD_TOKEN } });
    fake.seed('x', Array.from({ length: 12 }, (_, i) => ({ text: `Imported thought number ${i} #trail`, withImage: i % 2 === 0 })));
    const start = await s.request('POST', '/api/v1/social-import/x', { body: { accountId: acct.body.id, limit: 12 } });
    expect(start.status, start.text).toBe(202);
    expect(start.body).toMatchObject({ status: 'queued', platform: 'x', limit: 12 });
    let job: any;
    await until(async () => ['completed', 'failed'].includes((job = (await s.request('GET', `/api/v1/social-import/jobs/${start.body.id}`)).body).status), 'the import');
    expect(job).toMatchObject({ status: 'completed', imported: 12, skipped: 0, error: null });
    const media = await s.app.deps.prisma.mediaItem.count({ where: { profileId: p.profileId, source: 'imported' } });
    expect(media).toBe(6);
    const voice = await s.app.deps.prisma.profileVoiceSample.count({ where: { profileId: p.profileId, source: 'import' } });
    expect(voice).toBe(12);
    const pages = fake.requests.filter((r) => r.platform === 'x' && r.path.startsWith('/2/users/42/tweets') && r.path.includes('exclude'));
    expect(pages.length).toBeGreaterThan(0);
    const again = await s.request('POST', '/api/v1/social-import/x', { body: { accountId: acct.body.id, limit: 12 } });
    await until(async () => ['completed', 'failed'].includes((job = (await s.request('GET', `/api/v1/social-import/jobs/${again.body.id}`)).body).status), 'the second import');
    expect(job).toMatchObject({ status: 'completed', imported: 0, skipped: 12 });
    expect(await s.app.deps.prisma.mediaItem.count({ where: { profileId: p.profileId, source: 'imported' } })).toBe(6);
  });

  it('imports TikTok videos with cursor paging; Instagram is gated (403 feature_gated); bad input refused', async () => {
    const p = await makeProfile(s.app.deps.prisma, teamId);
    const acct = await connect({ profileId: p.profileId, platform: 'tiktok', credentials: { accessToken: GOOD_TOKEN } });
    fake.seed('tiktok', Array.from({ length: 25 }, (_, i) => ({ text: `tt clip ${i}` })));
    const start = await s.request('POST', '/api/v1/social-import/tiktok', { body: { accountId: acct.body.id, limit: 25 } });
    let job: any;
    await until(async () => ['completed', 'failed'].includes((job = (await s.request('GET', `/api/v1/social-import/jobs/${start.body.id}`)).body).status), 'the import');
    expect(job.status, JSON.stringify(job)).toBe('completed');
    expect(job.imported + job.skipped).toBe(25);
    const gated = await s.request('POST', '/api/v1/social-import/instagram', { body: { accountId: acct.body.id } });
    expect(gated.status).toBe(403);
    expect(gated.body.error.code).toBe('feature_gated');
    expect((await s.request('GET', '/api/v1/config/features')).body.publishing.instagramImport).toBe(false);
    expect((await s.request('POST', '/api/v1/social-import/x', { body: { accountId: acct.body.id } })).status).toBe(400);
    expect((await s.request('POST', '/api/v1/social-import/x', { body: { accountId: acct.body.id, limit: 501 } })).status).toBe(400);
    expect((await s.request('POST', '/api/v1/social-import/tiktok', { body: {} })).status).toBe(400);
    expect((await s.request('POST', '/api/v1/social-import/tiktok', { body: { accountId: 'acct_nope' } })).status).toBe(404);
    const other = await s.createTeam();
    expect((await s.request('GET', `/api/v1/social-import/jobs/${start.body.id}`, { key: other.key })).status).toBe(404);
    expect((await s.request('POST', '/api/v1/social-import/tiktok', { body: { accountId: acct.body.id }, key: (await s.createKey(['content:read'])).key })).status).toBe(403);
  });
});

describe('team events of the content pipeline', () => {
  it('a generated, approved or rejected item and a finished batch are emitted as webhook events once the change committed', async () => {
    const item = await approvedItem();
    const batchId = (await s.request('GET', `/api/v1/content/${item.id}`)).body.batchId;
    const events = await s.app.deps.prisma.webhookEvent.findMany({ where: { teamId }, orderBy: { createdAt: 'asc' } });
    const about = (e: (typeof events)[number]) => (e.payload as any).contentItemId === item.id || (e.payload as any).batchId === batchId;
    expect(events.filter(about).map((e) => e.type)).toEqual(['content.generated', 'batch.completed', 'content.approved']);
    expect(events.find((e) => e.type === 'batch.completed' && (e.payload as any).batchId === batchId)!.payload).toMatchObject({ status: 'completed', count: 1, completed: 1, failed: 0 });
    const p = await makeProfile(s.app.deps.prisma, teamId);
    const gen = await s.request('POST', '/api/v1/content/generate', { body: { profileId: p.profileId, count: 1 } });
    const other = (await waitForBatch(s, gen.body.id)).items[0];
    await s.request('POST', `/api/v1/content/${other.id}/reject`, { body: { reason: 'off brand' } });
    const rejected = await s.app.deps.prisma.webhookEvent.findFirst({ where: { teamId, type: 'content.rejected' }, orderBy: { createdAt: 'desc' } });
    expect(rejected!.payload).toMatchObject({ contentItemId: other.id, reason: 'off brand' });
  });
});

describe('engagement', () => {
  it('the sandbox produces engagement that grows with each capture', async () => {
    const item = await approvedItem();
    const acct = await connect({ profileId: item.profileId, platform: 'sandbox', handle: 'grow' });
    await s.request('POST', `/api/v1/content/${item.id}/publish`);
    const st = await waitForPublish(item.id);
    // Sandbox numbers grow with log(age): a few hundred milliseconds apart already differ.
    await new Promise((r) => setTimeout(r, 300));
    await captureEngagement(s.app.deps, { teamId });
    await new Promise((r) => setTimeout(r, 600));
    await captureEngagement(s.app.deps, { teamId });
    const snaps = await s.app.deps.prisma.engagementSnapshot.findMany({ where: { publicationId: st.publications[0].id }, orderBy: { capturedAt: 'asc' } });
    expect(snaps).toHaveLength(2);
    expect(snaps[1]!.impressions).toBeGreaterThan(snaps[0]!.impressions);
    expect(snaps[1]!.views).toBeGreaterThanOrEqual(snaps[0]!.views);
    expect(acct.body.platform).toBe('sandbox');
  });
});

describe('a server killed right after the platform took the post', () => {
  // Process-level and slow: once per run (on PostgreSQL when the run has it).
  it.runIf(onceAcrossDatabases())('finishes the publication after restart, exactly once on the platform', async () => {
    const kind = testDatabaseKind();
    const dir = await mkdtemp(path.join(tmpdir(), 'personagraph-publish-'));
    const db = kind === 'postgres' ? await createTestDatabase() : { url: `pglite:${path.join(dir, 'db')}`, drop: async () => {} };
    const port = await freePort();
    const env = { ...platformEnv, DATABASE_URL: db.url, BOOTSTRAP_API_KEY: ADMIN_KEY, SECRET_KEY, JOB_LEASE_MS: '4000', JOB_POLL_MS: '100', PLATFORM_TIMEOUT_MS: '30000', PUBLIC_BASE_URL: `http://127.0.0.1:${port}` };
    const setup = await startTestServer(env);
    const team = await teamOf(setup);
    const p = await makeProfile(setup.app.deps.prisma, team);
    const gen = await setup.request('POST', '/api/v1/content/generate', { body: { profileId: p.profileId, count: 1 } });
    const id = (await waitForBatch(setup, gen.body.id)).items[0].id;
    await setup.request('POST', `/api/v1/content/${id}/approve`);
    await setup.request('POST', '/api/v1/accounts', { body: { profileId: p.profileId, platform: 'x', credentials: { accessToken: GOOD_TOKEN } } });
    await setup.close();

    const proc = startServerProcess({ ...env, DATA_DIR: dir, PORT: String(port) });
    let second: TestServer | null = null;
    try {
      await until(() => proc.out().includes('personagraph is listening') || proc.child.exitCode !== null, 'the server process to start');
      const before = fake.posts.x.length;
      fake.holdNextPost('x');
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/content/${id}/publish`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      expect(res.status).toBe(202);
      // Once failed in a full run on a loaded 2-core machine (no tweet within 60 s; not reproduced alone or beside CPU
      // hogs); the lease is long enough that stalls there cannot expire it, and a timeout says what the server logged.
      await until(() => fake.posts.x.length === before + 1, 'the tweet to be made').catch((err: Error) => {
        throw new Error(`${err.message}; the server's log:\n${proc.out().slice(-4000)}`);
      });
      proc.child.kill('SIGKILL');
      await proc.exited;
      fake.release();
      second = await startTestServer({ ...env, PORT: String(port), DATA_DIR: dir });
      const st = await (async () => {
        await until(async () => (await second!.request('GET', `/api/v1/content/${id}/publish/status`)).body.publications?.[0]?.status === 'published', 'the publication to finish after restart');
        return (await second!.request('GET', `/api/v1/content/${id}/publish/status`)).body;
      })();
      expect(fake.posts.x.length).toBe(before + 1);
      expect(st.publications[0].externalId).toBe(fake.posts.x.at(-1)!.id);
      const state = await second.app.deps.prisma.publication.findFirst({ where: { contentItemId: id } });
      expect(state!.platformState).toMatchObject({ recovered: true });
    } finally {
      if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
      await second?.close();
      await db.drop();
    }
  }, 120_000);
});

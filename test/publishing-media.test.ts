/**
 * Publishing what a post is made of (issue 20): a video, several images (a
 * carousel) and per-platform text, each platform taking only what it allows
 * (the connectors' capabilities), refused with a 400 before anything is
 * sent; over REST and GraphQL against the local fakes of X, TikTok and
 * Instagram (test/helpers/fake-platforms.ts) on real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';
import { colourPng, makeProfile, teamOf, waitForBatch, waitForVideos } from './helpers/content.js';
import { GOOD_TOKEN, startFakePlatforms, type FakePlatforms } from './helpers/fake-platforms.js';
import { makeMp4 } from './helpers/fake-openai.js';
import { expectApiError } from './helpers/errors.js';
import { freePort } from './helpers/net.js';
import { until } from './helpers/process.js';
import { putBlob } from '../src/infra/blobs.js';

let s: TestServer;
let fake: FakePlatforms;
let teamId: string;

beforeAll(async () => {
  fake = await startFakePlatforms();
  const port = await freePort();
  s = await startTestServer({
    X_API_BASE_URL: fake.xBaseUrl,
    TIKTOK_API_BASE_URL: fake.tiktokBaseUrl,
    INSTAGRAM_API_BASE_URL: fake.instagramBaseUrl,
    OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
    PUBLISH_BACKOFF_MS: '50',
    PUBLISH_MAX_ATTEMPTS: '2',
    PLATFORM_TIMEOUT_MS: '3000',
    RATE_LIMIT_PER_MINUTE: '100000',
    JOB_POLL_MS: '50',
    PORT: String(port),
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
  });
  teamId = await teamOf(s);
});
afterAll(async () => {
  await s?.close();
  await fake?.close();
});

async function approvedItem(profileId?: string) {
  const p = profileId ? { profileId } : await makeProfile(s.app.deps.prisma, teamId);
  const gen = await s.request('POST', '/api/v1/content/generate', { body: { profileId: p.profileId, count: 1 } });
  expect(gen.status, gen.text).toBe(202);
  const batch = await waitForBatch(s, gen.body.id);
  const id = batch.items[0].id as string;
  expect((await s.request('POST', `/api/v1/content/${id}/approve`)).status).toBe(200);
  return { profileId: p.profileId, id };
}

const connect = (profileId: string, platform: string, extra: Record<string, unknown> = {}) =>
  s.request('POST', '/api/v1/accounts', { body: { profileId, platform, ...(platform === 'sandbox' ? { handle: `sb${Math.random().toString(36).slice(2, 8)}` } : { credentials: { accessToken: GOOD_TOKEN } }), ...extra } });

/** An MP4 video of the item, as a provider would have rendered it (the embedded one makes GIFs). */
async function mp4Video(itemId: string): Promise<string> {
  const blob = await putBlob(s.app.deps.prisma, { teamId, bytes: makeMp4(), kind: 'video', contentType: 'video/mp4', metadata: { provider: 'test', model: 'mp4' } });
  const id = `vid_${Math.random().toString(36).slice(2, 12)}`;
  await s.app.deps.prisma.contentVideo.create({ data: { id, teamId, contentItemId: itemId, status: 'completed', blobId: blob.id, params: {} } });
  return id;
}

async function images(n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await putBlob(s.app.deps.prisma, { teamId, bytes: colourPng([20 * i + 10, 90, 160]), kind: 'image', contentType: 'image/png', metadata: { source: 'upload' } })).id);
  return ids;
}

async function settled(id: string) {
  const done = (st: any) => st.publications.length > 0 && st.publications.every((p: any) => ['published', 'failed', 'cancelled', 'removed'].includes(p.status));
  await until(async () => done((await s.request('GET', `/api/v1/content/${id}/publish/status`)).body), `publications of ${id} to settle`);
  return (await s.request('GET', `/api/v1/content/${id}/publish/status`)).body;
}

describe('video', () => {
  it('publishes a video as an Instagram reel, a TikTok video and an X video (chunked upload), each fetched or uploaded whole', async () => {
    const item = await approvedItem();
    const ig = await connect(item.profileId, 'instagram');
    const tt = await connect(item.profileId, 'tiktok');
    const x = await connect(item.profileId, 'x');
    expect([ig.status, tt.status, x.status]).toEqual([201, 201, 201]);
    const videoId = await mp4Video(item.id);
    const res = await s.request('POST', `/api/v1/content/${item.id}/publish`, { body: { videoId, captions: { x: 'short words for X' } } });
    expect(res.status, res.text).toBe(202);
    expect(res.body.publications.map((p: any) => p.format)).toEqual(['video', 'video', 'video']);
    const st = await settled(item.id);
    for (const p of st.publications) expect(p, JSON.stringify(p)).toMatchObject({ status: 'published', format: 'video', videoId });
    const byPlatform = Object.fromEntries(st.publications.map((p: any) => [p.platform, p]));
    const reel = fake.posts.ig.find((p) => p.id === byPlatform.instagram.externalId)!;
    expect(reel).toMatchObject({ kind: 'REELS', media: [{ contentType: 'video/mp4', bytes: makeMp4().length }] });
    const tiktok = fake.posts.tiktok.find((p) => p.id === byPlatform.tiktok.externalId)!;
    expect(tiktok).toMatchObject({ kind: 'VIDEO', media: [{ contentType: 'video/mp4', bytes: makeMp4().length }] });
    expect(byPlatform.tiktok.url).toContain('/video/');
    const tweet = fake.posts.x.find((p) => p.id === byPlatform.x.externalId)!;
    expect(tweet).toMatchObject({ kind: 'video', text: 'short words for X', media: [{ contentType: 'video/mp4', bytes: makeMp4().length }] });
    expect(byPlatform.x.caption).toBe('short words for X');
    expect(fake.requests.some((r) => r.platform === 'x' && /^\/2\/media\/upload\/\d+\/finalize$/.test(r.path))).toBe(true);
  });

  it('defaults to the item’s newest completed video with format video; the embedded GIF video goes to X and the sandbox but Instagram refuses it with a 400 before anything is sent', async () => {
    const item = await approvedItem();
    const ig = await connect(item.profileId, 'instagram');
    const none = await s.request('POST', `/api/v1/content/${item.id}/publish`, { body: { format: 'video' } });
    expectApiError(none, 409, /no completed video/);
    const v = await s.request('POST', `/api/v1/content/${item.id}/video`, { body: { motion: 'zoom-in', durationSeconds: 4 } });
    expect(v.status, v.text).toBe(202);
    await waitForVideos(s, item.id, [v.body.id]);
    const sent = fake.requests.length;
    const refused = expectApiError(await s.request('POST', `/api/v1/content/${item.id}/publish`, { body: { format: 'video' } }), 400, /instagram does not take image\/gif video/);
    expect(refused.param).toBe('videoId');
    expect(fake.requests.length).toBe(sent);
    expect((await s.request('GET', `/api/v1/content/${item.id}/publish/status`)).body.publications).toEqual([]);
    await s.request('DELETE', `/api/v1/accounts/${ig.body.id}`);
    const sb = await connect(item.profileId, 'sandbox');
    await connect(item.profileId, 'x');
    const res = await s.request('POST', `/api/v1/content/${item.id}/publish`, { body: { format: 'video', captions: { x: 'a gif for X' } } });
    expect(res.status, res.text).toBe(202);
    const st = await settled(item.id);
    expect(st.publications.map((p: any) => [p.platform, p.status, p.videoId])).toEqual([
      ['sandbox', 'published', v.body.id],
      ['x', 'published', v.body.id],
    ]);
    const post = (await s.request('GET', `/api/v1/accounts/${sb.body.id}/posts`)).body.data[0];
    expect(post.media).toEqual([{ url: expect.stringMatching(/^\/api\/v1\/media\//), contentType: 'image/gif' }]);
  });
});

describe('carousel', () => {
  it('posts several images: an Instagram carousel, TikTok photos, an X post of up to 4 images', async () => {
    const item = await approvedItem();
    await connect(item.profileId, 'instagram');
    await connect(item.profileId, 'tiktok');
    await connect(item.profileId, 'x');
    const mediaIds = await images(3);
    const res = await s.request('POST', `/api/v1/content/${item.id}/publish`, { body: { mediaIds, captions: { x: 'three pictures' } } });
    expect(res.status, res.text).toBe(202);
    const st = await settled(item.id);
    for (const p of st.publications) expect(p, JSON.stringify(p)).toMatchObject({ status: 'published', format: 'carousel', media: mediaIds.map((id) => ({ id, url: `/api/v1/media/${id}` })) });
    const by = Object.fromEntries(st.publications.map((p: any) => [p.platform, p.externalId]));
    expect(fake.posts.ig.find((p) => p.id === by.instagram)).toMatchObject({ kind: 'CAROUSEL', media: [{}, {}, {}] });
    expect(fake.posts.tiktok.find((p) => p.id === by.tiktok)!.media).toHaveLength(3);
    expect(fake.posts.x.find((p) => p.id === by.x)).toMatchObject({ kind: 'photo', media: [{}, {}, {}] });
  });

  it('refuses what a platform does not take, naming it, before anything is sent: 5 images on X, 11 on Instagram, text alone on TikTok, a caption too long for X', async () => {
    const item = await approvedItem();
    const x = await connect(item.profileId, 'x');
    const sent = fake.requests.length;
    const five = await images(5);
    expect(expectApiError(await s.request('POST', `/api/v1/content/${item.id}/publish`, { body: { mediaIds: five, captions: { x: 'ok' } } }), 400, /x does not take 5 images in one post \(at most 4\)/).param).toBe('mediaIds');
    expect(expectApiError(await s.request('POST', `/api/v1/content/${item.id}/publish`, { body: { captions: { x: 'y'.repeat(281) } } }), 400, /281 characters; x takes at most 280/).param).toBe('captions.x');
    await s.request('DELETE', `/api/v1/accounts/${x.body.id}`);
    const ig = await connect(item.profileId, 'instagram');
    const eleven = [...five, ...(await images(6))];
    expectApiError(await s.request('POST', `/api/v1/content/${item.id}/publish`, { body: { mediaIds: eleven } }), 400, /instagram does not take 11 images in one post \(at most 10\)/);
    expect(expectApiError(await s.request('POST', `/api/v1/content/${item.id}/publish`, { body: { format: 'text' } }), 400, /instagram does not take text-only posts/).param).toBe('format');
    await s.request('DELETE', `/api/v1/accounts/${ig.body.id}`);
    await connect(item.profileId, 'tiktok');
    expectApiError(await s.request('POST', `/api/v1/content/${item.id}/publish`, { body: { format: 'text' } }), 400, /tiktok does not take text-only posts/);
    expect(fake.requests.filter((r) => r.method === 'POST').length).toBe(fake.requests.slice(0, sent).filter((r) => r.method === 'POST').length);
    expect((await s.request('GET', `/api/v1/content/${item.id}/publish/status`)).body.publications).toEqual([]);
  });
});

describe('per-platform text', () => {
  it('sends each platform its own caption and the item’s caption elsewhere; dryRun shows each', async () => {
    const item = await approvedItem();
    const sb = await connect(item.profileId, 'sandbox');
    await connect(item.profileId, 'x');
    const caption = (await s.request('GET', `/api/v1/content/${item.id}`)).body.caption as string;
    const dry = await s.request('POST', `/api/v1/content/${item.id}/publish`, { body: { dryRun: true, captions: { x: 'for X only' } } });
    expect(dry.status, dry.text).toBe(200);
    expect(dry.body).toMatchObject({ dryRun: true, format: 'image', accounts: [{ platform: 'sandbox', caption }, { platform: 'x', caption: 'for X only' }] });
    expect((await s.request('POST', `/api/v1/content/${item.id}/publish`, { body: { captions: { x: 'for X only' } } })).status).toBe(202);
    const st = await settled(item.id);
    expect(st.publications.map((p: any) => [p.platform, p.status, p.caption])).toEqual([
      ['sandbox', 'published', null],
      ['x', 'published', 'for X only'],
    ]);
    expect(fake.posts.x.find((p) => p.id === st.publications[1].externalId)!.text).toBe('for X only');
    expect((await s.request('GET', `/api/v1/accounts/${sb.body.id}/posts`)).body.data[0].caption).toBe(caption);
  });

  it('text-only posts to X and the sandbox', async () => {
    const item = await approvedItem();
    await connect(item.profileId, 'x');
    const res = await s.request('POST', `/api/v1/content/${item.id}/publish`, { body: { format: 'text', captions: { x: 'words alone' } } });
    expect(res.status, res.text).toBe(202);
    const st = await settled(item.id);
    expect(st.publications[0]).toMatchObject({ status: 'published', format: 'text', media: [] });
    expect(fake.posts.x.find((p) => p.id === st.publications[0].externalId)).toMatchObject({ kind: 'text', media: [], text: 'words alone' });
  });
});

describe('bad input, foreign ids, scope', () => {
  it('400 for bad bodies, 404 for another team’s video or media, 403 without publishing:write', async () => {
    const item = await approvedItem();
    await connect(item.profileId, 'sandbox');
    const post = (body: unknown, key?: string) => s.request('POST', `/api/v1/content/${item.id}/publish`, { body, ...(key ? { key } : {}) });
    expect(expectApiError(await post({ format: 'reel' }), 400, /format must be one of text, image, carousel, video/).param).toBe('format');
    expectApiError(await post({ mediaIds: [] }), 400, /at least one image/);
    expectApiError(await post({ mediaIds: ['a', 'a'] }), 400, /must not repeat/);
    expectApiError(await post({ captions: { myspace: 'hi' } }), 400, /captions keys must be platforms/);
    expectApiError(await post({ captions: { x: 5 } }), 400, /captions values must be strings/);
    expectApiError(await post({ videoId: 'v', mediaIds: ['m'] }), 400, /not both/);
    expectApiError(await post({ format: 'carousel' }), 400, /a carousel needs its images/);
    expectApiError(await post({ format: 'carousel', mediaIds: (await images(1)) }), 400, /at least 2 images/);
    const audio = await putBlob(s.app.deps.prisma, { teamId, bytes: Buffer.from('ID3fakeaudio'), kind: 'audio', contentType: 'audio/mpeg', metadata: { source: 'upload' } });
    expectApiError(await post({ mediaIds: [audio.id] }), 400, /mediaIds\[0\] is an audio file/);
    const other = await s.createTeam();
    const otherTeam = await teamOf(s, other.key);
    const foreignBlob = await putBlob(s.app.deps.prisma, { teamId: otherTeam, bytes: colourPng([1, 2, 3]), kind: 'image', contentType: 'image/png', metadata: { source: 'upload' } });
    expectApiError(await post({ mediaIds: [foreignBlob.id] }), 404, /No media/);
    const otherItem = await approvedItem();
    const foreignVideo = await mp4Video(otherItem.id);
    expectApiError(await post({ videoId: foreignVideo }), 404, /No such video/);
    expectApiError(await post({ videoId: 'vid_nope' }), 404, /No such video/);
    expectApiError(await post({}, other.key), 404);
    const reader = await s.createKey(['content:read']);
    expectApiError(await post({}, reader.key), 403);
    expect((await s.request('GET', `/api/v1/content/${item.id}/publish/status`)).body.publications).toEqual([]);
  });
});

describe('GraphQL', () => {
  it('publishContent takes format, videoId, mediaIds and per-platform captions; refusals are typed errors', async () => {
    const item = await approvedItem();
    await connect(item.profileId, 'x');
    const mediaIds = await images(2);
    const m = `mutation($id: ID!, $input: PublishContentInput) { publishContent(contentItemId: $id, input: $input) {
      __typename ... on MutationPublishContentSuccess { data { id format mediaIds caption } } ... on Error { message } } }`;
    const bad = await s.graphql(m, { id: item.id, input: { mediaIds: [...mediaIds, ...(await images(3))], captions: [{ platform: 'x', text: 'hi' }] } });
    expect(bad.body.data.publishContent.message, bad.text).toMatch(/x does not take 5 images/);
    const twice = await s.graphql(m, { id: item.id, input: { captions: [{ platform: 'x', text: 'a' }, { platform: 'x', text: 'b' }] } });
    expect(twice.body.data.publishContent.message).toMatch(/captions name x twice/);
    const res = await s.graphql(m, { id: item.id, input: { mediaIds, captions: [{ platform: 'x', text: 'two from GraphQL' }] } });
    expect(res.body.data.publishContent.data, res.text).toEqual([{ id: expect.any(String), format: 'carousel', mediaIds, caption: 'two from GraphQL' }]);
    const st = await settled(item.id);
    expect(fake.posts.x.find((p) => p.id === st.publications[0].externalId)).toMatchObject({ text: 'two from GraphQL', media: [{}, {}] });
  });
});

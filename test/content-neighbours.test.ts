/**
 * The content pipeline's neighbours (issue 20) over REST and GraphQL, real
 * HTTP and graphql-ws, embedded providers: batches listed and cancelled,
 * items from the team's own media, media uploaded, listed and deleted,
 * import jobs listed, videos listed, deleted and a comparison's winner
 * chosen, a preview made an influencer, a collaboration's batch. Each path:
 * good input, bad input, another team's ids (404) and a key without the scope (403).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { startTestServer, type TestServer } from './helpers/server.js';
import { colourPng, makeProfile, teamOf, waitForBatch } from './helpers/content.js';
import { expectApiError } from './helpers/errors.js';
import { runOverWs } from './helpers/ws.js';
import { putBlob } from '../src/infra/blobs.js';

let s: TestServer;
let teamId: string;
let other: { teamId: string; key: string };
let readKey: string;
let writeKey: string;
let generateKey: string;
let profileReadKey: string;
const clients: Client[] = [];
const hex = () => randomBytes(8).toString('hex');

beforeAll(async () => {
  s = await startTestServer({ RATE_LIMIT_PER_MINUTE: '100000', JOB_POLL_MS: '50' });
  teamId = await teamOf(s);
  readKey = (await s.createKey(['content:read'])).key;
  writeKey = (await s.createKey(['content:write'])).key;
  generateKey = (await s.createKey(['content:generate', 'content:read'])).key;
  profileReadKey = (await s.createKey(['profile:read'])).key;
  other = await s.createTeam('rival');
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await s?.close();
});

const prisma = () => s.app.deps.prisma;

/** A batch as a job would leave it midway: one item made, one still generating (no job: nothing will finish it). */
async function pendingBatch(profileId: string, influencerId: string | null) {
  const batchId = `batch_${hex()}`;
  await prisma().batch.create({ data: { id: batchId, teamId, profileId, count: 2, status: 'generating', completed: 1, options: { startedAt: new Date().toISOString() } } });
  const made = `ci_${hex()}`;
  const pending = `ci_${hex()}`;
  await prisma().contentItem.createMany({
    data: [
      { id: made, teamId, batchId, position: 0, profileId, influencerId, status: 'pending_review', caption: 'made', metadata: { batchSeq: 1, batchOutcome: 'pending_review', batchCompleted: 1, batchFailed: 0, finishedAt: new Date().toISOString() } },
      { id: pending, teamId, batchId, position: 1, profileId, influencerId, status: 'generating' },
    ],
  });
  return { batchId, made, pending };
}

describe('batches: list and cancel', () => {
  it('lists the team’s batches with filters, cancels a pending one (made items kept), and refuses an ended one with 409', async () => {
    const p = await makeProfile(prisma(), teamId);
    const res = await s.request('POST', '/api/v1/content/generate', { body: { profileId: p.profileId, count: 1 } });
    expect(res.status, res.text).toBe(202);
    const done = await waitForBatch(s, res.body.id);
    expect(done.status).toBe('completed');

    const list = await s.request('GET', `/api/v1/batches?influencerId=${p.influencerId}`, { key: readKey });
    expect(list.status, list.text).toBe(200);
    expect(list.body.data.map((b: any) => b.id)).toEqual([res.body.id]);
    expect(list.body).toMatchObject({ has_more: false, next_cursor: null });
    expect((await s.request('GET', '/api/v1/batches?status=cancelled', { key: readKey })).body.data.map((b: any) => b.id)).not.toContain(res.body.id);
    expectApiError(await s.request('GET', '/api/v1/batches?status=nope'), 400, /status must be one of/);
    expectApiError(await s.request('GET', '/api/v1/batches?limit=0'), 400, /limit/);

    expectApiError(await s.request('POST', `/api/v1/batches/${res.body.id}/cancel`, { key: generateKey }), 409, /batch is completed/);

    const b = await pendingBatch(p.profileId, p.influencerId);
    expectApiError(await s.request('POST', `/api/v1/batches/${b.batchId}/cancel`, { key: other.key }), 404);
    expectApiError(await s.request('POST', `/api/v1/batches/${b.batchId}/cancel`, { key: readKey }), 403, /content:generate/);
    const cancelled = await s.request('POST', `/api/v1/batches/${b.batchId}/cancel`, { key: generateKey });
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.body).toMatchObject({ id: b.batchId, status: 'cancelled', completed: 1 });
    expect(cancelled.body.itemIds).toEqual([b.made]);
    expect(await prisma().contentItem.findUnique({ where: { id: b.pending } })).toBeNull();
    expectApiError(await s.request('POST', `/api/v1/batches/${b.batchId}/cancel`, { key: generateKey }), 409, /batch is cancelled/);
    expect((await s.request('GET', '/api/v1/batches?status=cancelled', { key: readKey })).body.data.map((x: any) => x.id)).toContain(b.batchId);

    // The batch's stream ends with cancelled.
    const c = createClient({ url: s.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${readKey}` }, retryAttempts: 0 });
    clients.push(c);
    const last = await runOverWs(c, `subscription { batchProgress(batchId: "${b.batchId}") { type status seq } }`);
    expect(last.data?.batchProgress).toMatchObject({ type: 'cancelled', status: 'cancelled', seq: 6 });
  });

  it('over GraphQL: batches(filter) and cancelBatch, another team’s id not found, a read key refused', async () => {
    const p = await makeProfile(prisma(), teamId);
    const b = await pendingBatch(p.profileId, p.influencerId);
    const q = await s.graphql(`{ batches(filter: { profileId: "${p.profileId}" }) { edges { node { id status } } } }`, {}, { key: readKey });
    expect(q.body.data?.batches.edges.map((e: any) => e.node)).toEqual([{ id: b.batchId, status: 'generating' }]);
    const bad = await s.graphql(`{ batches(filter: { status: "nope" }) { edges { node { id } } } }`, {}, { key: readKey });
    expect(bad.body.errors?.[0].message).toMatch(/status must be one of/);
    const M = `mutation($id: ID!) { cancelBatch(id: $id) { __typename ... on MutationCancelBatchSuccess { data { id status items { id } } } ... on Error { message } } }`;
    const foreign = await s.graphql(M, { id: b.batchId }, { key: other.key });
    expect(foreign.body.data?.cancelBatch).toMatchObject({ __typename: 'NotFoundError' });
    const denied = await s.graphql(M, { id: b.batchId }, { key: readKey });
    expect(JSON.stringify(denied.body)).toMatch(/content:generate/);
    const okRes = await s.graphql(M, { id: b.batchId }, { key: generateKey });
    expect(okRes.body.data?.cancelBatch.data).toEqual({ id: b.batchId, status: 'cancelled', items: [{ id: b.made }] });
  });
});

describe('media: upload, list, delete; content items from own media', () => {
  it('uploads (sniffed), lists by kind, refuses what is not media, deletes only what nothing uses', async () => {
    const png = colourPng([10, 200, 30]);
    const up = await s.request('POST', '/api/v1/media', { key: writeKey, rawBody: png, headers: { 'Content-Type': 'image/png' } });
    expect(up.status, up.text).toBe(201);
    expect(up.body).toMatchObject({ kind: 'image', contentType: 'image/png', size: png.length, source: 'upload' });
    expectApiError(await s.request('POST', '/api/v1/media', { key: writeKey, rawBody: 'hello, not an image', headers: { 'Content-Type': 'image/png' } }), 415);
    expectApiError(await s.request('POST', '/api/v1/media', { key: writeKey, rawBody: 'x', headers: { 'Content-Type': 'text/plain' } }), 415);
    expectApiError(await s.request('POST', '/api/v1/media', { key: readKey, rawBody: png, headers: { 'Content-Type': 'image/png' } }), 403);

    const list = await s.request('GET', '/api/v1/media?kind=image&limit=100', { key: readKey });
    expect(list.status, list.text).toBe(200);
    expect(list.body.data.map((m: any) => m.id)).toContain(up.body.id);
    expect((await s.request('GET', '/api/v1/media?kind=video', { key: readKey })).body.data.map((m: any) => m.id)).not.toContain(up.body.id);
    expect((await s.request('GET', '/api/v1/media', { key: other.key })).body.data.map((m: any) => m.id)).not.toContain(up.body.id);
    expectApiError(await s.request('GET', '/api/v1/media?kind=pdf', { key: readKey }), 400, /kind must be one of/);
    expectApiError(await s.request('GET', '/api/v1/media', { key: profileReadKey }), 403);

    // Used by a content item: 409; once the item is gone, deletable.
    const p = await makeProfile(prisma(), teamId);
    const item = await s.request('POST', '/api/v1/content', { key: writeKey, body: { profileId: p.profileId, mediaId: up.body.id, caption: 'my own shot' } });
    expect(item.status, item.text).toBe(201);
    expect(item.body).toMatchObject({ status: 'pending_review', caption: 'my own shot', imageUrl: up.body.url, influencerId: p.influencerId, batchId: null });
    expectApiError(await s.request('DELETE', `/api/v1/media/${up.body.id}`, { key: other.key }), 404);
    expectApiError(await s.request('DELETE', `/api/v1/media/${up.body.id}`, { key: readKey }), 403);
    expectApiError(await s.request('DELETE', `/api/v1/media/${up.body.id}`, { key: writeKey }), 409, new RegExp(`content item ${item.body.id}`));
    expect((await s.request('DELETE', `/api/v1/content/${item.body.id}`, { key: writeKey })).status).toBe(200);
    const del = await s.request('DELETE', `/api/v1/media/${up.body.id}`, { key: writeKey });
    expect(del.status, del.text).toBe(200);
    expect((await s.request('GET', `/api/v1/media/${up.body.id}`, { key: readKey })).status).toBe(404);
  });

  it('POST /api/v1/content: multipart upload or mediaId; bad, foreign and unscoped requests refused', async () => {
    const p = await makeProfile(prisma(), teamId);
    const form = new FormData();
    form.append('profileId', p.profileId);
    form.append('caption', 'uploaded with it');
    form.append('file', new Blob([new Uint8Array(colourPng([1, 2, 3]))], { type: 'image/png' }), 'me.png');
    const res = await fetch(`${s.url}/api/v1/content`, { method: 'POST', headers: { authorization: `Bearer ${writeKey}` }, body: form });
    const body = (await res.json()) as any;
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(body).toMatchObject({ profileId: p.profileId, status: 'pending_review', caption: 'uploaded with it' });
    const img = await fetch(s.url + body.imageUrl, { headers: { authorization: `Bearer ${readKey}` } });
    expect(img.headers.get('content-type')).toBe('image/png');

    expectApiError(await s.request('POST', '/api/v1/content', { key: writeKey, body: { profileId: p.profileId } }), 400, /mediaId/);
    expectApiError(await s.request('POST', '/api/v1/content', { key: writeKey, body: { mediaId: 'x.png' } }), 400);
    const theirs = await putBlob(prisma(), { teamId: other.teamId, bytes: colourPng([5, 5, 5]), kind: 'image', contentType: 'image/png' });
    expectApiError(await s.request('POST', '/api/v1/content', { key: writeKey, body: { profileId: p.profileId, mediaId: theirs.id } }), 404);
    const mine = await putBlob(prisma(), { teamId, bytes: colourPng([5, 5, 5]), kind: 'image', contentType: 'image/png' });
    expectApiError(await s.request('POST', '/api/v1/content', { key: other.key, body: { profileId: p.profileId, mediaId: mine.id } }), 404);
    expectApiError(await s.request('POST', '/api/v1/content', { key: readKey, body: { profileId: p.profileId, mediaId: mine.id } }), 403);

    const g = await s.graphql(
      `mutation($p: ID!, $m: ID!) { createContentItem(profileId: $p, mediaId: $m, caption: "gql") { __typename ... on MutationCreateContentItemSuccess { data { status caption } } ... on Error { message } } }`,
      { p: p.profileId, m: mine.id },
      { key: writeKey },
    );
    expect(g.body.data?.createContentItem).toEqual({ __typename: 'MutationCreateContentItemSuccess', data: { status: 'pending_review', caption: 'gql' } });
  });

  it('over GraphQL: uploadMedia (base64), mediaFiles, deleteMedia', async () => {
    const b64 = colourPng([9, 9, 9]).toString('base64');
    const up = await s.graphql(`mutation($d: String!) { uploadMedia(dataBase64: $d, filename: "a.png") { __typename ... on MutationUploadMediaSuccess { data { id kind contentType } } ... on Error { message } } }`, { d: b64 }, { key: writeKey });
    const id = up.body.data?.uploadMedia.data.id;
    expect(up.body.data?.uploadMedia.data).toMatchObject({ kind: 'image', contentType: 'image/png' });
    const bad = await s.graphql(`mutation { uploadMedia(dataBase64: "!!!") { __typename ... on Error { message } } }`, {}, { key: writeKey });
    expect(bad.body.data?.uploadMedia).toMatchObject({ __typename: 'ValidationError' });
    const list = await s.graphql(`{ mediaFiles(kind: "image", first: 100) { edges { node { id } } } }`, {}, { key: readKey });
    expect(list.body.data?.mediaFiles.edges.map((e: any) => e.node.id)).toContain(id);
    const D = `mutation($id: ID!) { deleteMedia(id: $id) { __typename ... on MutationDeleteMediaSuccess { data { id } } } }`;
    expect((await s.graphql(D, { id }, { key: other.key })).body.data?.deleteMedia.__typename).toBe('NotFoundError');
    expect((await s.graphql(D, { id }, { key: readKey })).body.data?.deleteMedia.__typename).toBe('ForbiddenError');
    expect((await s.graphql(D, { id }, { key: writeKey })).body.data?.deleteMedia).toEqual({ __typename: 'MutationDeleteMediaSuccess', data: { id } });
  });
});

describe('social import jobs list', () => {
  it('lists the team’s import jobs, filtered; not another team’s; bad filters and unscoped keys refused', async () => {
    const p = await makeProfile(prisma(), teamId);
    const accountId = `acct_${hex()}`;
    await prisma().socialAccount.create({ data: { id: accountId, teamId, profileId: p.profileId, platform: 'x', handle: `h${hex()}`, status: 'connected', credentials: '' } as never });
    const ids = [`imp_${hex()}`, `imp_${hex()}`];
    for (const [i, id] of ids.entries()) {
      await prisma().socialImport.create({ data: { id, teamId, accountId, profileId: p.profileId, platform: 'x', status: i ? 'completed' : 'failed' } });
    }
    const list = await s.request('GET', `/api/v1/social-import/jobs?accountId=${accountId}&limit=1`, { key: readKey });
    expect(list.status, list.text).toBe(200);
    expect(list.body).toMatchObject({ has_more: true, next_cursor: ids[1] });
    const next = await s.request('GET', `/api/v1/social-import/jobs?accountId=${accountId}&starting_after=${ids[1]}`, { key: readKey });
    expect(next.body.data.map((j: any) => j.id)).toEqual([ids[0]]);
    expect((await s.request('GET', `/api/v1/social-import/jobs?status=completed&accountId=${accountId}`, { key: readKey })).body.data.map((j: any) => j.id)).toEqual([ids[1]]);
    expect((await s.request('GET', '/api/v1/social-import/jobs', { key: other.key })).body.data).toEqual([]);
    expectApiError(await s.request('GET', `/api/v1/social-import/jobs?starting_after=${ids[1]}`, { key: other.key }), 400, /starting_after/);
    expectApiError(await s.request('GET', '/api/v1/social-import/jobs?status=done', { key: readKey }), 400);
    expectApiError(await s.request('GET', '/api/v1/social-import/jobs', { key: profileReadKey }), 403, /content:read/);
    const g = await s.graphql(`{ socialImports(filter: { accountId: "${accountId}" }) { edges { node { id status } } } }`, {}, { key: readKey });
    expect(g.body.data?.socialImports.edges.map((e: any) => e.node.id)).toEqual([ids[1], ids[0]]);
  });
});

describe('videos: list, delete, a comparison’s winner', () => {
  async function comparison() {
    const p = await makeProfile(prisma(), teamId);
    const blob = await putBlob(prisma(), { teamId, bytes: colourPng([3, 3, 3]), kind: 'image', contentType: 'image/png' });
    const itemId = `ci_${hex()}`;
    await prisma().contentItem.create({ data: { id: itemId, teamId, profileId: p.profileId, status: 'approved', imageBlobId: blob.id } });
    const cmp = `cmp_${hex()}`;
    const vids = [`vid_${hex()}`, `vid_${hex()}`, `vid_${hex()}`];
    const statuses = ['completed', 'completed', 'rendering'];
    for (const [i, id] of vids.entries()) {
      await prisma().contentVideo.create({ data: { id, teamId, contentItemId: itemId, comparisonId: cmp, variant: 'ABC'[i]!, status: statuses[i]!, params: { motion: 'zoom-in', durationSeconds: 4 } } });
    }
    return { itemId, cmp, vids };
  }

  it('REST: lists by comparison, chooses and changes the winner, refuses an unfinished one; deletes finished videos only', async () => {
    const { itemId, cmp, vids } = await comparison();
    const list = await s.request('GET', `/api/v1/videos?comparisonId=${cmp}`, { key: readKey });
    expect(list.status, list.text).toBe(200);
    expect(list.body.data.map((v: any) => v.id).sort()).toEqual([...vids].sort());
    expectApiError(await s.request('GET', '/api/v1/videos?status=ready', { key: readKey }), 400);
    expect((await s.request('GET', `/api/v1/videos?comparisonId=${cmp}`, { key: other.key })).body.data).toEqual([]);

    const path = `/api/v1/content/${itemId}/video-comparison/${cmp}/winner`;
    const won = await s.request('POST', path, { key: writeKey, body: { videoId: vids[1] } });
    expect(won.status, won.text).toBe(200);
    expect(won.body.winnerId).toBe(vids[1]);
    expect(won.body.videos.filter((v: any) => v.winner).map((v: any) => v.id)).toEqual([vids[1]]);
    const changed = await s.request('POST', path, { key: writeKey, body: { videoId: vids[0] } });
    expect(changed.body.winnerId).toBe(vids[0]);
    expect((await s.request('GET', `/api/v1/content/${itemId}`, { key: readKey })).body.videos.filter((v: any) => v.winner).map((v: any) => v.id)).toEqual([vids[0]]);
    expectApiError(await s.request('POST', path, { key: writeKey, body: { videoId: vids[2] } }), 409, /rendering/);
    expectApiError(await s.request('POST', path, { key: writeKey, body: {} }), 400, /videoId/);
    expectApiError(await s.request('POST', path, { key: writeKey, body: { videoId: 'vid_nope' } }), 404);
    expectApiError(await s.request('POST', `/api/v1/content/${itemId}/video-comparison/cmp_nope/winner`, { key: writeKey, body: { videoId: vids[0] } }), 404);
    expectApiError(await s.request('POST', path, { key: other.key, body: { videoId: vids[0] } }), 404);
    expectApiError(await s.request('POST', path, { key: readKey, body: { videoId: vids[0] } }), 403, /content:write/);

    expectApiError(await s.request('DELETE', `/api/v1/videos/${vids[2]}`, { key: writeKey }), 409, /rendering/);
    expectApiError(await s.request('DELETE', `/api/v1/videos/${vids[1]}`, { key: other.key }), 404);
    expectApiError(await s.request('DELETE', `/api/v1/videos/${vids[1]}`, { key: readKey }), 403);
    const del = await s.request('DELETE', `/api/v1/videos/${vids[1]}`, { key: writeKey });
    expect(del.body, del.text).toEqual({ id: vids[1], deleted: true });
    expectApiError(await s.request('DELETE', `/api/v1/videos/${vids[1]}`, { key: writeKey }), 404);
  });

  it('GraphQL: contentVideos, chooseVideoComparisonWinner, deleteContentVideo', async () => {
    const { itemId, cmp, vids } = await comparison();
    const q = await s.graphql(`{ contentVideos(filter: { comparisonId: "${cmp}", status: "completed" }) { edges { node { id winner } } } }`, {}, { key: readKey });
    expect(q.body.data?.contentVideos.edges).toHaveLength(2);
    const W = `mutation($i: ID!, $c: ID!, $v: ID!) { chooseVideoComparisonWinner(contentItemId: $i, comparisonId: $c, videoId: $v) { __typename ... on MutationChooseVideoComparisonWinnerSuccess { data { comparisonId videos { id winner } } } ... on Error { message } } }`;
    const r = await s.graphql(W, { i: itemId, c: cmp, v: vids[0] }, { key: writeKey });
    expect(r.body.data?.chooseVideoComparisonWinner.data.videos.filter((v: any) => v.winner).map((v: any) => v.id)).toEqual([vids[0]]);
    expect((await s.graphql(W, { i: itemId, c: cmp, v: vids[0] }, { key: other.key })).body.data?.chooseVideoComparisonWinner.__typename).toBe('NotFoundError');
    expect((await s.graphql(W, { i: itemId, c: cmp, v: vids[2] }, { key: writeKey })).body.data?.chooseVideoComparisonWinner.__typename).toBe('ConflictError');
    const D = `mutation($id: ID!) { deleteContentVideo(id: $id) { __typename ... on Error { message } } }`;
    expect(JSON.stringify((await s.graphql(D, { id: vids[1] }, { key: readKey })).body)).toMatch(/content:write/);
    expect((await s.graphql(D, { id: vids[1] }, { key: writeKey })).body.data?.deleteContentVideo.__typename).toBe('MutationDeleteContentVideoSuccess');
  });
});

describe('a preview becomes an influencer', () => {
  async function draftPreview(status = 'completed') {
    const blobs = [];
    for (let i = 0; i < 2; i++) blobs.push((await putBlob(prisma(), { teamId, bytes: colourPng([i * 90, 50, 50]), kind: 'image', contentType: 'image/png' })).id);
    const id = `prev_${hex()}`;
    await prisma().preview.create({ data: { id, teamId, spec: { name: 'Juno Park', basePrompt: 'a man with a grey beanie', aestheticGrade: 'golden-hour', niche: 'climbing', referenceBlobId: null }, count: 2, status, images: blobs } });
    return { id, blobs };
  }

  it('REST: the chosen image is the front reference; twice is 409; unfinished 409; foreign 404; bad index 400; 403 without character:write', async () => {
    const characterWrite = (await s.createKey(['character:write'])).key;
    const pv = await draftPreview();
    expectApiError(await s.request('POST', `/api/v1/previews/${pv.id}/influencer`, { key: characterWrite, body: { imageIndex: 3 } }), 400, /imageIndex/);
    expectApiError(await s.request('POST', `/api/v1/previews/${pv.id}/influencer`, { key: characterWrite, body: { imageIndex: 'x' } }), 400);
    expectApiError(await s.request('POST', `/api/v1/previews/${pv.id}/influencer`, { key: other.key, body: {} }), 404);
    expectApiError(await s.request('POST', `/api/v1/previews/${pv.id}/influencer`, { key: readKey, body: {} }), 403, /character:write/);
    const res = await s.request('POST', `/api/v1/previews/${pv.id}/influencer`, { key: characterWrite, body: { imageIndex: 1, handle: `juno${hex()}` } });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ name: 'Juno Park', basePrompt: 'a man with a grey beanie', aestheticGrade: 'golden-hour', niche: 'climbing' });
    expect(res.body.references).toEqual([expect.objectContaining({ view: 'front', mediaId: pv.blobs[1] })]);
    expect((await s.request('GET', `/api/v1/previews/${pv.id}`)).body.influencerId).toBe(res.body.id);
    expectApiError(await s.request('POST', `/api/v1/previews/${pv.id}/influencer`, { key: characterWrite, body: {} }), 409, /already/);
    const running = await draftPreview('running');
    expectApiError(await s.request('POST', `/api/v1/previews/${running.id}/influencer`, { key: characterWrite, body: {} }), 409, /running/);
  });

  it('GraphQL: createInfluencerFromPreview', async () => {
    const pv = await draftPreview();
    const M = `mutation($id: ID!) { createInfluencerFromPreview(id: $id, name: "Juno G") { __typename ... on MutationCreateInfluencerFromPreviewSuccess { data { name references { view } } } ... on Error { message } } }`;
    expect((await s.graphql(M, { id: pv.id }, { key: other.key })).body.data?.createInfluencerFromPreview.__typename).toBe('NotFoundError');
    const r = await s.graphql(M, { id: pv.id });
    expect(r.body.data?.createInfluencerFromPreview.data).toMatchObject({ name: 'Juno G', references: [{ view: 'front' }] });
  });
});

describe('content from a collaboration', () => {
  it('makes a batch whose items feature every member (embedded provider); foreign collaboration 404; 403 without content:generate', async () => {
    const a = await makeProfile(prisma(), teamId, { references: 1 });
    const b = await makeProfile(prisma(), teamId, { references: 1, basePrompt: 'a tall man with a shaved head and round glasses' });
    const collab = await s.request('POST', '/api/v1/collaborations', { body: { name: 'Duo', influencerIds: [a.influencerId, b.influencerId] } });
    expect(collab.status, collab.text).toBe(201);
    const path = `/api/v1/collaborations/${collab.body.id}/generate`;
    expectApiError(await s.request('POST', path, { key: generateKey, body: { profileId: a.profileId, count: 0 } }), 400, /count/);
    expectApiError(await s.request('POST', path, { key: other.key, body: { profileId: a.profileId, count: 1 } }), 404);
    expectApiError(await s.request('POST', path, { key: readKey, body: { profileId: a.profileId, count: 1 } }), 403, /content:generate/);
    const res = await s.request('POST', path, { key: generateKey, body: { profileId: a.profileId, count: 2, prompt: 'a rope-team selfie on the summit' } });
    expect(res.status, res.text).toBe(202);
    const done = await waitForBatch(s, res.body.id);
    expect(done.status).toBe('completed');
    for (const item of done.items) {
      expect(item.generation.imagePrompt).toContain('short auburn hair');
      expect(item.generation.imagePrompt).toContain('round glasses');
    }
    const listed = await s.request('GET', `/api/v1/batches?profileId=${a.profileId}`, { key: readKey });
    expect(listed.body.data[0]).toMatchObject({ id: res.body.id, collaborationId: collab.body.id, featuring: [a.influencerId, b.influencerId] });

    const g = await s.graphql(
      `mutation($id: ID!, $p: ID!) { generateCollaborationContent(id: $id, input: { profileId: $p, count: 1, dryRun: true }) { __typename ... on MutationGenerateCollaborationContentSuccess { data { batch { id } estimate { totalMicros } } } ... on Error { message } } }`,
      { id: collab.body.id, p: a.profileId },
      { key: generateKey },
    );
    expect(g.body.data?.generateCollaborationContent.data).toMatchObject({ batch: null });
    expect(g.body.data?.generateCollaborationContent.data.estimate.totalMicros).toBeGreaterThanOrEqual(0);
  });
});

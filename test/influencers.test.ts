/**
 * Influencers (AutoPersonas characters) on the embedded provider: CRUD with
 * handles, grades and personas; reference images (uploaded and by media);
 * the 4-view reference pack job end to end (and run again: nothing twice);
 * previews as jobs; collaborations; GraphQL; bad input on every path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';
import { multipart, png, poll, waitForPack, waitForPreview, wav } from './helpers/influencers.js';
import { findGrade } from '../src/modules/catalog/aesthetic-grades.js';
import { expectApiError } from './helpers/errors.js';

const MAX_UPLOAD = 64 * 1024;
let s: TestServer;
let readKey: string;
let writeKey: string;
let other: { teamId: string; key: string };
let foreignId: string;

beforeAll(async () => {
  s = await startTestServer({ RATE_LIMIT_PER_MINUTE: '100000', JOB_POLL_MS: '50', MEDIA_MAX_UPLOAD_BYTES: String(MAX_UPLOAD) });
  readKey = (await s.createKey(['character:read'])).key;
  writeKey = (await s.createKey(['character:write'])).key;
  other = await s.createTeam('rival');
  const res = await s.request('POST', '/api/v1/influencers', { key: other.key, body: { name: 'Rival', handle: 'mara' } });
  expect(res.status, res.text).toBe(201);
  foreignId = res.body.id;
});
afterAll(async () => s?.close());

let n = 0;
async function create(body: Record<string, unknown> = {}, key?: string) {
  const res = await s.request('POST', '/api/v1/influencers', { body: { name: 'Mara Voss', handle: `mara${++n}`, ...body }, ...(key ? { key } : {}) });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

describe('influencers CRUD', () => {
  it('creates with every field, normalises the handle, reads, lists with cursors, updates only the given fields, deletes', async () => {
    const inf = await create({
      handle: '@Mara.Voss',
      bio: 'Slow mornings and trail runs.',
      niche: 'outdoor lifestyle',
      basePrompt: 'a woman in her late twenties with short auburn hair and freckles',
      aestheticGrade: 'golden-hour',
      wardrobe: [{ name: 'Olive rain shell', category: 'outerwear' }],
      ingredients: { props: { mug: 'enamel' } },
    });
    expect(inf.id).toMatch(/^inf_[0-9a-f]{24}$/);
    expect(inf).toMatchObject({
      name: 'Mara Voss',
      handle: 'mara.voss',
      niche: 'outdoor lifestyle',
      aestheticGrade: 'golden-hour',
      wardrobe: [{ name: 'Olive rain shell', category: 'outerwear' }],
      ingredients: { props: { mug: 'enamel' } },
      references: [],
      voice: { cloneStatus: 'none', voiceId: null, sampleCount: 0, totalDuration: 0, provider: 'embedded' },
      personaId: null,
    });
    expect((await s.request('GET', `/api/v1/influencers/${inf.id}`, { key: readKey })).body).toEqual(inf);

    const put = await s.request('PUT', `/api/v1/influencers/${inf.id}`, { body: { niche: 'trail running', bio: null } });
    expect(put.status, put.text).toBe(200);
    expect(put.body).toMatchObject({ name: 'Mara Voss', handle: 'mara.voss', niche: 'trail running', bio: null, basePrompt: inf.basePrompt, aestheticGrade: 'golden-hour', wardrobe: inf.wardrobe, ingredients: inf.ingredients });

    const a = await create();
    const b = await create();
    const page1 = await s.request('GET', '/api/v1/influencers?limit=2');
    expect(page1.body.data.map((i: any) => i.id)).toEqual([b.id, a.id]);
    expect(page1.body).toMatchObject({ has_more: true, next_cursor: a.id });
    const page2 = await s.request('GET', `/api/v1/influencers?limit=2&starting_after=${a.id}`);
    expect(page2.body.data[0].id).toBe(inf.id);
    expect(page2.body.data.every((i: any) => i.id !== foreignId)).toBe(true);

    const del = await s.request('DELETE', `/api/v1/influencers/${b.id}`);
    expect(del.body).toEqual({ id: b.id, deleted: true });
    expectApiError(await s.request('GET', `/api/v1/influencers/${b.id}`), 404);
  });

  it('answers bad input: missing name, unknown grade, bad handle, unknown fields on PUT, bad limits (400); duplicate handle (409)', async () => {
    expect(expectApiError(await s.request('POST', '/api/v1/influencers', { body: { handle: 'x' } }), 400).param).toBe('name');
    const grade = expectApiError(await s.request('POST', '/api/v1/influencers', { body: { name: 'A', aestheticGrade: 'sepia' } }), 400, /aestheticGrade must be one of natural/);
    expect(grade.param).toBe('aestheticGrade');
    expect(expectApiError(await s.request('POST', '/api/v1/influencers', { body: { name: 'A', handle: 'no spaces please' } }), 400).param).toBe('handle');
    expect(expectApiError(await s.request('POST', '/api/v1/influencers', { body: { name: 'A', wardrobe: 'jeans' } }), 400).param).toBe('wardrobe');
    expect(expectApiError(await s.request('POST', '/api/v1/influencers', { body: { name: 'A', ingredients: [1] } }), 400).param).toBe('ingredients');
    const inf = await create({ handle: 'unique_one' });
    const dup = expectApiError(await s.request('POST', '/api/v1/influencers', { body: { name: 'B', handle: '@UNIQUE_ONE' } }), 409, /@unique_one/);
    expect(dup).toMatchObject({ code: 'handle_taken', param: 'handle' });
    const b = await create();
    expectApiError(await s.request('PUT', `/api/v1/influencers/${b.id}`, { body: { handle: 'unique_one' } }), 409);
    expectApiError(await s.request('PUT', `/api/v1/influencers/${inf.id}`, { body: { colour: 'red' } }), 400);
    expectApiError(await s.request('PUT', `/api/v1/influencers/${inf.id}`, { body: { aestheticGrade: 'nope' } }), 400);
    // Another team may use the same handle.
    expect((await s.request('POST', '/api/v1/influencers', { key: other.key, body: { name: 'C', handle: 'unique_one' } })).status).toBe(201);
    expectApiError(await s.request('GET', '/api/v1/influencers?limit=0'), 400);
    expectApiError(await s.request('GET', '/api/v1/influencers?starting_after=inf_nope'), 400);
  });

  it('answers 403 without the scope and 404 for unknown and other teams’ influencers', async () => {
    const inf = await create();
    expect(expectApiError(await s.request('POST', '/api/v1/influencers', { key: readKey, body: { name: 'x' } }), 403).message).toMatch(/character:write/);
    expectApiError(await s.request('GET', '/api/v1/influencers', { key: writeKey }), 403, /character:read/);
    expectApiError(await s.request('GET', `/api/v1/influencers/${inf.id}`, { key: writeKey }), 403);
    expectApiError(await s.request('PUT', `/api/v1/influencers/${inf.id}`, { key: readKey, body: { name: 'x' } }), 403);
    expectApiError(await s.request('DELETE', `/api/v1/influencers/${inf.id}`, { key: readKey }), 403);
    for (const id of ['inf_unknown', foreignId]) {
      expectApiError(await s.request('GET', `/api/v1/influencers/${id}`), 404);
      expectApiError(await s.request('PUT', `/api/v1/influencers/${id}`, { body: { name: 'x' } }), 404);
      expectApiError(await s.request('DELETE', `/api/v1/influencers/${id}`), 404);
    }
    expect((await s.request('GET', `/api/v1/influencers/${foreignId}`, { key: other.key })).status).toBe(200);
  });

  it('ties an influencer to a persona of the team or a system persona (404 for another team’s), visible as Persona.influencers', async () => {
    const prisma = s.app.deps.prisma;
    const teamId = (await s.request('GET', '/api/v1/me')).body.team.id;
    const own = { body: await prisma.persona.create({ data: { teamId, name: 'Trail persona', description: 'outdoorsy' } }) };
    const system = await prisma.persona.findFirst({ where: { isSystem: true } });
    const foreign = { body: await prisma.persona.create({ data: { teamId: other.teamId, name: 'Rival persona' } }) };
    const inf = await create({ personaId: own.body.id });
    expect(inf.personaId).toBe(own.body.id);
    expect((await s.request('PUT', `/api/v1/influencers/${inf.id}`, { body: { personaId: system!.id } })).body.personaId).toBe(system!.id);
    expectApiError(await s.request('PUT', `/api/v1/influencers/${inf.id}`, { body: { personaId: foreign.body.id } }), 404, /Persona not found/);
    expectApiError(await s.request('POST', '/api/v1/influencers', { body: { name: 'X', personaId: 'nope' } }), 404);
    // The rival team's influencer on the same system persona is not ours to see.
    await s.request('POST', '/api/v1/influencers', { key: other.key, body: { name: 'Rival on system', personaId: system!.id } });
    const g = await s.graphql(`query($id: ID!) { node(id: $id) { ... on Persona { influencers { id name persona { id } } } } }`, { id: system!.id });
    expect(g.body.errors).toBeUndefined();
    expect(g.body.data.node.influencers).toEqual([{ id: inf.id, name: 'Mara Voss', persona: { id: system!.id } }]);
  });

  it('DELETE takes its voice samples (and their audio), previews and collaboration memberships with it', async () => {
    const prisma = s.app.deps.prisma;
    const inf = await create({ basePrompt: 'a man with a beard' });
    const mate = await create();
    const third = await create();
    const up = await s.request('POST', `/api/v1/characters/${inf.id}/voice-samples`, { rawBody: wav(2), headers: { 'Content-Type': 'audio/wav' } });
    expect(up.status, up.text).toBe(201);
    const prev = await s.request('POST', '/api/v1/previews', { body: { influencerId: inf.id } });
    await waitForPreview(s, prev.body.id);
    const collab = await s.request('POST', '/api/v1/collaborations', { body: { name: 'Trio', influencerIds: [inf.id, mate.id, third.id] } });
    expect(collab.status, collab.text).toBe(201);
    const audioBlob = up.body.added[0].mediaId;

    expect((await s.request('DELETE', `/api/v1/influencers/${inf.id}`)).status).toBe(200);
    expect(await prisma.voiceSample.count({ where: { influencerId: inf.id } })).toBe(0);
    expect(await prisma.blob.count({ where: { id: audioBlob } })).toBe(0);
    expect(await prisma.preview.count({ where: { influencerId: inf.id } })).toBe(0);
    expectApiError(await s.request('GET', `/api/v1/previews/${prev.body.id}`), 404);
    expect((await s.request('GET', `/api/v1/collaborations/${collab.body.id}`)).body.influencerIds).toEqual([mate.id, third.id]);
  });
});

describe('POST /api/v1/influencers/:id/references', () => {
  it('stores uploaded images by view (fields named by view, or files + views), served as media, and replaces the set each time', async () => {
    const inf = await create();
    const front = png([200, 60, 60]);
    const body = await multipart([
      { field: 'front', bytes: front, type: 'image/png', filename: 'front.png' },
      { field: 'left', bytes: png([60, 200, 60]), type: 'image/png' },
    ]);
    const res = await s.request('POST', `/api/v1/influencers/${inf.id}/references`, body);
    expect(res.status, res.text).toBe(200);
    expect(res.body.references.map((r: any) => [r.view, r.source])).toEqual([['front', 'upload'], ['left', 'upload']]);
    const img = await s.request('GET', res.body.references[0].url, { key: readKey });
    expect(img.status).toBe(200);
    expect(img.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await (await fetch(s.url + res.body.references[0].url, { headers: { Authorization: `Bearer ${s.adminKey}` } })).arrayBuffer())).toEqual(front);

    const again = await s.request('POST', `/api/v1/influencers/${inf.id}/references`, await multipart([
      { field: 'files', bytes: png([1, 2, 3]), type: 'image/png' },
      { field: 'files', bytes: png([4, 5, 6]), type: 'image/png' },
      { field: 'views', value: 'back,other' },
    ]));
    expect(again.status, again.text).toBe(200);
    expect(again.body.references.map((r: any) => r.view)).toEqual(['back', 'other']); // replaced, not added

    // By the team's existing media: id or URL.
    const byMedia = await s.request('POST', `/api/v1/influencers/${inf.id}/references`, {
      body: { references: [{ view: 'front', mediaId: res.body.references[0].mediaId }, { view: 'right', url: `http://example.test${res.body.references[1].url}` }] },
    });
    expect(byMedia.status, byMedia.text).toBe(200);
    expect(byMedia.body.references).toEqual([
      { view: 'front', mediaId: res.body.references[0].mediaId, url: res.body.references[0].url, source: 'media' },
      { view: 'right', mediaId: res.body.references[1].mediaId, url: res.body.references[1].url, source: 'media' },
    ]);
    // Default views for files without views: front, left, …
    const plain = await s.request('POST', `/api/v1/influencers/${inf.id}/references`, await multipart([{ field: 'files', bytes: png([9, 9, 9]), type: 'image/png' }]));
    expect(plain.body.references.map((r: any) => r.view)).toEqual(['front']);
    // A raw image body is one front view.
    const raw = await s.request('POST', `/api/v1/influencers/${inf.id}/references`, { rawBody: png([7, 7, 7]), headers: { 'Content-Type': 'image/png' } });
    expect(raw.body.references.map((r: any) => r.view)).toEqual(['front']);
  });

  it('refuses non-images and mislabelled files (415), oversized ones (413), bad views and media (400/404/415), missing scope (403), unknown ids (404)', async () => {
    const inf = await create();
    const url = `/api/v1/influencers/${inf.id}/references`;
    expectApiError(await s.request('POST', url, await multipart([{ field: 'front', bytes: Buffer.from('just some text, not a picture'), type: 'image/png' }])), 415, /not image/);
    expectApiError(await s.request('POST', url, await multipart([{ field: 'front', bytes: png([1, 1, 1]), type: 'audio/wav' }])), 415, /labelled audio\/wav/);
    expectApiError(await s.request('POST', url, { rawBody: wav(1), headers: { 'Content-Type': 'image/png' } }), 415);
    expectApiError(await s.request('POST', url, { rawBody: 'hello', headers: { 'Content-Type': 'text/plain' } }), 415);
    const big = Buffer.concat([png([1, 2, 3]), Buffer.alloc(MAX_UPLOAD + 10)]);
    expectApiError(await s.request('POST', url, await multipart([{ field: 'front', bytes: big, type: 'image/png' }])), 413);
    expectApiError(await s.request('POST', url, { rawBody: big, headers: { 'Content-Type': 'image/png' } }), 413);
    expectApiError(await s.request('POST', url, await multipart([{ field: 'files', bytes: png([1, 1, 1]), type: 'image/png' }, { field: 'views', value: 'top' }])), 400, /views/);
    // A misspelt view is refused, not stored as the front view.
    expectApiError(await s.request('POST', url, await multipart([{ field: 'sideways', bytes: png([1, 1, 1]), type: 'image/png' }])), 400, 'unknown file field "sideways": name a view (front, left, right, back, other) or send files with views');
    expectApiError(await s.request('POST', url, await multipart([{ field: 'front', bytes: png([1, 1, 1]), type: 'image/png' }, { field: 'files', bytes: png([1, 1, 2]), type: 'image/png' }, { field: 'views', value: 'front' }])), 400, /front is given twice/);
    expectApiError(await s.request('POST', url, await multipart([{ field: 'note', value: 'no files' }])), 400);
    expectApiError(await s.request('POST', url, { body: { references: [{ view: 'front' }] } }), 400, /exactly one of mediaId or url/);
    expectApiError(await s.request('POST', url, { body: { references: [{ view: 'side', mediaId: 'x' }] } }), 400);
    expectApiError(await s.request('POST', url, { body: { references: [{ view: 'front', url: 'https://example.com/me.png' }] } }), 400, /\/api\/v1\/media/);
    expectApiError(await s.request('POST', url, { body: { references: [{ view: 'front', mediaId: '00000000-0000-4000-8000-000000000000.png' }] } }), 404);
    // Another team's media is not ours; audio is not an image.
    const foreignRef = await s.request('POST', `/api/v1/influencers/${foreignId}/references`, { key: other.key, rawBody: png([5, 5, 5]), headers: { 'Content-Type': 'image/png' } });
    expectApiError(await s.request('POST', url, { body: { references: [{ view: 'front', mediaId: foreignRef.body.references[0].mediaId }] } }), 404);
    const audio = await s.request('POST', `/api/v1/characters/${inf.id}/voice-samples`, { rawBody: wav(1), headers: { 'Content-Type': 'audio/wav' } });
    expectApiError(await s.request('POST', url, { body: { references: [{ view: 'front', url: audio.body.added[0].audioUrl }] } }), 415);
    expectApiError(await s.request('POST', url, { key: readKey, rawBody: png([1, 1, 1]), headers: { 'Content-Type': 'image/png' } }), 403, /character:write/);
    expectApiError(await s.request('POST', `/api/v1/influencers/${foreignId}/references`, { rawBody: png([1, 1, 1]), headers: { 'Content-Type': 'image/png' } }), 404);
    expectApiError(await s.request('POST', '/api/v1/influencers/inf_nope/references', { rawBody: png([1, 1, 1]), headers: { 'Content-Type': 'image/png' } }), 404);
    expect((await s.request('GET', `/api/v1/influencers/${inf.id}`)).body.references).toEqual([]);
  });
});

describe('the 4-view reference pack', () => {
  it('dryRun estimates 4 images and creates nothing', async () => {
    const inf = await create();
    const res = await s.request('POST', `/api/v1/influencers/${inf.id}/generate-references`, { body: { dryRun: true } });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ dryRun: true, currency: 'USD', totalMicros: 0, lines: [{ action: 'image.generate', quantity: 4, provider: 'embedded' }] });
    expect(await s.app.deps.prisma.job.count({ where: { kind: 'influencer.references', payload: { path: ['influencerId'], equals: inf.id } } })).toBe(0);
    expectApiError(await s.request('GET', `/api/v1/influencers/${inf.id}/reference-pack`), 404);
  });

  it('runs as a job (202): front, left, right, back made with the base prompt, view and grade, the front reference as style reference; stored, costed, served as PNG; a second run of the same job makes nothing twice', async () => {
    const inf = await create({ basePrompt: 'a woman with short auburn hair and freckles', aestheticGrade: 'film-35mm' });
    const up = await s.request('POST', `/api/v1/influencers/${inf.id}/references`, await multipart([
      { field: 'front', bytes: png([180, 120, 90]), type: 'image/png' },
      { field: 'other', bytes: png([20, 20, 20]), type: 'image/png' },
    ]));
    const uploadedFront = up.body.references[0].mediaId;
    const res = await s.request('POST', `/api/v1/influencers/${inf.id}/generate-references`, { body: {} });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toMatchObject({ influencerId: inf.id, total: 4, status: 'queued', done: 0, views: [], error: null });
    const pack = await waitForPack(s, inf.id);
    expect(pack).toMatchObject({ id: res.body.id, status: 'completed', done: 4, total: 4, error: null, cost: { currency: 'USD', totalMicros: 0, total: 0 } });
    expect(pack.views.map((v: any) => v.view)).toEqual(['front', 'left', 'right', 'back']);
    expect(pack.finishedAt).toBeTruthy();
    for (const v of pack.views) {
      const img = await fetch(s.url + v.url, { headers: { Authorization: `Bearer ${readKey}` } });
      expect(img.status).toBe(200);
      expect(img.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await img.arrayBuffer()).subarray(1, 4).toString()).toBe('PNG');
    }
    expect(new Set(pack.views.map((v: any) => v.mediaId)).size).toBe(4);
    // The influencer's references: the 4 generated views replace those views; "other" stays.
    const now = (await s.request('GET', `/api/v1/influencers/${inf.id}`)).body;
    expect(now.references.map((r: any) => [r.view, r.source])).toEqual([['other', 'upload'], ['front', 'generated'], ['left', 'generated'], ['right', 'generated'], ['back', 'generated']]);
    expect(now.references.some((r: any) => r.mediaId === uploadedFront)).toBe(false);

    const prisma = s.app.deps.prisma;
    const blobs = await prisma.blob.findMany({ where: { id: { in: pack.views.map((v: any) => v.mediaId) } } });
    const meta = Object.fromEntries(blobs.map((b) => [(b.metadata as any).view, b.metadata as any]));
    expect(meta.left.prompt).toContain('a woman with short auburn hair and freckles');
    expect(meta.left.prompt).toContain('left profile view');
    expect(meta.back.prompt).toContain('back view');
    expect(meta.front.prompt).toContain(findGrade('film-35mm')!.promptSuffix);
    expect(meta.front).toMatchObject({ provider: 'embedded', model: 'embedded-portrait-v1', styleReferences: 1 });
    const costs = await prisma.costRecord.findMany({ where: { subject: { path: ['jobId'], equals: res.body.id } } });
    expect(costs.map((c) => [c.action, (c.subject as any).view]).sort()).toEqual([['image.generate', 'back'], ['image.generate', 'front'], ['image.generate', 'left'], ['image.generate', 'right']]);

    // At least once: the same job run again skips every view it made.
    const blobCount = await prisma.blob.count();
    await prisma.job.update({ where: { id: res.body.id }, data: { status: 'queued', runAt: new Date(), finishedAt: null } });
    s.app.deps.jobs.kick();
    await poll('the re-run', async () => (await prisma.job.findUnique({ where: { id: res.body.id } }))!.status === 'succeeded');
    await s.app.deps.jobs.idle();
    expect(await prisma.blob.count()).toBe(blobCount);
    expect(await prisma.costRecord.count({ where: { subject: { path: ['jobId'], equals: res.body.id } } })).toBe(4);
    expect((await s.request('GET', `/api/v1/influencers/${inf.id}/reference-pack?jobId=${res.body.id}`)).body.views).toEqual(pack.views);
  });

  it('answers 403 without the scope, 404 for unknown and foreign influencers and unknown job ids, 400 for a bad body', async () => {
    const inf = await create();
    expectApiError(await s.request('POST', `/api/v1/influencers/${inf.id}/generate-references`, { key: readKey, body: {} }), 403, /character:write/);
    expectApiError(await s.request('GET', `/api/v1/influencers/${inf.id}/reference-pack`, { key: writeKey }), 403, /character:read/);
    for (const id of ['inf_nope', foreignId]) {
      expectApiError(await s.request('POST', `/api/v1/influencers/${id}/generate-references`, { body: {} }), 404);
      expectApiError(await s.request('GET', `/api/v1/influencers/${id}/reference-pack`), 404);
    }
    expectApiError(await s.request('POST', `/api/v1/influencers/${inf.id}/generate-references`, { body: { dryRun: 'yes' } }), 400);
    expectApiError(await s.request('GET', `/api/v1/influencers/${inf.id}/reference-pack?jobId=00000000-0000-4000-8000-000000000000`), 404);
  });
});

describe('previews', () => {
  it('makes 1–4 images of an influencer or a draft as a job, lists them with their status and images', async () => {
    const inf = await create({ basePrompt: 'a tall man with a grey beard', aestheticGrade: 'moody-noir', niche: 'coffee' });
    const res = await s.request('POST', '/api/v1/previews', { body: { influencerId: inf.id, count: 2 } });
    expect(res.status, res.text).toBe(202);
    expect(res.body.id).toMatch(/^prev_[0-9a-f]{24}$/);
    expect(res.body).toMatchObject({ influencerId: inf.id, count: 2, spec: { basePrompt: 'a tall man with a grey beard', aestheticGrade: 'moody-noir', niche: 'coffee' } });
    const done = await waitForPreview(s, res.body.id);
    expect(done).toMatchObject({ status: 'completed', done: 2, error: null, cost: { totalMicros: 0 } });
    expect(done.images).toHaveLength(2);
    for (const img of done.images) {
      const r = await fetch(s.url + img.url, { headers: { Authorization: `Bearer ${readKey}` } });
      expect(r.headers.get('content-type')).toBe('image/png');
    }
    expect(done.images[0].mediaId).not.toBe(done.images[1].mediaId); // different shots
    const costs = await s.app.deps.prisma.costRecord.findMany({ where: { subject: { path: ['previewId'], equals: res.body.id } } });
    expect(costs.map((c) => c.action)).toEqual(['image.generate', 'image.generate']);

    const draft = await s.request('POST', '/api/v1/previews', { body: { name: 'Draft Dana', basePrompt: 'a young woman with braids', aestheticGrade: 'pastel-dream', count: 3 }, key: writeKey });
    expect(draft.status, draft.text).toBe(202);
    expect(draft.body.influencerId).toBeNull();
    expect((await waitForPreview(s, draft.body.id)).images).toHaveLength(3);
    const blob = await s.app.deps.prisma.blob.findFirst({ where: { metadata: { path: ['previewId'], equals: draft.body.id } } });
    expect(blob).toBeTruthy();

    const list = await s.request('GET', '/api/v1/previews?limit=1', { key: readKey });
    expect(list.body).toMatchObject({ has_more: true, next_cursor: draft.body.id });
    expect(list.body.data[0].id).toBe(draft.body.id);
    const mine = await s.request('GET', `/api/v1/previews?influencerId=${inf.id}`);
    expect(mine.body.data.map((p: any) => p.id)).toEqual([res.body.id]);
  });

  it('dryRun estimates and creates nothing; bad count, missing draft prompt, bad grade (400); unknown influencer (404); scopes (403); foreign previews (404)', async () => {
    const before = await s.app.deps.prisma.preview.count();
    const dry = await s.request('POST', '/api/v1/previews', { body: { basePrompt: 'x', count: 4, dryRun: true } });
    expect(dry.body).toMatchObject({ dryRun: true, lines: [{ action: 'image.generate', quantity: 4 }] });
    expect(await s.app.deps.prisma.preview.count()).toBe(before);
    expectApiError(await s.request('POST', '/api/v1/previews', { body: { basePrompt: 'x', count: 0 } }), 400, /count/);
    expectApiError(await s.request('POST', '/api/v1/previews', { body: { basePrompt: 'x', count: 5 } }), 400, /count/);
    expectApiError(await s.request('POST', '/api/v1/previews', { body: { count: 1 } }), 400, /basePrompt/);
    expectApiError(await s.request('POST', '/api/v1/previews', { body: { basePrompt: 'x', aestheticGrade: 'sepia' } }), 400);
    expectApiError(await s.request('POST', '/api/v1/previews', { body: { influencerId: foreignId } }), 404);
    expectApiError(await s.request('POST', '/api/v1/previews', { key: readKey, body: { basePrompt: 'x' } }), 403, /character:write/);
    expectApiError(await s.request('GET', '/api/v1/previews', { key: writeKey }), 403, /character:read/);
    const theirs = await s.request('POST', '/api/v1/previews', { key: other.key, body: { basePrompt: 'theirs' } });
    expectApiError(await s.request('GET', `/api/v1/previews/${theirs.body.id}`), 404);
    expectApiError(await s.request('GET', '/api/v1/previews/prev_nope'), 404);
    expect((await s.request('GET', '/api/v1/previews')).body.data.some((p: any) => p.id === theirs.body.id)).toBe(false);
  });
});

describe('collaborations', () => {
  it('groups 2–10 distinct influencers in order; lists, reads and deletes', async () => {
    const [a, b, c] = [await create({ name: 'Ana' }), await create({ name: 'Ben' }), await create({ name: 'Cy' })];
    const res = await s.request('POST', '/api/v1/collaborations', { key: writeKey, body: { name: 'Summer trio', description: 'Beach week', influencerIds: [c.id, a.id, b.id] } });
    expect(res.status, res.text).toBe(201);
    expect(res.body.id).toMatch(/^collab_[0-9a-f]{24}$/);
    expect(res.body).toMatchObject({ name: 'Summer trio', description: 'Beach week', influencerIds: [c.id, a.id, b.id] });
    expect(res.body.influencers.map((i: any) => i.name)).toEqual(['Cy', 'Ana', 'Ben']);
    expect((await s.request('GET', `/api/v1/collaborations/${res.body.id}`, { key: readKey })).body).toEqual(res.body);
    const two = await s.request('POST', '/api/v1/collaborations', { body: { name: 'Duo', influencerIds: [a.id, b.id] } });
    const list = await s.request('GET', '/api/v1/collaborations?limit=1', { key: readKey });
    expect(list.body).toMatchObject({ data: [{ id: two.body.id }], has_more: true, next_cursor: two.body.id });
    expect((await s.request('GET', `/api/v1/collaborations?starting_after=${two.body.id}`)).body.data[0].id).toBe(res.body.id);
    expect((await s.request('DELETE', `/api/v1/collaborations/${two.body.id}`)).body).toEqual({ id: two.body.id, deleted: true });
    expectApiError(await s.request('GET', `/api/v1/collaborations/${two.body.id}`), 404);
    expect((await s.request('GET', `/api/v1/influencers/${a.id}`)).status).toBe(200);
  });

  it('refuses fewer than 2, more than 10, repeated or missing influencers (400), unknown and foreign ones (404), missing scopes (403)', async () => {
    const a = await create();
    const b = await create();
    expectApiError(await s.request('POST', '/api/v1/collaborations', { body: { name: 'Solo', influencerIds: [a.id] } }), 400, /2–10/);
    expectApiError(await s.request('POST', '/api/v1/collaborations', { body: { name: 'Crowd', influencerIds: Array.from({ length: 11 }, (_, i) => `inf_${i}`) } }), 400, /2–10/);
    expectApiError(await s.request('POST', '/api/v1/collaborations', { body: { name: 'Echo', influencerIds: [a.id, a.id] } }), 400, /distinct/);
    expectApiError(await s.request('POST', '/api/v1/collaborations', { body: { influencerIds: [a.id, b.id] } }), 400, /name/);
    expectApiError(await s.request('POST', '/api/v1/collaborations', { body: { name: 'x', influencerIds: [a.id, 'inf_nope'] } }), 404, /inf_nope/);
    expectApiError(await s.request('POST', '/api/v1/collaborations', { body: { name: 'x', influencerIds: [a.id, foreignId] } }), 404);
    expectApiError(await s.request('POST', '/api/v1/collaborations', { key: readKey, body: { name: 'x', influencerIds: [a.id, b.id] } }), 403, /character:write/);
    expectApiError(await s.request('GET', '/api/v1/collaborations', { key: writeKey }), 403, /character:read/);
    const theirs = await s.request('POST', '/api/v1/collaborations', {
      key: other.key,
      body: { name: 'Theirs', influencerIds: [foreignId, (await s.request('POST', '/api/v1/influencers', { key: other.key, body: { name: 'Z' } })).body.id] },
    });
    expect(theirs.status, theirs.text).toBe(201);
    expectApiError(await s.request('GET', `/api/v1/collaborations/${theirs.body.id}`), 404);
    expectApiError(await s.request('DELETE', `/api/v1/collaborations/${theirs.body.id}`), 404);
    expectApiError(await s.request('DELETE', `/api/v1/collaborations/${theirs.body.id}`, { key: readKey }), 403);
  });
});

describe('GraphQL', () => {
  it('reads influencers with references, voice, persona, collaborations and previews; the same rules through mutations', async () => {
    const created = await s.graphql(
      `mutation($input: CreateInfluencerInput!) { createInfluencer(input: $input) { __typename ... on MutationCreateInfluencerSuccess { data { id handle aestheticGrade wardrobe { name colour } } } ... on Error { code message } } }`,
      { input: { name: 'Gia', handle: '@GiaGraph', aestheticGrade: 'editorial', wardrobe: [{ name: 'Red blazer', colour: 'red' }], ingredients: { a: { b: 1, c: 2 } } } },
    );
    expect(created.body.errors).toBeUndefined();
    const gia = created.body.data.createInfluencer.data;
    expect(gia).toMatchObject({ handle: 'giagraph', aestheticGrade: 'editorial', wardrobe: [{ name: 'Red blazer', colour: 'red' }] });
    const dup = await s.graphql(`mutation { createInfluencer(input: { name: "G2", handle: "giagraph" }) { __typename ... on Error { code } } }`);
    expect(dup.body.data.createInfluencer).toEqual({ __typename: 'ConflictError', code: 'handle_taken' });
    const badGrade = await s.graphql(`mutation { createInfluencer(input: { name: "G3", aestheticGrade: "sepia" }) { __typename ... on ValidationError { param } } }`);
    expect(badGrade.body.data.createInfluencer).toEqual({ __typename: 'ValidationError', param: 'aestheticGrade' });

    const patched = await s.graphql(`mutation($id: ID!, $patch: JSON!) { setInfluencerIngredients(id: $id, patch: $patch) { ... on MutationSetInfluencerIngredientsSuccess { data { ingredients } } } }`, {
      id: gia.id,
      patch: { a: { b: null, d: [1] } },
    });
    expect(patched.body.data.setInfluencerIngredients.data.ingredients).toEqual({ a: { c: 2, d: [1] } });
    const upd = await s.graphql(`mutation($id: ID!) { updateInfluencer(id: $id, input: { bio: "hi", niche: null }) { ... on MutationUpdateInfluencerSuccess { data { bio niche handle } } } }`, { id: gia.id });
    expect(upd.body.data.updateInfluencer.data).toEqual({ bio: 'hi', niche: null, handle: 'giagraph' });

    const mate = await create({ name: 'Mate' });
    await s.graphql(`mutation($ids: [ID!]!) { createCollaboration(name: "Pair", influencerIds: $ids) { __typename } }`, { ids: [gia.id, mate.id] });
    const dry = await s.graphql(`mutation($id: ID!) { generateReferences(id: $id, dryRun: true) { ... on MutationGenerateReferencesSuccess { data { referencePack { id } estimate { totalMicros lines { action quantity } } } } } }`, { id: gia.id });
    expect(dry.body.data.generateReferences.data).toEqual({ referencePack: null, estimate: { totalMicros: 0, lines: [{ action: 'image.generate', quantity: 4 }] } });
    const prev = await s.graphql(`mutation($id: ID!) { generatePreviews(input: { influencerId: $id, count: 2 }) { ... on MutationGeneratePreviewsSuccess { data { preview { id status count } } } } }`, { id: gia.id });
    const previewId = prev.body.data.generatePreviews.data.preview.id;
    await waitForPreview(s, previewId);
    await s.request('POST', `/api/v1/characters/${gia.id}/voice-samples`, { rawBody: wav(3), headers: { 'Content-Type': 'audio/wav' } });

    const q = await s.graphql(
      `query($id: ID!) { influencer(id: $id) { id name handle references { view url } voice { cloneStatus sampleCount totalDuration } voiceSamples { audioUrl duration }
        collaborations { name influencers { name } } previews { id status done imageUrls } persona { id } referencePack { id } }
        influencers(first: 50) { edges { node { id } } } }`,
      { id: gia.id },
      { key: readKey },
    );
    expect(q.body.errors).toBeUndefined();
    const g = q.body.data.influencer;
    expect(g).toMatchObject({ id: gia.id, handle: 'giagraph', references: [], voice: { cloneStatus: 'pending', sampleCount: 1, totalDuration: 3 }, persona: null, referencePack: null });
    expect(g.voiceSamples[0].duration).toBe(3);
    expect(g.collaborations).toEqual([{ name: 'Pair', influencers: [{ name: 'Gia' }, { name: 'Mate' }] }]);
    expect(g.previews).toEqual([{ id: previewId, status: 'completed', done: 2, imageUrls: expect.any(Array) }]);
    expect(g.previews[0].imageUrls[0]).toMatch(/^\/api\/v1\/media\//);
    const ids = q.body.data.influencers.edges.map((e: any) => e.node.id);
    expect(ids).toContain(gia.id);
    expect(ids).not.toContain(foreignId);
    expect((await s.graphql(`query($id: ID!) { influencer(id: $id) { id } }`, { id: foreignId })).body.data.influencer).toBeNull();
    const node = await s.graphql(`query($id: ID!) { node(id: $id) { __typename id } }`, { id: previewId });
    expect(node.body.data.node).toEqual({ __typename: 'Preview', id: previewId });

    const denied = await s.graphql(`mutation { createInfluencer(input: { name: "No" }) { __typename ... on ForbiddenError { scope } } }`, {}, { key: readKey });
    expect(denied.body.data.createInfluencer).toEqual({ __typename: 'ForbiddenError', scope: 'character:write' });
    const del = await s.graphql(`mutation($id: ID!) { deleteInfluencer(id: $id) { __typename ... on NotFoundError { code } } }`, { id: foreignId });
    expect(del.body.errors, JSON.stringify(del.body.errors)).toBeUndefined();
    expect(del.body.data.deleteInfluencer).toEqual({ __typename: 'NotFoundError', code: 'influencer_not_found' });
  });
});

/**
 * Profiles (AutoPersonas): CRUD, the voice corpus and voice stats, the media
 * library, drafting content directions and writing captions for an image URL
 * (a media URL of the team or an external URL), on the embedded provider and
 * through the openai SDK against the fake OpenAI server; GraphQL; bad input
 * on every path (scopes, unknown and foreign ids, bad bodies, 413, 415, 422).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';
import { startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { colourPng, teamOf } from './helpers/content.js';
import { putBlob } from '../src/infra/blobs.js';
import { addMediaItem } from '../src/modules/profiles/library.js';
import { expectApiError } from './helpers/errors.js';

const MAX_BYTES = 64 * 1024;

let s: TestServer; // embedded providers; may fetch from 127.0.0.1
let teamId: string;
let readKey: string; // profile:read
let writeKey: string; // profile:write
let contentReadKey: string; // content:read
let generateKey: string; // content:generate
let other: { teamId: string; key: string };
let foreignProfileId: string;
let foreignInfluencerId: string;
let images: Server;
let imagesUrl: string;
const png = colourPng([30, 140, 90], 24);

beforeAll(async () => {
  s = await startTestServer({ RATE_LIMIT_PER_MINUTE: '100000', OUTBOUND_ALLOWED_HOSTS: '127.0.0.1', MEDIA_MAX_UPLOAD_BYTES: String(MAX_BYTES) });
  teamId = await teamOf(s);
  readKey = (await s.createKey(['profile:read'])).key;
  writeKey = (await s.createKey(['profile:write'])).key;
  contentReadKey = (await s.createKey(['content:read'])).key;
  generateKey = (await s.createKey(['content:generate'])).key;
  other = await s.createTeam('rival');
  foreignInfluencerId = await influencer(other.teamId, 'Rival Face');
  const res = await s.request('POST', '/api/v1/profiles', { key: other.key, body: { name: 'Rival voice', voiceCorpus: ['rival words #rival'] } });
  expect(res.status, res.text).toBe(201);
  foreignProfileId = res.body.id;

  // An image host on loopback: a PNG, a page, a 404, a body over the size limit, and PNG bytes labelled as audio.
  images = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/photo.png') return void res.writeHead(200, { 'Content-Type': 'image/png' }).end(png);
    if (path === '/page') return void res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html><body>not an image</body></html>');
    if (path === '/big.png') return void res.writeHead(200, { 'Content-Type': 'image/png' }).end(Buffer.concat([png, Buffer.alloc(MAX_BYTES * 2)]));
    if (path === '/mislabelled') return void res.writeHead(200, { 'Content-Type': 'audio/mpeg' }).end(png);
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('no such thing');
  });
  await new Promise<void>((r) => images.listen(0, '127.0.0.1', r));
  imagesUrl = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await s?.close();
  await new Promise((r) => images?.close(r));
});

let seq = 0;
async function influencer(team: string, name = 'Mara Voss'): Promise<string> {
  const id = `inf_test${String(++seq).padStart(4, '0')}${Math.random().toString(16).slice(2, 14)}`;
  await s.app.deps.prisma.influencer.create({ data: { id, teamId: team, name, handle: `h${id.slice(-10)}`, bio: 'Slow mornings and trail runs.', niche: 'outdoor lifestyle' } });
  return id;
}

async function createProfile(body: Record<string, unknown> = {}, key?: string): Promise<any> {
  const res = await s.request('POST', '/api/v1/profiles', { body: { name: 'Trail Mornings', niche: 'trail running', description: 'Coffee, dirt and mountain light.', ...body }, ...(key ? { key } : {}) });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

async function imageBlob(team = teamId, rgb: [number, number, number] = [200, 80, 40]): Promise<string> {
  const blob = await putBlob(s.app.deps.prisma, { teamId: team, bytes: colourPng(rgb, 16), kind: 'image', contentType: 'image/png' });
  return blob.id;
}

const costs = (profileId: string, action: string) =>
  s.app.deps.prisma.costRecord.findMany({ where: { teamId, action, subject: { path: ['profileId'], equals: profileId } } });

describe('profile CRUD', () => {
  it('creates a profile with its influencer, niche, content directions (ids generated when absent) and voice corpus', async () => {
    const inf = await influencer(teamId);
    const p = await createProfile({
      influencerId: inf,
      contentDirections: [
        { title: 'Trailhead coffee', prompt: 'pour-over at the trailhead before sunrise' },
        { id: 'dir_ridge', title: 'Ridge run', prompt: 'running a misty ridge line' },
      ],
      voiceCorpus: ['Coffee first, miles second ☕ #trailmornings', 'Coffee first, miles second ☕ #trailmornings', '  ', 'Fog on the ridge again #trailmornings'],
    });
    expect(p.id).toMatch(/^prof_[0-9a-f]{24}$/);
    expect(p).toMatchObject({ name: 'Trail Mornings', influencerId: inf, niche: 'trail running', description: 'Coffee, dirt and mountain light.', voiceCorpusSize: 2 });
    expect(p.contentDirections).toHaveLength(2);
    expect(p.contentDirections[0]).toMatchObject({ title: 'Trailhead coffee', prompt: 'pour-over at the trailhead before sunrise' });
    expect(p.contentDirections[0].id).toMatch(/^dir_[0-9a-f]{24}$/);
    expect(p.contentDirections[1].id).toBe('dir_ridge');
    expect(Date.parse(p.createdAt)).not.toBeNaN();
    const got = await s.request('GET', `/api/v1/profiles/${p.id}`, { key: readKey });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(p);
    const samples = await s.app.deps.prisma.profileVoiceSample.findMany({ where: { profileId: p.id } });
    expect(samples.map((x) => x.source)).toEqual(['manual', 'manual']);
  });

  it('refuses bad bodies with 400 naming the field, and influencers that are unknown or another team’s with 404', async () => {
    expectApiError(await s.request('POST', '/api/v1/profiles', { body: {} }), 400, /name is required/);
    expect(expectApiError(await s.request('POST', '/api/v1/profiles', { body: { name: '   ' } }), 400).param).toBe('name');
    expect(expectApiError(await s.request('POST', '/api/v1/profiles', { body: { name: 'x', colour: 'red' } }), 400).param).toBeNull();
    expect(expectApiError(await s.request('POST', '/api/v1/profiles', { body: { name: 'x', niche: 5 } }), 400).param).toBe('niche');
    expect(expectApiError(await s.request('POST', '/api/v1/profiles', { body: { name: 'x', contentDirections: [{ title: 'no prompt' }] } }), 400).param).toBe('contentDirections.0.prompt');
    expectApiError(await s.request('POST', '/api/v1/profiles', { body: { name: 'x', contentDirections: [{ id: 'a', title: 't', prompt: 'p' }, { id: 'a', title: 'u', prompt: 'q' }] } }), 400, /unique/);
    expectApiError(await s.request('POST', '/api/v1/profiles', { body: { name: 'x', contentDirections: Array.from({ length: 51 }, (_, i) => ({ title: `t${i}`, prompt: 'p' })) } }), 400, /at most 50/);
    expectApiError(await s.request('POST', '/api/v1/profiles', { body: { name: 'x', voiceCorpus: 'just one string' } }), 400, /voiceCorpus must be an array/);
    expectApiError(await s.request('POST', '/api/v1/profiles', { body: { name: 'x', voiceCorpus: ['x'.repeat(5001)] } }), 400, /at most 5000/);
    const unknown = expectApiError(await s.request('POST', '/api/v1/profiles', { body: { name: 'x', influencerId: 'inf_nope' } }), 404);
    expect(unknown.code).toBe('influencer_not_found');
    expect(expectApiError(await s.request('POST', '/api/v1/profiles', { body: { name: 'x', influencerId: foreignInfluencerId } }), 404).code).toBe('influencer_not_found');
    // Nothing was created by the refused requests.
    expect(await s.app.deps.prisma.profile.count({ where: { teamId, name: 'x' } })).toBe(0);
  });

  it('lists the team’s profiles newest first, paginated with limit and starting_after; other teams’ never show', async () => {
    const t = await s.createTeam('lister');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createProfile({ name: `P${i}` }, t.key)).id);
    const listKey = (await s.createKey(['profile:read'], { asKey: t.key })).key;
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: any = await s.request('GET', `/api/v1/profiles?limit=2${cursor ? `&starting_after=${cursor}` : ''}`, { key: listKey });
      expect(res.status, res.text).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(['data', 'has_more', 'next_cursor']);
      seen.push(...res.body.data.map((p: any) => p.id));
      cursor = res.body.has_more ? res.body.next_cursor : null;
      if (res.body.has_more) expect(res.body.next_cursor).toBe(res.body.data.at(-1).id);
      else expect(res.body.next_cursor).toBeNull();
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());
    const all = await s.request('GET', '/api/v1/profiles?limit=100', { key: listKey });
    expect(all.body.data.map((p: any) => p.id)).not.toContain(foreignProfileId);
    expect(all.body.data[0]).toMatchObject({ name: 'P4', voiceCorpusSize: 0, contentDirections: [] });
  });

  it('refuses bad list parameters with 400', async () => {
    expect(expectApiError(await s.request('GET', '/api/v1/profiles?limit=0'), 400).param).toBe('limit');
    expect(expectApiError(await s.request('GET', '/api/v1/profiles?limit=101'), 400).param).toBe('limit');
    expect(expectApiError(await s.request('GET', '/api/v1/profiles?limit=abc'), 400).param).toBe('limit');
    expect(expectApiError(await s.request('GET', `/api/v1/profiles?starting_after=${foreignProfileId}`), 400).param).toBe('starting_after');
  });

  it('PUT changes the given fields and keeps the rest; null clears; contentDirections replaces the list; voiceCorpus adds samples', async () => {
    const inf = await influencer(teamId);
    const p = await createProfile({ influencerId: inf, contentDirections: [{ id: 'keep', title: 'Keep me', prompt: 'kept' }], voiceCorpus: ['first sample'] });
    const renamed = await s.request('PUT', `/api/v1/profiles/${p.id}`, { key: writeKey, body: { name: 'Summit Mornings' } });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Summit Mornings', niche: 'trail running', description: p.description, influencerId: inf, contentDirections: p.contentDirections, voiceCorpusSize: 1 });
    expect(Date.parse(renamed.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(p.updatedAt));
    const changed = await s.request('PUT', `/api/v1/profiles/${p.id}`, {
      body: { niche: null, influencerId: null, contentDirections: [{ id: 'keep', title: 'Keep me', prompt: 'edited' }, { title: 'New one', prompt: 'fresh' }], voiceCorpus: ['second sample', 'first sample'] },
    });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body).toMatchObject({ name: 'Summit Mornings', niche: null, influencerId: null, description: p.description, voiceCorpusSize: 2 });
    expect(changed.body.contentDirections.map((d: any) => [d.id === 'keep' ? 'keep' : 'new', d.title, d.prompt])).toEqual([
      ['keep', 'Keep me', 'edited'],
      ['new', 'New one', 'fresh'],
    ]);
    expect((await s.request('GET', `/api/v1/profiles/${p.id}`)).body).toEqual(changed.body);
    const relinked = await s.request('PUT', `/api/v1/profiles/${p.id}`, { body: { influencerId: inf } });
    expect(relinked.body.influencerId).toBe(inf);
  });

  it('PUT refuses bad bodies (400), unknown and foreign profiles and influencers (404)', async () => {
    const p = await createProfile();
    expect(expectApiError(await s.request('PUT', `/api/v1/profiles/${p.id}`, { body: { name: '' } }), 400).param).toBe('name');
    expectApiError(await s.request('PUT', `/api/v1/profiles/${p.id}`, { body: { name: null } }), 400);
    expectApiError(await s.request('PUT', `/api/v1/profiles/${p.id}`, { body: { nmae: 'typo' } }), 400, /nmae/);
    expect(expectApiError(await s.request('PUT', `/api/v1/profiles/${p.id}`, { body: { contentDirections: {} } }), 400).param).toBe('contentDirections');
    expect(expectApiError(await s.request('PUT', `/api/v1/profiles/${p.id}`, { body: { influencerId: foreignInfluencerId } }), 404).code).toBe('influencer_not_found');
    expect(expectApiError(await s.request('PUT', '/api/v1/profiles/prof_nope', { body: { name: 'y' } }), 404).code).toBe('profile_not_found');
    expectApiError(await s.request('PUT', `/api/v1/profiles/${foreignProfileId}`, { body: { name: 'hijacked' } }), 404);
    expect((await s.request('GET', `/api/v1/profiles/${foreignProfileId}`, { key: other.key })).body.name).toBe('Rival voice');
    expect((await s.request('GET', `/api/v1/profiles/${p.id}`)).body.name).toBe('Trail Mornings');
  });

  it('GET answers 404 for unknown and other teams’ profiles', async () => {
    expect(expectApiError(await s.request('GET', '/api/v1/profiles/prof_000000000000000000000000'), 404).code).toBe('profile_not_found');
    expectApiError(await s.request('GET', `/api/v1/profiles/${foreignProfileId}`), 404);
  });

  it('DELETE removes the profile with its voice corpus and media library; then it is 404', async () => {
    const p = await createProfile({ voiceCorpus: ['a', 'b'] });
    await addMediaItem(s.app.deps.prisma, { teamId, profileId: p.id, kind: 'image', source: 'imported', url: 'https://cdn.example/x.jpg' });
    const del = await s.request('DELETE', `/api/v1/profiles/${p.id}`, { key: writeKey });
    expect(del.status, del.text).toBe(200);
    expect(del.body).toEqual({ id: p.id, deleted: true });
    expectApiError(await s.request('GET', `/api/v1/profiles/${p.id}`), 404);
    expectApiError(await s.request('DELETE', `/api/v1/profiles/${p.id}`), 404);
    expect(await s.app.deps.prisma.profileVoiceSample.count({ where: { profileId: p.id } })).toBe(0);
    expect(await s.app.deps.prisma.mediaItem.count({ where: { profileId: p.id } })).toBe(0);
    expectApiError(await s.request('DELETE', `/api/v1/profiles/${foreignProfileId}`), 404);
    expect((await s.request('GET', `/api/v1/profiles/${foreignProfileId}`, { key: other.key })).status).toBe(200);
  });

  it('checks scopes: profile:read reads, profile:write writes, neither implies the other', async () => {
    const p = await createProfile();
    expectApiError(await s.request('GET', '/api/v1/profiles', { key: writeKey }), 403, /profile:read/);
    expectApiError(await s.request('GET', `/api/v1/profiles/${p.id}`, { key: contentReadKey }), 403, /profile:read/);
    expectApiError(await s.request('POST', '/api/v1/profiles', { key: readKey, body: { name: 'nope' } }), 403, /profile:write/);
    expectApiError(await s.request('PUT', `/api/v1/profiles/${p.id}`, { key: readKey, body: { name: 'nope' } }), 403, /profile:write/);
    expectApiError(await s.request('DELETE', `/api/v1/profiles/${p.id}`, { key: readKey }), 403, /profile:write/);
    expectApiError(await s.request('POST', `/api/v1/profiles/${p.id}/voice-corpus`, { key: generateKey, body: { samples: ['x'] } }), 403, /profile:write/);
    // A 403 even for ids that do not exist: the scope is checked first.
    expectApiError(await s.request('DELETE', '/api/v1/profiles/prof_nope', { key: readKey }), 403);
    expect((await s.request('GET', `/api/v1/profiles/${p.id}`)).body.name).toBe('Trail Mornings');
    expectApiError(await s.request('GET', '/api/v1/profiles', { key: null }), 401);
  });
});

describe('voice corpus and voice stats', () => {
  it('POST …/voice-corpus adds new texts (skipping empty and known ones) and answers the stats', async () => {
    const p = await createProfile({ voiceCorpus: ['already here'] });
    const res = await s.request('POST', `/api/v1/profiles/${p.id}/voice-corpus`, { key: writeKey, body: { samples: ['already here', 'brand new ☀️ #sunup', 'brand new ☀️ #sunup', ' '] } });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ added: 1, profileId: p.id, corpusSize: 2, bySource: { manual: 2, import: 0, approved: 0 } });
    expect(res.body.recentSamples.map((x: any) => x.text).sort()).toEqual(['already here', 'brand new ☀️ #sunup']);
    expect(res.body.style.hashtags).toEqual(['#sunup']);
    expect((await s.request('GET', `/api/v1/profiles/${p.id}`)).body.voiceCorpusSize).toBe(2);
  });

  it('POST …/voice-corpus refuses bad bodies (400) and unknown or foreign profiles (404)', async () => {
    const p = await createProfile();
    expect(expectApiError(await s.request('POST', `/api/v1/profiles/${p.id}/voice-corpus`, { body: {} }), 400).param).toBe('samples');
    expectApiError(await s.request('POST', `/api/v1/profiles/${p.id}/voice-corpus`, { body: { samples: [] } }), 400, /at least one/);
    expectApiError(await s.request('POST', `/api/v1/profiles/${p.id}/voice-corpus`, { body: { samples: ['', '  '] } }), 400, /non-empty/);
    expectApiError(await s.request('POST', `/api/v1/profiles/${p.id}/voice-corpus`, { body: { samples: [42] } }), 400);
    expectApiError(await s.request('POST', `/api/v1/profiles/${p.id}/voice-corpus`, { body: { samples: Array.from({ length: 201 }, (_, i) => `s${i}`) } }), 400, /at most 200/);
    expectApiError(await s.request('POST', '/api/v1/profiles/prof_nope/voice-corpus', { body: { samples: ['x'] } }), 404);
    expectApiError(await s.request('POST', `/api/v1/profiles/${foreignProfileId}/voice-corpus`, { body: { samples: ['x'] } }), 404);
    expect(await s.app.deps.prisma.profileVoiceSample.count({ where: { profileId: foreignProfileId } })).toBe(1);
  });

  it('GET …/voice-stats gives the corpus size, counts by source, the style and the newest samples (limit)', async () => {
    const p = await createProfile();
    const prisma = s.app.deps.prisma;
    const base = Date.now() - 60_000;
    const rows = [
      ...Array.from({ length: 6 }, (_, i) => ({ text: `summit coffee number ${i}! 🏔️ #saltandsummit`, source: 'manual' })),
      ...Array.from({ length: 3 }, (_, i) => ({ text: `imported post ${i} #saltandsummit`, source: 'import' })),
      { text: 'the approved caption', source: 'approved' },
    ];
    await prisma.profileVoiceSample.createMany({ data: rows.map((r, i) => ({ teamId, profileId: p.id, ...r, createdAt: new Date(base + i * 1000) })) });
    const res = await s.request('GET', `/api/v1/profiles/${p.id}/voice-stats?limit=3`, { key: contentReadKey });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ profileId: p.id, corpusSize: 10, bySource: { manual: 6, import: 3, approved: 1 } });
    expect(res.body.recentSamples.map((x: any) => [x.text, x.source])).toEqual([
      ['the approved caption', 'approved'],
      ['imported post 2 #saltandsummit', 'import'],
      ['imported post 1 #saltandsummit', 'import'],
    ]);
    expect(res.body.style).toMatchObject({ samples: 10, hashtags: ['#saltandsummit'], emoji: ['🏔️'.slice(0, 2)] });
    expect(res.body.style.phrases).toContain('summit coffee');
    expect(res.body.style.exclamationShare).toBeCloseTo(0.6);
    const dflt = await s.request('GET', `/api/v1/profiles/${p.id}/voice-stats`);
    expect(dflt.body.recentSamples).toHaveLength(10);
    const empty = await s.request('GET', `/api/v1/profiles/${(await createProfile()).id}/voice-stats`);
    expect(empty.body).toMatchObject({ corpusSize: 0, bySource: { manual: 0, import: 0, approved: 0 }, recentSamples: [], style: { samples: 0, hashtags: [] } });
  });

  it('GET …/voice-stats needs content:read, a valid limit, and a profile of the team', async () => {
    const p = await createProfile();
    expectApiError(await s.request('GET', `/api/v1/profiles/${p.id}/voice-stats`, { key: readKey }), 403, /content:read/);
    expect(expectApiError(await s.request('GET', `/api/v1/profiles/${p.id}/voice-stats?limit=0`), 400).param).toBe('limit');
    expectApiError(await s.request('GET', `/api/v1/profiles/${p.id}/voice-stats?limit=101`), 400);
    expectApiError(await s.request('GET', '/api/v1/profiles/prof_nope/voice-stats'), 404);
    expectApiError(await s.request('GET', `/api/v1/profiles/${foreignProfileId}/voice-stats`), 404);
  });
});

describe('GET /api/v1/profiles/:profileId/media-library', () => {
  it('lists generated and imported media newest first, paginated, with media or external URLs, and filters by kind and source', async () => {
    const p = await createProfile();
    const prisma = s.app.deps.prisma;
    const blobId = await imageBlob();
    const base = Date.now() - 60_000;
    const entries = [
      { kind: 'image' as const, source: 'generated' as const, blobId, caption: 'made here', contentItemId: 'ci_123' },
      { kind: 'image' as const, source: 'imported' as const, url: 'https://cdn.example/one.jpg', caption: 'from X' },
      { kind: 'video' as const, source: 'imported' as const, url: 'https://cdn.example/two.mp4', caption: 'from TikTok' },
      { kind: 'image' as const, source: 'generated' as const, blobId, caption: 'made again', contentItemId: 'ci_456' },
      { kind: 'video' as const, source: 'generated' as const, blobId, caption: 'a clip' },
    ];
    for (const e of entries) await addMediaItem(prisma, { teamId, profileId: p.id, ...e });
    // Distinct times so the order is defined (same-millisecond inserts otherwise tie on createdAt).
    const rows = await prisma.mediaItem.findMany({ where: { profileId: p.id }, orderBy: { caption: 'asc' } });
    for (const r of rows) await prisma.mediaItem.update({ where: { id: r.id }, data: { createdAt: new Date(base + entries.findIndex((e) => e.caption === r.caption) * 1000) } });
    await addMediaItem(prisma, { teamId: other.teamId, profileId: foreignProfileId, kind: 'image', source: 'imported', url: 'https://cdn.example/rival.jpg' });

    const seen: any[] = [];
    let cursor: string | null = null;
    do {
      const res: any = await s.request('GET', `/api/v1/profiles/${p.id}/media-library?limit=2${cursor ? `&starting_after=${cursor}` : ''}`, { key: contentReadKey });
      expect(res.status, res.text).toBe(200);
      seen.push(...res.body.data);
      cursor = res.body.has_more ? res.body.next_cursor : null;
    } while (cursor);
    expect(seen.map((m) => m.caption)).toEqual(['a clip', 'made again', 'from TikTok', 'from X', 'made here']);
    const generated = seen.find((m) => m.caption === 'made here');
    expect(generated).toMatchObject({ kind: 'image', source: 'generated', url: `/api/v1/media/${blobId}`, external: false, contentItemId: 'ci_123', profileId: p.id });
    expect(Date.parse(generated.createdAt)).not.toBeNaN();
    expect(seen.find((m) => m.caption === 'from X')).toMatchObject({ source: 'imported', url: 'https://cdn.example/one.jpg', external: true, contentItemId: null });
    // The media URL serves the image.
    const media = await s.request('GET', generated.url);
    expect(media.status).toBe(200);
    expect(media.headers.get('content-type')).toBe('image/png');

    const videos = await s.request('GET', `/api/v1/profiles/${p.id}/media-library?kind=video`);
    expect(videos.body.data.map((m: any) => m.caption)).toEqual(['a clip', 'from TikTok']);
    const imported = await s.request('GET', `/api/v1/profiles/${p.id}/media-library?source=imported`);
    expect(imported.body.data.map((m: any) => m.caption)).toEqual(['from TikTok', 'from X']);
    const both = await s.request('GET', `/api/v1/profiles/${p.id}/media-library?source=generated&kind=image&limit=1`);
    expect(both.body).toMatchObject({ has_more: true, data: [{ caption: 'made again' }] });
    const rest = await s.request('GET', `/api/v1/profiles/${p.id}/media-library?source=generated&kind=image&limit=1&starting_after=${both.body.next_cursor}`);
    expect(rest.body).toMatchObject({ has_more: false, next_cursor: null, data: [{ caption: 'made here' }] });
  });

  it('refuses bad filters and cursors (400), a key without content:read (403), unknown and foreign profiles (404)', async () => {
    const p = await createProfile();
    expect(expectApiError(await s.request('GET', `/api/v1/profiles/${p.id}/media-library?kind=audio`), 400).param).toBe('kind');
    expect(expectApiError(await s.request('GET', `/api/v1/profiles/${p.id}/media-library?source=stolen`), 400).param).toBe('source');
    expect(expectApiError(await s.request('GET', `/api/v1/profiles/${p.id}/media-library?limit=500`), 400).param).toBe('limit');
    expect(expectApiError(await s.request('GET', `/api/v1/profiles/${p.id}/media-library?starting_after=nope`), 400).param).toBe('starting_after');
    expectApiError(await s.request('GET', `/api/v1/profiles/${p.id}/media-library`, { key: readKey }), 403, /content:read/);
    expectApiError(await s.request('GET', '/api/v1/profiles/prof_nope/media-library'), 404);
    expectApiError(await s.request('GET', `/api/v1/profiles/${foreignProfileId}/media-library`), 404);
  });
});

describe('POST /api/v1/profiles/:profileId/content-directions/draft (embedded)', () => {
  const brief = 'I want posts about morning coffee rituals before long trail runs in autumn';
  const voice = ['Coffee first, miles second ☕ #trailmornings', 'Fog on the ridge again ☕ #trailmornings', 'Coffee first, always. #trailmornings'];

  it('drafts distinct directions grounded in the brief, the niche, the influencer and the voice; same input, same draft; nothing saved', async () => {
    const p = await createProfile({ influencerId: await influencer(teamId, 'Mara Voss'), voiceCorpus: voice });
    const res = await s.request('POST', `/api/v1/profiles/${p.id}/content-directions/draft`, { key: generateKey, body: { prompt: brief } });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ profileId: p.id, saved: false, provider: 'embedded' });
    const dirs = res.body.directions;
    expect(dirs).toHaveLength(5);
    expect(new Set(dirs.map((d: any) => d.title.toLowerCase())).size).toBe(5);
    expect(new Set(dirs.map((d: any) => d.prompt)).size).toBe(5);
    for (const d of dirs) {
      expect(d.id).toMatch(/^dir_[0-9a-f]{24}$/);
      expect(d.prompt).not.toBe(brief);
      expect(d.prompt.toLowerCase()).not.toContain(brief.toLowerCase());
      expect(`${d.title} ${d.prompt}`.toLowerCase()).toMatch(/coffee|rituals|morning|trail|runs|autumn/);
      expect(d.prompt).toContain('#trailmornings'); // the voice's hashtag
      expect(d.prompt).toContain('trail running'); // the niche
    }
    expect(dirs.some((d: any) => d.prompt.includes('Mara Voss'))).toBe(true);
    const again = await s.request('POST', `/api/v1/profiles/${p.id}/content-directions/draft`, { body: { prompt: brief } });
    expect(again.body.directions.map((d: any) => [d.title, d.prompt])).toEqual(dirs.map((d: any) => [d.title, d.prompt]));
    const otherBrief = await s.request('POST', `/api/v1/profiles/${p.id}/content-directions/draft`, { body: { prompt: 'gear reviews for winter hiking boots', count: 3 } });
    expect(otherBrief.body.directions).toHaveLength(3);
    expect(otherBrief.body.directions.map((d: any) => d.title).join(' ').toLowerCase()).toMatch(/gear|reviews|winter|hiking|boots/);
    expect(otherBrief.body.directions.map((d: any) => d.title)).not.toEqual(dirs.slice(0, 3).map((d: any) => d.title));
    // Not saved, but each draft is a recorded generation.
    expect((await s.request('GET', `/api/v1/profiles/${p.id}`)).body.contentDirections).toEqual([]);
    const recorded = await costs(p.id, 'text.generate');
    expect(recorded).toHaveLength(3);
    expect(recorded[0]).toMatchObject({ provider: 'embedded', quantity: 1, totalMicros: 0 });
  });

  it('drafts up to 10, skipping titles the profile already has; save: true appends them to the profile', async () => {
    const p = await createProfile({ contentDirections: [{ id: 'mine', title: 'Existing', prompt: 'keep' }] });
    const ten = await s.request('POST', `/api/v1/profiles/${p.id}/content-directions/draft`, { body: { prompt: 'sourdough baking', count: 10 } });
    expect(ten.body.directions).toHaveLength(10);
    expect(new Set(ten.body.directions.map((d: any) => d.title)).size).toBe(10);
    const first = ten.body.directions[0];
    await s.request('PUT', `/api/v1/profiles/${p.id}`, { body: { contentDirections: [{ id: 'mine', title: first.title, prompt: first.prompt }] } });
    const retry = await s.request('POST', `/api/v1/profiles/${p.id}/content-directions/draft`, { body: { prompt: 'sourdough baking', count: 10 } });
    expect(retry.body.directions.map((d: any) => d.title)).not.toContain(first.title);

    const saved = await s.request('POST', `/api/v1/profiles/${p.id}/content-directions/draft`, { body: { prompt: 'sourdough baking', count: 2, save: true } });
    expect(saved.status, saved.text).toBe(200);
    expect(saved.body.saved).toBe(true);
    const profile = (await s.request('GET', `/api/v1/profiles/${p.id}`)).body;
    expect(profile.contentDirections).toEqual([{ id: 'mine', title: first.title, prompt: first.prompt }, ...saved.body.directions]);
    // Saved directions can drive a batch: their ids are the profile's.
    const est = await s.request('POST', '/api/v1/content/generate', { body: { profileId: p.id, count: 1, contentDirectionId: saved.body.directions[0].id, dryRun: true } });
    expect(est.status, est.text).toBe(200);
  });

  it('dryRun answers the estimate and has no side effect', async () => {
    const p = await createProfile();
    const res = await s.request('POST', `/api/v1/profiles/${p.id}/content-directions/draft`, { body: { prompt: brief, save: true, dryRun: true } });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ dryRun: true, currency: 'USD', totalMicros: 0, total: 0, lines: [{ action: 'text.generate', quantity: 1, provider: 'embedded' }] });
    expect(typeof res.body.rateTableVersion).toBe('string');
    expect(res.body.directions).toBeUndefined();
    expect((await s.request('GET', `/api/v1/profiles/${p.id}`)).body.contentDirections).toEqual([]);
    expect(await costs(p.id, 'text.generate')).toHaveLength(0);
  });

  it('refuses a missing or long prompt, a count out of 1–10, a save past 50 directions (400), missing scope (403), unknown and foreign profiles (404)', async () => {
    const p = await createProfile({ contentDirections: Array.from({ length: 48 }, (_, i) => ({ title: `d${i}`, prompt: 'p' })) });
    const path = `/api/v1/profiles/${p.id}/content-directions/draft`;
    expect(expectApiError(await s.request('POST', path, { body: {} }), 400, /prompt is required/).param).toBe('prompt');
    expectApiError(await s.request('POST', path, { body: { prompt: '   ' } }), 400, /prompt is required/);
    expectApiError(await s.request('POST', path, { body: { prompt: 'x'.repeat(2001) } }), 400, /at most 2000/);
    for (const count of [0, 11, 2.5, '3']) expect(expectApiError(await s.request('POST', path, { body: { prompt: 'ok', count } }), 400).param).toBe('count');
    expect(expectApiError(await s.request('POST', path, { body: { prompt: 'ok', save: 'yes' } }), 400).param).toBe('save');
    expect(expectApiError(await s.request('POST', path, { body: { prompt: 'ok', count: 3, save: true } }), 400, /at most 50/).param).toBe('count');
    expectApiError(await s.request('POST', path, { key: writeKey, body: { prompt: 'ok' } }), 403, /content:generate/);
    expectApiError(await s.request('POST', path, { key: contentReadKey, body: { prompt: 'ok' } }), 403, /content:generate/);
    expectApiError(await s.request('POST', '/api/v1/profiles/prof_nope/content-directions/draft', { body: { prompt: 'ok' } }), 404);
    expectApiError(await s.request('POST', `/api/v1/profiles/${foreignProfileId}/content-directions/draft`, { body: { prompt: 'ok', dryRun: true } }), 404);
    expect((await s.request('GET', path.replace('/content-directions/draft', ''))).body.contentDirections).toHaveLength(48);
    expect(await costs(p.id, 'text.generate')).toHaveLength(0);
  });
});

describe('POST /api/v1/profiles/:profileId/generate-caption (embedded)', () => {
  const mountain = ['Up before the sun again 🏔️ summit coffee hits different #saltandsummit', 'Cold hands, warm mug 🏔️ summit coffee #saltandsummit', 'Another ridge, another summit coffee 🏔️ #saltandsummit'];
  const beach = ['salt in my hair 🌊 #tidepoolclub', 'low tide, high spirits 🌊 #tidepoolclub', 'barefoot all day 🌊 #tidepoolclub'];

  async function caption(profileId: string, body: Record<string, unknown>, key?: string) {
    return s.request('POST', `/api/v1/profiles/${profileId}/generate-caption`, { body, ...(key ? { key } : {}) });
  }

  it('writes a caption grounded in the corpus for a media URL of the team (relative or absolute); same input, same caption; cost recorded', async () => {
    const p = await createProfile({ voiceCorpus: mountain });
    const blobId = await imageBlob();
    const res = await caption(p.id, { imageUrl: `/api/v1/media/${blobId}`, direction: 'sunrise coffee at camp' }, generateKey);
    expect(res.status, res.text).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['caption', 'model', 'profileId', 'provider', 'usage']);
    expect(res.body).toMatchObject({ provider: 'embedded', profileId: p.id });
    expect(res.body.caption).toContain('#saltandsummit');
    expect(res.body.caption).toContain('🏔');
    expect(res.body.caption).toContain('summit coffee');
    expect(res.body.usage.completionTokens).toBeGreaterThan(0);
    const absolute = await caption(p.id, { imageUrl: `https://api.example.com/api/v1/media/${blobId}`, direction: 'sunrise coffee at camp' });
    expect(absolute.body.caption).toBe(res.body.caption);
    const recorded = await costs(p.id, 'caption.generate');
    expect(recorded).toHaveLength(2);
    expect(recorded[0]).toMatchObject({ provider: 'embedded', totalMicros: 0 });
  });

  it('a different corpus gives a different caption in that corpus’s voice; another image or direction varies it', async () => {
    const blobId = await imageBlob();
    const hills = await createProfile({ voiceCorpus: mountain });
    const sea = await createProfile({ voiceCorpus: beach });
    const a = (await caption(hills.id, { imageUrl: `/api/v1/media/${blobId}`, direction: 'a slow morning' })).body.caption;
    const b = (await caption(sea.id, { imageUrl: `/api/v1/media/${blobId}`, direction: 'a slow morning' })).body.caption;
    expect(b).not.toBe(a);
    expect(b).toContain('#tidepoolclub');
    expect(b).toContain('🌊');
    expect(b).not.toContain('#saltandsummit');
    expect(b).toBe(b.toLowerCase()); // that corpus writes in lower case
    const otherDirection = (await caption(hills.id, { imageUrl: `/api/v1/media/${blobId}`, direction: 'ridge line at dusk' })).body.caption;
    expect(otherDirection).not.toBe(a);
    expect(otherDirection).toContain('#saltandsummit');
  });

  it('direction may name one of the profile’s content directions by id; instructions shape the caption', async () => {
    const p = await createProfile({ voiceCorpus: mountain, contentDirections: [{ id: 'dir_ridge', title: 'Ridge run', prompt: 'running a misty ridge line' }] });
    const imageUrl = `/api/v1/media/${await imageBlob()}`;
    const byId = await caption(p.id, { imageUrl, direction: 'dir_ridge' });
    const byText = await caption(p.id, { imageUrl, direction: 'Ridge run: running a misty ridge line' });
    expect(byId.body.caption).toBe(byText.body.caption);
    expect(byId.body.caption.toLowerCase()).toMatch(/ridge/);
    const plain = await caption(p.id, { imageUrl, direction: 'dir_ridge', instructions: 'no hashtags, no emoji' });
    expect(plain.status, plain.text).toBe(200);
    expect(plain.body.caption).not.toContain('#');
    expect(plain.body.caption).not.toMatch(/\p{Extended_Pictographic}/u);
  });

  it('fetches an external http(s) URL through the guarded fetch, sniffing it as an image', async () => {
    const p = await createProfile({ voiceCorpus: mountain });
    const res = await caption(p.id, { imageUrl: `${imagesUrl}/photo.png` });
    expect(res.status, res.text).toBe(200);
    expect(res.body.caption).toContain('#saltandsummit');
    const again = await caption(p.id, { imageUrl: `${imagesUrl}/photo.png?again=1` });
    expect(again.body.caption).toBe(res.body.caption); // same bytes, same caption
  });

  it('answers 400 for bad URLs, 404 for media of another team, 415 for what is not an image, 413 past the size limit, 422 when unreachable', async () => {
    const p = await createProfile();
    expect(expectApiError(await caption(p.id, {}), 400, /imageUrl is required/).param).toBe('imageUrl');
    for (const imageUrl of ['not a url', 'ftp://example.com/a.png', '/api/v1/files/x.png', 'file:///etc/passwd']) {
      const err = expectApiError(await caption(p.id, { imageUrl }), 400);
      expect(err.param).toBe('imageUrl');
    }
    expectApiError(await caption(p.id, { imageUrl: 'http://user:pw@example.com/a.png' }), 400, /credentials/);
    expectApiError(await caption(p.id, { imageUrl: 'x'.repeat(2049) }), 400, /at most 2048/);
    expectApiError(await caption(p.id, { imageUrl: `${imagesUrl}/photo.png`, direction: 5 }), 400);
    expectApiError(await caption(p.id, { imageUrl: 'http://169.254.169.254/latest/meta-data' }), 400, /metadata/);
    const foreignBlob = await imageBlob(other.teamId);
    expect(expectApiError(await caption(p.id, { imageUrl: `/api/v1/media/${foreignBlob}` }), 404).code).toBe('media_not_found');
    const wav = Buffer.concat([Buffer.from('RIFF'), Buffer.from([36, 0, 0, 0]), Buffer.from('WAVEfmt '), Buffer.from([16, 0, 0, 0, 1, 0, 1, 0, 0x44, 0xac, 0, 0, 0x88, 0x58, 1, 0, 2, 0, 16, 0]), Buffer.from('data'), Buffer.alloc(4)]);
    const audio = await putBlob(s.app.deps.prisma, { teamId, bytes: wav, kind: 'audio', contentType: 'audio/wav' });
    expect(expectApiError(await caption(p.id, { imageUrl: `/api/v1/media/${audio.id}` }), 415).param).toBe('imageUrl');
    expectApiError(await caption(p.id, { imageUrl: `${imagesUrl}/page` }), 415, /not image/);
    expectApiError(await caption(p.id, { imageUrl: `${imagesUrl}/mislabelled` }), 415, /labelled audio\/mpeg/);
    expect(expectApiError(await caption(p.id, { imageUrl: `${imagesUrl}/big.png` }), 413).code).toBe('image_too_large');
    const missing = expectApiError(await caption(p.id, { imageUrl: `${imagesUrl}/missing.png` }), 422, /HTTP 404/);
    expect(missing).toMatchObject({ code: 'image_unreachable', param: 'imageUrl' });
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    expectApiError(await caption(p.id, { imageUrl: `http://127.0.0.1:${port}/a.png` }), 422, /could not connect/);
    expect(await costs(p.id, 'caption.generate')).toHaveLength(0);
  });

  it('dryRun answers the estimate without fetching or recording anything; scopes and ids are checked', async () => {
    const p = await createProfile();
    const hits: string[] = [];
    images.on('request', (req) => hits.push(req.url ?? ''));
    const res = await caption(p.id, { imageUrl: `${imagesUrl}/photo.png?dry`, dryRun: true });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ dryRun: true, currency: 'USD', totalMicros: 0, lines: [{ action: 'caption.generate', quantity: 1, provider: 'embedded' }] });
    expect(res.body.caption).toBeUndefined();
    expect(hits).not.toContain('/photo.png?dry');
    expect(await costs(p.id, 'caption.generate')).toHaveLength(0);
    expectApiError(await caption(p.id, { imageUrl: 'nope', dryRun: true }), 400);
    expectApiError(await caption(p.id, { imageUrl: `${imagesUrl}/photo.png` }, writeKey), 403, /content:generate/);
    expectApiError(await caption(p.id, { imageUrl: `${imagesUrl}/photo.png` }, contentReadKey), 403, /content:generate/);
    expectApiError(await caption('prof_nope', { imageUrl: `${imagesUrl}/photo.png` }), 404);
    expectApiError(await caption(foreignProfileId, { imageUrl: `${imagesUrl}/photo.png` }), 404);
  });
});

describe('through the openai SDK (fake OpenAI server)', () => {
  let fake: FakeOpenAI;
  let so: TestServer;
  let profileId: string;
  let blobId: string;
  const corpus = ['Trail dust and espresso ⛰️ #dirtandcrema', 'Miles before emails ⛰️ #dirtandcrema'];

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    so = await startTestServer({ OPENAI_API_KEY: 'sk-test-profiles', OPENAI_BASE_URL: fake.url, RATE_LIMIT_PER_MINUTE: '100000' });
    const t = await teamOf(so);
    const infId = `inf_openai${Math.random().toString(16).slice(2, 14)}`;
    await so.app.deps.prisma.influencer.create({ data: { id: infId, teamId: t, name: 'Juno Reyes', handle: 'junoruns', bio: 'Ultra runner', niche: 'ultrarunning' } });
    const res = await so.request('POST', '/api/v1/profiles', { body: { name: 'Dirt & Crema', niche: 'trail running', influencerId: infId, voiceCorpus: corpus, contentDirections: [{ title: 'Existing theme', prompt: 'x' }] } });
    expect(res.status, res.text).toBe(201);
    profileId = res.body.id;
    blobId = (await putBlob(so.app.deps.prisma, { teamId: t, bytes: png, kind: 'image', contentType: 'image/png' })).id;
  });
  afterAll(async () => {
    await so?.close();
    await fake?.close();
  });

  const chatRequests = () => fake.requests.filter((r) => r.path === '/v1/chat/completions');

  it('generate-caption sends the profile, the corpus samples and the image to the model and answers its caption', async () => {
    fake.content.chatReply = '  Espresso, then elevation ⛰️ #dirtandcrema  ';
    const before = chatRequests().length;
    const res = await so.request('POST', `/api/v1/profiles/${profileId}/generate-caption`, { body: { imageUrl: `/api/v1/media/${blobId}`, direction: 'first light on the climb', instructions: 'keep it short' } });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ caption: 'Espresso, then elevation ⛰️ #dirtandcrema', provider: 'openai', model: 'gpt-4o-mini', profileId, usage: { promptTokens: 21 } });
    const sent = chatRequests().slice(before);
    expect(sent).toHaveLength(1);
    const body = sent[0]!.body as any;
    expect(body.stream).not.toBe(true);
    const system = body.messages[0].content as string;
    expect(body.messages[0].role).toBe('system');
    for (const sample of corpus) expect(system).toContain(sample);
    expect(system).toContain('Dirt & Crema');
    expect(system).toContain('Juno Reyes');
    const user = body.messages[1].content as any[];
    expect(user.find((p) => p.type === 'text').text).toContain('first light on the climb');
    expect(user.find((p) => p.type === 'text').text).toContain('keep it short');
    expect(user.find((p) => p.type === 'image_url').image_url.url).toBe(`data:image/png;base64,${png.toString('base64')}`);
    const rec = await so.app.deps.prisma.costRecord.findMany({ where: { action: 'caption.generate', subject: { path: ['profileId'], equals: profileId } } });
    expect(rec).toHaveLength(1);
    expect(rec[0]).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', unitMicros: 2000, totalMicros: 2000 });
  });

  it('a dry run is priced at the OpenAI rate and sends nothing', async () => {
    const before = fake.requests.length;
    const res = await so.request('POST', `/api/v1/profiles/${profileId}/generate-caption`, { body: { imageUrl: `/api/v1/media/${blobId}`, dryRun: true } });
    expect(res.body).toMatchObject({ dryRun: true, totalMicros: 2000, total: 0.002, lines: [{ action: 'caption.generate', provider: 'openai', unitMicros: 2000 }] });
    const draft = await so.request('POST', `/api/v1/profiles/${profileId}/content-directions/draft`, { body: { prompt: 'race week', dryRun: true } });
    expect(draft.body).toMatchObject({ dryRun: true, totalMicros: 2000, lines: [{ action: 'text.generate', provider: 'openai' }] });
    expect(fake.requests.length).toBe(before);
  });

  it('draft asks for JSON with the profile, influencer, corpus and existing directions, and answers the model’s directions', async () => {
    fake.content.chatReply = (body) =>
      JSON.stringify({
        directions: [
          { title: 'Race-week rituals', prompt: 'The small habits in the week before a race.' },
          { title: 'Race-week rituals', prompt: 'duplicate title, dropped' },
          { title: 'Aid station food', prompt: 'Ranking what the aid stations serve.' },
          { nope: true },
          { title: 'Too many', prompt: `asked for ${(body.messages as any[])[1].content.match(/exactly (\d+)/)[1]}` },
        ],
      });
    const before = chatRequests().length;
    const res = await so.request('POST', `/api/v1/profiles/${profileId}/content-directions/draft`, { body: { prompt: 'race week for a 100 miler', count: 2, save: true } });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', saved: true });
    expect(res.body.directions.map((d: any) => [d.title, d.prompt])).toEqual([
      ['Race-week rituals', 'The small habits in the week before a race.'],
      ['Aid station food', 'Ranking what the aid stations serve.'],
    ]);
    const body = chatRequests().slice(before)[0]!.body as any;
    expect(body.response_format).toEqual({ type: 'json_object' });
    const system = body.messages[0].content as string;
    for (const sample of corpus) expect(system).toContain(sample);
    expect(system).toContain('Juno Reyes');
    expect(system).toContain('trail running');
    expect(system).toContain('Existing theme');
    expect(body.messages[1].content).toContain('race week for a 100 miler');
    const profile = (await so.request('GET', `/api/v1/profiles/${profileId}`)).body;
    expect(profile.contentDirections.map((d: any) => d.title)).toEqual(['Existing theme', 'Race-week rituals', 'Aid station food']);
  });

  it('a malformed or empty model answer is a 502 without the provider’s words, and nothing is saved or charged', async () => {
    const charged = () => so.app.deps.prisma.costRecord.count({ where: { action: 'text.generate' } });
    const n = await charged();
    fake.content.chatReply = 'not json at all';
    expectApiError(await so.request('POST', `/api/v1/profiles/${profileId}/content-directions/draft`, { body: { prompt: 'x', save: true } }), 502, /malformed JSON/);
    fake.content.chatReply = JSON.stringify({ directions: [{ title: '' }] });
    expectApiError(await so.request('POST', `/api/v1/profiles/${profileId}/content-directions/draft`, { body: { prompt: 'x', save: true } }), 502, /no usable content directions/);
    fake.failWith(500);
    try {
      const res = await so.request('POST', `/api/v1/profiles/${profileId}/generate-caption`, { body: { imageUrl: `/api/v1/media/${blobId}` } });
      const err = expectApiError(res, 502);
      expect(err.message).not.toMatch(/server had an error/);
    } finally {
      fake.failWith(null);
    }
    expect(await charged()).toBe(n);
    expect((await so.request('GET', `/api/v1/profiles/${profileId}`)).body.contentDirections).toHaveLength(3);
  });

  it('refuses a loopback image URL unless the outbound policy allows it (400)', async () => {
    const err = expectApiError(await so.request('POST', `/api/v1/profiles/${profileId}/generate-caption`, { body: { imageUrl: `${imagesUrl}/photo.png` } }), 400, /loopback/);
    expect(err.param).toBe('imageUrl');
  });
});

describe('GraphQL', () => {
  const PROFILE = `
    id name niche influencerId contentDirections { id title prompt } voiceCorpusSize
    voiceSamples(limit: 2) { text source }
    voiceStats(limit: 1) { corpusSize bySource { manual } style { hashtags } recentSamples { text } }
    mediaLibrary(first: 2) { edges { node { kind source url external caption } } pageInfo { hasNextPage } }
  `;

  it('creates, reads, updates and deletes profiles; the node carries its corpus, stats and media library', async () => {
    const created = await s.graphql(
      `mutation($input: CreateProfileInput!) { createProfile(input: $input) { __typename ... on MutationCreateProfileSuccess { data { id name voiceCorpusSize contentDirections { id title } } } ... on ValidationError { message param } } }`,
      { input: { name: 'Graph voice', niche: 'climbing', contentDirections: [{ title: 'Crux', prompt: 'the hard move' }], voiceCorpus: ['send it 🧗 #crimpers', 'chalk up 🧗 #crimpers', 'third'] } },
    );
    expect(created.body.errors).toBeUndefined();
    const p = created.body.data.createProfile.data;
    expect(p).toMatchObject({ name: 'Graph voice', voiceCorpusSize: 3, contentDirections: [{ title: 'Crux' }] });
    await addMediaItem(s.app.deps.prisma, { teamId, profileId: p.id, kind: 'image', source: 'imported', url: 'https://cdn.example/a.jpg', caption: 'a' });
    await addMediaItem(s.app.deps.prisma, { teamId, profileId: p.id, kind: 'video', source: 'generated', blobId: await imageBlob(), caption: 'b' });
    await addMediaItem(s.app.deps.prisma, { teamId, profileId: p.id, kind: 'image', source: 'generated', blobId: await imageBlob(), caption: 'c' });

    const read = await s.graphql(`query($id: ID!) { profile(id: $id) { ${PROFILE} } node(id: $id) { __typename id } }`, { id: p.id });
    expect(read.body.errors).toBeUndefined();
    const got = read.body.data.profile;
    expect(got.voiceSamples).toHaveLength(2);
    expect(got.voiceStats).toMatchObject({ corpusSize: 3, bySource: { manual: 3 }, style: { hashtags: ['#crimpers'] } });
    expect(got.voiceStats.recentSamples).toHaveLength(1);
    expect(got.mediaLibrary.edges).toHaveLength(2);
    expect(got.mediaLibrary.pageInfo.hasNextPage).toBe(true);
    for (const e of got.mediaLibrary.edges) expect(e.node.url).toMatch(/^(\/api\/v1\/media\/|https:\/\/cdn\.example\/)/);
    expect(read.body.data.node).toEqual({ __typename: 'Profile', id: p.id });

    const video = await s.graphql(`query($id: ID!) { profile(id: $id) { mediaLibrary(kind: video) { edges { node { caption external } } } } }`, { id: p.id });
    expect(video.body.data.profile.mediaLibrary.edges).toEqual([{ node: { caption: 'b', external: false } }]);

    const updated = await s.graphql(
      `mutation($id: ID!) { updateProfile(id: $id, input: { niche: null, description: "new" }) { ... on MutationUpdateProfileSuccess { data { name niche } } } }`,
      { id: p.id },
    );
    expect(updated.body.data.updateProfile.data).toEqual({ name: 'Graph voice', niche: null });
    const rest = await s.request('GET', `/api/v1/profiles/${p.id}`);
    expect(rest.body).toMatchObject({ description: 'new', niche: null });

    const list = await s.graphql(`{ profiles(first: 100) { edges { node { id } } } }`);
    const ids = list.body.data.profiles.edges.map((e: any) => e.node.id);
    expect(ids).toContain(p.id);
    expect(ids).not.toContain(foreignProfileId);

    const del = await s.graphql(`mutation($id: ID!) { deleteProfile(id: $id) { ... on MutationDeleteProfileSuccess { data { id } } } }`, { id: p.id });
    expect(del.body.data.deleteProfile.data.id).toBe(p.id);
    expect((await s.graphql(`query($id: ID!) { profile(id: $id) { id } }`, { id: p.id })).body.data.profile).toBeNull();
  });

  it('links a profile to its influencer and the influencer to its profiles (Profile.influencer, Influencer.profiles)', async () => {
    const inf = await influencer(teamId, 'Linked Face');
    const a = await createProfile({ name: 'Voice A', influencerId: inf });
    const b = await createProfile({ name: 'Voice B', influencerId: inf });
    const solo = await createProfile({ name: 'No face' });
    const res = await s.graphql(
      `query($a: ID!, $solo: ID!) { a: profile(id: $a) { influencer { id name profiles { id name } } } solo: profile(id: $solo) { influencerId influencer { id } } }`,
      { a: a.id, solo: solo.id },
    );
    expect(res.body.errors).toBeUndefined();
    const linked = res.body.data.a.influencer;
    expect(linked).toMatchObject({ id: inf, name: 'Linked Face' });
    expect(linked.profiles.map((p: any) => p.name).sort()).toEqual(['Voice A', 'Voice B']);
    expect(linked.profiles.map((p: any) => p.id).sort()).toEqual([a.id, b.id].sort());
    expect(res.body.data.solo).toEqual({ influencerId: null, influencer: null });
  });

  it('answers typed errors from mutations: validation, not found (foreign ids too), missing scope', async () => {
    const bad = await s.graphql(`mutation { createProfile(input: { name: " " }) { __typename ... on ValidationError { param } } }`);
    expect(bad.body.data.createProfile).toEqual({ __typename: 'ValidationError', param: 'name' });
    const foreign = await s.graphql(`mutation($id: ID!) { updateProfile(id: $id, input: { name: "x" }) { __typename } }`, { id: foreignProfileId });
    expect(foreign.body.data.updateProfile.__typename).toBe('NotFoundError');
    expect((await s.graphql(`query($id: ID!) { profile(id: $id) { id } }`, { id: foreignProfileId })).body.data.profile).toBeNull();
    const scope = await s.graphql(`mutation { createProfile(input: { name: "x" }) { __typename ... on ForbiddenError { scope } } }`, {}, { key: readKey });
    expect(scope.body.data.createProfile).toEqual({ __typename: 'ForbiddenError', scope: 'profile:write' });
  });

  it('the corpus and media library need content:read, as in REST; the profile itself only profile:read', async () => {
    const p = await createProfile({ voiceCorpus: ['hidden words'] });
    const plain = await s.graphql(`query($id: ID!) { profile(id: $id) { name voiceCorpusSize } }`, { id: p.id }, { key: readKey });
    expect(plain.body.errors).toBeUndefined();
    expect(plain.body.data.profile).toEqual({ name: 'Trail Mornings', voiceCorpusSize: 1 });
    for (const field of ['voiceSamples { text }', 'voiceStats { corpusSize }', 'mediaLibrary { edges { node { id } } }']) {
      const res = await s.graphql(`query($id: ID!) { profile(id: $id) { name ${field} } }`, { id: p.id }, { key: readKey });
      expect(res.body.errors?.[0]?.message, field).toMatch(/content:read/);
      expect(JSON.stringify(res.body.data ?? {})).not.toContain('hidden words');
    }
  });

  it('addVoiceSamples, draftContentDirections and generateCaption mutations (with dry runs)', async () => {
    const p = await createProfile();
    const add = await s.graphql(
      `mutation($id: ID!) { addVoiceSamples(profileId: $id, samples: ["big wall days 🧗 #verticalmornings", "big wall nights 🧗 #verticalmornings"]) { ... on MutationAddVoiceSamplesSuccess { data { added stats { corpusSize } } } } }`,
      { id: p.id },
    );
    expect(add.body.data.addVoiceSamples.data).toEqual({ added: 2, stats: { corpusSize: 2 } });
    const draft = await s.graphql(
      `mutation($id: ID!) { draftContentDirections(profileId: $id, prompt: "granite and coffee", count: 2, save: true) { ... on MutationDraftContentDirectionsSuccess { data { saved provider directions { id title } estimate { totalMicros } } } } }`,
      { id: p.id },
    );
    const d = draft.body.data.draftContentDirections.data;
    expect(d).toMatchObject({ saved: true, provider: 'embedded', estimate: { totalMicros: 0 } });
    expect(d.directions).toHaveLength(2);
    expect((await s.request('GET', `/api/v1/profiles/${p.id}`)).body.contentDirections.map((x: any) => x.id)).toEqual(d.directions.map((x: any) => x.id));
    const dry = await s.graphql(
      `mutation($id: ID!) { draftContentDirections(profileId: $id, prompt: "x", dryRun: true) { ... on MutationDraftContentDirectionsSuccess { data { saved directions { id } estimate { lines { action quantity } } } } } }`,
      { id: p.id },
    );
    expect(dry.body.data.draftContentDirections.data).toMatchObject({ saved: false, directions: [] });
    const imageUrl = `/api/v1/media/${await imageBlob()}`;
    const cap = await s.graphql(
      `mutation($id: ID!, $url: String!) { generateCaption(profileId: $id, imageUrl: $url, direction: "granite") { ... on MutationGenerateCaptionSuccess { data { caption provider profileId } } } }`,
      { id: p.id, url: imageUrl },
    );
    const c = cap.body.data.generateCaption.data;
    expect(c).toMatchObject({ provider: 'embedded', profileId: p.id });
    expect(c.caption).toContain('#verticalmornings');
    const rest = await s.request('POST', `/api/v1/profiles/${p.id}/generate-caption`, { body: { imageUrl, direction: 'granite' } });
    expect(rest.body.caption).toBe(c.caption);
    const noScope = await s.graphql(`mutation($id: ID!, $url: String!) { generateCaption(profileId: $id, imageUrl: $url) { __typename ... on ForbiddenError { scope } } }`, { id: p.id, url: imageUrl }, { key: writeKey });
    expect(noScope.body.data.generateCaption).toEqual({ __typename: 'ForbiddenError', scope: 'content:generate' });
    const badUrl = await s.graphql(`mutation($id: ID!) { generateCaption(profileId: $id, imageUrl: "nope") { __typename ... on ValidationError { param } } }`, { id: p.id });
    expect(badUrl.body.data.generateCaption).toEqual({ __typename: 'ValidationError', param: 'imageUrl' });
  });

  it('profiles with their corpus and media library load in a fixed number of SQL statements, whatever the number of profiles', async () => {
    const t = await s.createTeam('sql counting');
    const tId = (await s.request('GET', '/api/v1/me', { key: t.key })).body.team.id;
    async function count(): Promise<number> {
      let n = 0;
      const stop = s.app.onQuery((e) => void (/"(Profile|ProfileVoiceSample|MediaItem)"/.test(e.query) && n++));
      const res = await s.graphql(`{ profiles(first: 50) { edges { node { id voiceCorpusSize voiceSamples(limit: 3) { text } mediaLibrary(first: 3) { edges { node { id } } } } } } }`, {}, { key: t.key });
      stop();
      expect(res.body.errors).toBeUndefined();
      return n;
    }
    const add = async (k: number) => {
      for (let i = 0; i < k; i++) {
        const p = await createProfile({ voiceCorpus: [`sample ${i}`, `other ${i}`] }, t.key);
        await addMediaItem(s.app.deps.prisma, { teamId: tId, profileId: p.id, kind: 'image', source: 'imported', url: `https://cdn.example/${i}.jpg` });
      }
    };
    await add(1);
    const one = await count();
    await add(5);
    expect(await count()).toBe(one);
  });
});

/**
 * The /api/v1/characters paths and the OpenAI side of influencers:
 * analyze-photos (embedded pixel analysis of PNG and JPEG, and a vision model
 * through the openai SDK against the local fake), voice samples and the
 * voice profile (pending → ready as audio adds up), wardrobe generation
 * (embedded and OpenAI), the ingredient library's JSON merge patch, and the
 * reference pack through OpenAI's image API with its progress over a
 * graphql-ws subscription, in order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { ADMIN_KEY, startTestServer, type TestServer } from './helpers/server.js';
import { startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { gif, jpg, multipart, png, poll, waitForPack, wav, WAIT_MS } from './helpers/influencers.js';
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
  foreignId = (await s.request('POST', '/api/v1/influencers', { key: other.key, body: { name: 'Rival' } })).body.id;
});
afterAll(async () => s?.close());

async function create(srv: TestServer, body: Record<string, unknown> = {}) {
  const res = await srv.request('POST', '/api/v1/influencers', { body: { name: 'Mara Voss', ...body } });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

const WARM_BRIGHT: [[number, number, number], [number, number, number]] = [[250, 200, 120], [220, 40, 40]]; // sunny cream background, red clothing
const COOL_DARK: [[number, number, number], [number, number, number]] = [[20, 30, 70], [30, 60, 140]]; // navy night, blue clothing

async function analyze(parts: Parameters<typeof multipart>[0], key?: string, srv = s) {
  return srv.request('POST', '/api/v1/characters/analyze-photos', { ...(await multipart(parts)), ...(key ? { key } : {}) });
}

describe('POST /api/v1/characters/analyze-photos (embedded)', () => {
  it('derives lighting, cast and named colours from the pixels: visibly different photos give different prompts and wardrobe colours, the same photos the same answer; cost recorded', async () => {
    const warm = await analyze([{ field: 'files', bytes: png(...WARM_BRIGHT), type: 'image/png' }, { field: 'files', bytes: jpg(...WARM_BRIGHT), type: 'image/jpeg' }], writeKey);
    expect(warm.status, warm.text).toBe(200);
    expect(warm.body).toMatchObject({ provider: 'embedded', model: 'embedded-pixel-analysis-v1' });
    expect(warm.body.attributes).toMatchObject({ photos: 2, cast: 'warm', outfitColour: 'red' });
    expect(['bright', 'balanced']).toContain(warm.body.attributes.lighting);
    expect(warm.body.attributes.perPhoto.map((p: any) => p.orientation)).toEqual(['portrait', 'landscape']);
    expect(warm.body.basePrompt).toMatch(/warm colour cast/);
    expect(warm.body.basePrompt).toMatch(/wearing red clothing/);
    expect(warm.body.wardrobe[0]).toMatchObject({ name: 'Red top', category: 'top', colour: 'red' });

    const cool = await analyze([{ field: 'photo', bytes: jpg(...COOL_DARK), type: 'image/jpeg' }]);
    expect(cool.status, cool.text).toBe(200);
    expect(cool.body.attributes).toMatchObject({ photos: 1, cast: 'cool', lighting: 'dark' });
    expect(cool.body.basePrompt).toMatch(/cool colour cast/);
    expect(cool.body.basePrompt).not.toBe(warm.body.basePrompt);
    expect(cool.body.wardrobe[0].colour).not.toBe('red');
    expect(cool.body.attributes.dominantColours.map((c: any) => c.name)).toContain('navy');

    const again = await analyze([{ field: 'files', bytes: png(...WARM_BRIGHT), type: 'image/png' }, { field: 'files', bytes: jpg(...WARM_BRIGHT), type: 'image/jpeg' }]);
    expect(again.body).toEqual(warm.body);
    const costs = await s.app.deps.prisma.costRecord.findMany({ where: { action: 'photo.analyze' } });
    expect(costs.map((c) => [c.quantity, c.provider])).toEqual([[2, 'embedded'], [1, 'embedded'], [2, 'embedded']]);
    expect(await s.app.deps.prisma.blob.count({ where: { kind: 'image' } })).toBe(0); // nothing stored
  });

  it('answers a partial analysis when some photos cannot be read offline, 415 when none can; dryRun estimates', async () => {
    const mixed = await analyze([{ field: 'files', bytes: gif(), type: 'image/gif' }, { field: 'files', bytes: png(...COOL_DARK), type: 'image/png' }]);
    expect(mixed.status, mixed.text).toBe(200);
    expect(mixed.body.attributes).toMatchObject({ photos: 1, unreadable: [{ index: 0, contentType: 'image/gif' }] });
    expectApiError(await analyze([{ field: 'files', bytes: gif(), type: 'image/gif' }]), 415, /PNG and JPEG.*image\/gif/);
    const dry = await s.request('POST', '/api/v1/characters/analyze-photos?dryRun=true', await multipart([{ field: 'files', bytes: png(...COOL_DARK), type: 'image/png' }]));
    expect(dry.body).toMatchObject({ dryRun: true, lines: [{ action: 'photo.analyze', quantity: 1, provider: 'embedded' }] });
  });

  it('refuses no photos or more than 10 (400), non-images and mislabelled files (415), oversized ones (413), JSON (415), a key without character:write (403)', async () => {
    expectApiError(await analyze([{ field: 'note', value: 'x' }]), 400, /1–10 photos/);
    expectApiError(await analyze(Array.from({ length: 11 }, () => ({ field: 'files', bytes: png([1, 2, 3]), type: 'image/png' }))), 400, /at most 10/);
    expectApiError(await analyze([{ field: 'files', bytes: Buffer.from('plain text'), type: 'image/png' }]), 415);
    expectApiError(await analyze([{ field: 'files', bytes: wav(1), type: 'image/png' }]), 415, /not image/);
    expectApiError(await analyze([{ field: 'files', bytes: png([1, 2, 3]), type: 'audio/mpeg' }]), 415, /labelled audio\/mpeg/);
    expectApiError(await analyze([{ field: 'files', bytes: Buffer.concat([png([1, 2, 3]), Buffer.alloc(MAX_UPLOAD)]), type: 'image/png' }]), 413);
    expectApiError(await s.request('POST', '/api/v1/characters/analyze-photos', { body: { photos: [] } }), 415);
    expectApiError(await analyze([{ field: 'files', bytes: png([1, 2, 3]), type: 'image/png' }], readKey), 403, /character:write/);
  });
});

describe('voice samples and the voice profile', () => {
  it('goes none → pending → ready as WAV audio adds up to 30 s (durations read from the files); removing a sample by its URL (encoded) or media id goes back', async () => {
    const inf = await create(s);
    const base = `/api/v1/characters/${inf.id}`;
    const empty = await s.request('GET', `${base}/voice-profile`, { key: readKey });
    expect(empty.body).toMatchObject({ influencerId: inf.id, samples: [], sampleCount: 0, totalDuration: 0, cloneStatus: 'none', voiceId: null, provider: 'embedded', note: null });

    const one = await s.request('POST', `${base}/voice-samples`, { key: writeKey, ...(await multipart([{ field: 'file', bytes: wav(12), type: 'audio/wav', filename: 'hello.wav' }])) });
    expect(one.status, one.text).toBe(201);
    expect(one.body.added).toHaveLength(1);
    expect(one.body.added[0]).toMatchObject({ duration: 12, contentType: 'audio/wav', size: wav(12).length });
    expect(one.body.voiceProfile).toMatchObject({ cloneStatus: 'pending', voiceId: null, totalDuration: 12, sampleCount: 1 });
    const audio = await fetch(s.url + one.body.added[0].audioUrl, { headers: { Authorization: `Bearer ${readKey}` } });
    expect(audio.headers.get('content-type')).toBe('audio/wav');

    const two = await s.request('POST', `${base}/voice-samples`, { rawBody: wav(10), headers: { 'Content-Type': 'audio/wav' } });
    expect(two.body.voiceProfile).toMatchObject({ cloneStatus: 'pending', totalDuration: 22 });
    const three = await s.request('POST', `${base}/voice-samples`, await multipart([{ field: 'file', bytes: wav(8.5, 1000, 330), type: 'audio/wav' }]));
    const ready = three.body.voiceProfile;
    expect(ready).toMatchObject({ cloneStatus: 'ready', totalDuration: 30.5, sampleCount: 3 });
    expect(ready.voiceId).toMatch(/^voice_[0-9a-f]{24}$/);
    expect(ready.samples.map((x: any) => x.duration)).toEqual([12, 10, 8.5]);
    expect((await s.request('GET', `${base}/voice-profile`)).body).toEqual(ready);
    expect((await s.request('GET', `/api/v1/influencers/${inf.id}`)).body.voice).toMatchObject({ cloneStatus: 'ready', voiceId: ready.voiceId, sampleCount: 3 });
    expect(await s.app.deps.prisma.costRecord.count({ where: { action: 'voice.clone', subject: { path: ['influencerId'], equals: inf.id } } })).toBe(1);

    const byUrl = await s.request('DELETE', `${base}/voice-samples/${encodeURIComponent(ready.samples[0].audioUrl)}`, { key: writeKey });
    expect(byUrl.status, byUrl.text).toBe(200);
    expect(byUrl.body).toMatchObject({ cloneStatus: 'pending', voiceId: null, totalDuration: 18.5, sampleCount: 2 });
    expect((await s.request('GET', ready.samples[0].audioUrl)).status).toBe(404); // its audio is gone
    const byId = await s.request('DELETE', `${base}/voice-samples/${ready.samples[1].mediaId}`);
    expect(byId.body).toMatchObject({ sampleCount: 1, totalDuration: 8.5 });
    // The same samples give the same voice id again.
    const back = await s.request('POST', `${base}/voice-samples`, await multipart([
      { field: 'a', bytes: wav(12), type: 'audio/wav' },
      { field: 'b', bytes: wav(10), type: 'audio/wav' },
    ]));
    expect(back.body.voiceProfile).toMatchObject({ cloneStatus: 'ready', voiceId: ready.voiceId });
  });

  it('refuses non-audio and mislabelled uploads (415), oversized ones (413), JSON (415), no file (400); 404 for another character’s or unknown samples and ids; 403 without scopes', async () => {
    const inf = await create(s);
    const mate = await create(s);
    const base = `/api/v1/characters/${inf.id}`;
    expectApiError(await s.request('POST', `${base}/voice-samples`, { rawBody: png([1, 2, 3]), headers: { 'Content-Type': 'audio/wav' } }), 415, /not audio/);
    expectApiError(await s.request('POST', `${base}/voice-samples`, await multipart([{ field: 'file', bytes: wav(1), type: 'image/png' }])), 415, /labelled image\/png/);
    expectApiError(await s.request('POST', `${base}/voice-samples`, await multipart([{ field: 'file', bytes: Buffer.from('la la la'), type: 'audio/mpeg' }])), 415);
    expectApiError(await s.request('POST', `${base}/voice-samples`, { rawBody: wav(70), headers: { 'Content-Type': 'audio/wav' } }), 413);
    expectApiError(await s.request('POST', `${base}/voice-samples`, { body: { url: 'x' } }), 415);
    expectApiError(await s.request('POST', `${base}/voice-samples`, await multipart([{ field: 'note', value: 'x' }])), 400);
    const theirs = await s.request('POST', `/api/v1/characters/${mate.id}/voice-samples`, { rawBody: wav(1), headers: { 'Content-Type': 'audio/wav' } });
    const url = encodeURIComponent(theirs.body.added[0].audioUrl);
    expectApiError(await s.request('DELETE', `${base}/voice-samples/${url}`), 404, /no voice sample/);
    expectApiError(await s.request('DELETE', `${base}/voice-samples/not-a-url`), 404);
    expectApiError(await s.request('DELETE', `${base}/voice-samples/${url}`, { key: readKey }), 403, /character:write/);
    expectApiError(await s.request('POST', `${base}/voice-samples`, { key: readKey, rawBody: wav(1), headers: { 'Content-Type': 'audio/wav' } }), 403, /character:write/);
    expectApiError(await s.request('GET', `${base}/voice-profile`, { key: writeKey }), 403, /character:read/);
    for (const id of [foreignId, 'inf_nope']) {
      expectApiError(await s.request('GET', `/api/v1/characters/${id}/voice-profile`), 404);
      expectApiError(await s.request('POST', `/api/v1/characters/${id}/voice-samples`, { rawBody: wav(1), headers: { 'Content-Type': 'audio/wav' } }), 404);
      expectApiError(await s.request('DELETE', `/api/v1/characters/${id}/voice-samples/${url}`), 404);
    }
    expect((await s.request('GET', `/api/v1/characters/${mate.id}/voice-profile`)).body.sampleCount).toBe(1);
  });
});

describe('POST /api/v1/characters/:id/wardrobe/generate (embedded)', () => {
  it('composes items from the niche, base prompt and grade, appends them (new names each time) or replaces; records the cost; dryRun changes nothing', async () => {
    const inf = await create(s, { niche: 'trail running', basePrompt: 'a runner with auburn hair', aestheticGrade: 'golden-hour', wardrobe: [{ name: 'Old cap' }] });
    const url = `/api/v1/characters/${inf.id}/wardrobe/generate`;
    const dry = await s.request('POST', url, { body: { dryRun: true } });
    expect(dry.body).toMatchObject({ dryRun: true, lines: [{ action: 'text.generate', quantity: 1 }] });
    const a = await s.request('POST', url, { key: writeKey, body: { count: 3 } });
    expect(a.status, a.text).toBe(200);
    expect(a.body).toMatchObject({ provider: 'embedded', model: 'embedded-composer-v1' });
    expect(a.body.items).toHaveLength(3);
    expect(a.body.wardrobe.map((w: any) => w.name)).toEqual(['Old cap', ...a.body.items.map((i: any) => i.name)]);
    const garments = /tank|leggings|track jacket|running shoes|cap|hoodie/;
    expect(a.body.items.every((i: any) => garments.test(i.name))).toBe(true); // an athletic niche gets athletic garments
    const b = await s.request('POST', url, { body: { count: 2, prompt: 'a rainy day' } });
    expect(b.body.wardrobe).toHaveLength(6);
    expect(new Set(b.body.wardrobe.map((w: any) => w.name)).size).toBe(6);
    const r = await s.request('POST', url, { body: { count: 1, replace: true } });
    expect(r.body.wardrobe).toEqual(r.body.items);
    expect(await s.app.deps.prisma.costRecord.count({ where: { action: 'text.generate', subject: { path: ['influencerId'], equals: inf.id } } })).toBe(3);
    // Another influencer of another style gets other garments.
    const smart = await create(s, { niche: 'startup finance' });
    const c = await s.request('POST', `/api/v1/characters/${smart.id}/wardrobe/generate`, { body: { count: 2 } });
    expect(c.body.items.every((i: any) => /blazer|shirt|trousers|loafers|watch|overcoat/.test(i.name))).toBe(true);
  });

  it('refuses count outside 1–10 and bad fields (400), unknown and foreign ids (404), missing scope (403)', async () => {
    const inf = await create(s);
    const url = `/api/v1/characters/${inf.id}/wardrobe/generate`;
    expectApiError(await s.request('POST', url, { body: { count: 0 } }), 400, /count/);
    expectApiError(await s.request('POST', url, { body: { count: 11 } }), 400, /count/);
    expectApiError(await s.request('POST', url, { body: { replace: 'yes' } }), 400, /replace/);
    expectApiError(await s.request('POST', url, { key: readKey, body: {} }), 403, /character:write/);
    expectApiError(await s.request('POST', `/api/v1/characters/${foreignId}/wardrobe/generate`, { body: {} }), 404);
    expectApiError(await s.request('POST', '/api/v1/characters/inf_nope/wardrobe/generate', { body: {} }), 404);
  });
});

describe('PATCH /api/v1/characters/:id/ingredients', () => {
  it('merges per RFC 7386: objects recursively, null removes, arrays and scalars replace; siblings untouched; answers the whole library', async () => {
    const inf = await create(s, { ingredients: { style: { hair: 'auburn', palette: ['olive', 'rust'], shoes: { trail: 'grey' } }, props: { mug: 'enamel' }, tone: 'warm' } });
    const url = `/api/v1/characters/${inf.id}/ingredients`;
    const res = await s.request('PATCH', url, {
      key: writeKey,
      rawBody: JSON.stringify({ style: { hair: null, eyes: 'green', palette: ['navy'], shoes: { road: 'white' } }, tone: 7, extra: { a: [1, { b: 2 }] } }),
      headers: { 'Content-Type': 'application/merge-patch+json' },
    });
    expect(res.status, res.text).toBe(200);
    const want = { style: { eyes: 'green', palette: ['navy'], shoes: { trail: 'grey', road: 'white' } }, props: { mug: 'enamel' }, tone: 7, extra: { a: [1, { b: 2 }] } };
    expect(res.body).toMatchObject({ influencerId: inf.id, ingredients: want });
    const plain = await s.request('PATCH', url, { body: { props: null, style: { shoes: null } } });
    expect(plain.body.ingredients).toEqual({ style: { eyes: 'green', palette: ['navy'] }, tone: 7, extra: { a: [1, { b: 2 }] } });
    expect((await s.request('GET', `/api/v1/influencers/${inf.id}`)).body.ingredients).toEqual(plain.body.ingredients);
    // Concurrent patches of different fields both land.
    await Promise.all(Array.from({ length: 5 }, (_, i) => s.request('PATCH', url, { body: { many: { [`k${i}`]: i } } })));
    expect((await s.request('GET', `/api/v1/influencers/${inf.id}`)).body.ingredients.many).toEqual({ k0: 0, k1: 1, k2: 2, k3: 3, k4: 4 });
  });

  it('refuses patches that are not an object, too deep, too large, or malformed (400); unknown and foreign ids (404); missing scope (403)', async () => {
    const inf = await create(s, { ingredients: { keep: true } });
    const url = `/api/v1/characters/${inf.id}/ingredients`;
    expectApiError(await s.request('PATCH', url, { rawBody: '[1,2]', headers: { 'Content-Type': 'application/merge-patch+json' } }), 400);
    expectApiError(await s.request('PATCH', url, { rawBody: '"x"', headers: { 'Content-Type': 'application/json' } }), 400);
    expectApiError(await s.request('PATCH', url, { rawBody: '{"a":', headers: { 'Content-Type': 'application/merge-patch+json' } }), 400, /malformed json/i);
    let deep: any = { leaf: 1 };
    for (let i = 0; i < 9; i++) deep = { d: deep };
    expectApiError(await s.request('PATCH', url, { body: deep }), 400, /deeper than 8/);
    await s.request('PATCH', url, { body: { big1: 'x'.repeat(40_000) } });
    expectApiError(await s.request('PATCH', url, { body: { big2: 'y'.repeat(30_000) } }), 400, /exceed 65536 bytes/);
    expect(Object.keys((await s.request('GET', `/api/v1/influencers/${inf.id}`)).body.ingredients).sort()).toEqual(['big1', 'keep']);
    expectApiError(await s.request('PATCH', url, { key: readKey, body: { a: 1 } }), 403, /character:write/);
    expectApiError(await s.request('PATCH', `/api/v1/characters/${foreignId}/ingredients`, { body: { a: 1 } }), 404);
    expectApiError(await s.request('PATCH', '/api/v1/characters/inf_nope/ingredients', { body: { a: 1 } }), 404);
  });
});

// --- OpenAI through the SDK, against the local fake -----------------------------------------------

describe('with OpenAI (the openai SDK against a local OpenAI-compatible server)', () => {
  let fake: FakeOpenAI;
  let o: TestServer;
  const clients: Client[] = [];

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    o = await startTestServer({ RATE_LIMIT_PER_MINUTE: '100000', JOB_POLL_MS: '50', OPENAI_API_KEY: 'sk-test-fake', OPENAI_BASE_URL: fake.url });
    fake.content.chatReply = (body) => {
      const system = String((body.messages as any[])[0].content);
      if (system.includes('analyse photos')) {
        return JSON.stringify({ basePrompt: 'a woman in her thirties with a black bob and round glasses', wardrobe: [{ name: 'Camel coat', category: 'outerwear', colour: 'camel' }], attributes: { hair: 'black bob' } });
      }
      if (system.includes('stylist')) return JSON.stringify({ items: [{ name: 'Linen shirt', category: 'top', colour: 'white' }, { name: 'Espadrilles', category: 'shoes' }] });
      return 'not json';
    };
  });
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    await o?.close();
    await fake?.close();
  });

  it('analyze-photos asks the vision model for JSON with the photos as data URLs, answers its reading, records OpenAI’s price', async () => {
    const res = await analyze([{ field: 'files', bytes: png(...WARM_BRIGHT), type: 'image/png' }, { field: 'files', bytes: jpg(...COOL_DARK), type: 'image/jpeg' }], undefined, o);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({
      basePrompt: 'a woman in her thirties with a black bob and round glasses',
      wardrobe: [{ name: 'Camel coat', category: 'outerwear', colour: 'camel' }],
      attributes: { hair: 'black bob' },
      provider: 'openai',
      model: 'gpt-4o-mini',
    });
    const req = fake.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!;
    expect(req.body.response_format).toEqual({ type: 'json_object' });
    const parts = (req.body.messages as any[])[1].content as any[];
    expect(parts.filter((p) => p.type === 'image_url').map((p) => p.image_url.url.slice(0, 22))).toEqual(['data:image/png;base64,', 'data:image/jpeg;base64']);
    const cost = await o.app.deps.prisma.costRecord.findFirst({ where: { action: 'photo.analyze' } });
    expect(cost).toMatchObject({ quantity: 2, provider: 'openai', unitMicros: 5000, totalMicros: 10000 });
  });

  it('wardrobe comes from the model’s JSON; a malformed answer is a 502 that leaks nothing and changes nothing', async () => {
    const inf = await create(o, { basePrompt: 'a sailor', wardrobe: [{ name: 'Striped tee' }] });
    const res = await o.request('POST', `/api/v1/characters/${inf.id}/wardrobe/generate`, { body: { count: 2 } });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', items: [{ name: 'Linen shirt' }, { name: 'Espadrilles' }] });
    expect(res.body.wardrobe.map((w: any) => w.name)).toEqual(['Striped tee', 'Linen shirt', 'Espadrilles']);
    const prompt = JSON.parse(String((fake.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!.body.messages as any[])[1].content));
    expect(prompt).toMatchObject({ character: { basePrompt: 'a sailor' }, existingWardrobe: ['Striped tee'], count: 2 });
    expect(await o.app.deps.prisma.costRecord.findFirst({ where: { action: 'text.generate' } })).toMatchObject({ provider: 'openai', totalMicros: 2000 });

    const saved = fake.content.chatReply;
    fake.content.chatReply = 'Sorry, I cannot do that.';
    try {
      const bad = await o.request('POST', `/api/v1/characters/${inf.id}/wardrobe/generate`, { body: { count: 2 } });
      expect(bad.status).toBe(502);
      expect(bad.body.error.message).toMatch(/malformed JSON/);
    } finally {
      fake.content.chatReply = saved;
    }
    expect((await o.request('GET', `/api/v1/influencers/${inf.id}`)).body.wardrobe).toHaveLength(3);
  });

  it('the voice profile says OpenAI has no voice cloning: the clone is the embedded one', async () => {
    const inf = await create(o);
    const res = await o.request('GET', `/api/v1/characters/${inf.id}/voice-profile`);
    expect(res.body).toMatchObject({ provider: 'embedded', cloneStatus: 'none' });
    expect(res.body.note).toMatch(/no voice-cloning API/);
  });

  it('makes the reference pack through the image API (edits with the front reference), 409 while it runs, and streams its progress over graphql-ws in order', async () => {
    const inf = await create(o, { basePrompt: 'a man with a shaved head and a gold earring', aestheticGrade: 'retro-90s' });
    await o.request('POST', `/api/v1/influencers/${inf.id}/references`, { rawBody: png([90, 60, 40]), headers: { 'Content-Type': 'image/png' } });
    const dry = await o.request('POST', `/api/v1/influencers/${inf.id}/generate-references`, { body: { dryRun: true } });
    expect(dry.body).toMatchObject({ totalMicros: 160000, lines: [{ provider: 'openai', unitMicros: 40000, quantity: 4 }] });

    const before = fake.requests.length;
    fake.content.holdImages(0);
    let events: any[] = [];
    try {
      const res = await o.request('POST', `/api/v1/influencers/${inf.id}/generate-references`, { body: {} });
      expect(res.status, res.text).toBe(202);
      await poll('the first image request', async () => fake.content.heldImages === 1);
      expectApiError(await o.request('POST', `/api/v1/influencers/${inf.id}/generate-references`, { body: {} }), 409, /already being generated/);

      const c = createClient({ url: o.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${ADMIN_KEY}` }, retryAttempts: 0 });
      clients.push(c);
      const got: any[] = [];
      const finished = new Promise<void>((resolve, reject) => {
        c.subscribe(
          { query: `subscription($id: ID!) { influencerJob(influencerId: $id) { id kind status done total mediaUrls error } }`, variables: { id: inf.id } },
          {
            next: (v) => {
              if (v.errors) return reject(new Error(JSON.stringify(v.errors)));
              got.push(v.data!.influencerJob);
              if (got.length === 1) fake.content.releaseImages(); // listening: let the job go on
              if (['completed', 'failed'].includes((v.data!.influencerJob as any).status)) resolve();
            },
            error: reject,
            complete: () => resolve(),
          },
        );
        setTimeout(() => reject(new Error('no completed event')), WAIT_MS).unref();
      });
      await finished;
      events = got;
      expect(events.every((e) => e.id === res.body.id && e.kind === 'references' && e.total === 4)).toBe(true);
    } finally {
      fake.content.releaseImages();
    }
    expect(events.map((e) => [e.status, e.done])).toEqual([['running', 0], ['running', 1], ['running', 2], ['running', 3], ['completed', 4]]);
    expect(events.map((e) => e.mediaUrls.length)).toEqual([0, 1, 2, 3, 4]);

    const pack = await waitForPack(o, inf.id);
    expect(pack).toMatchObject({ status: 'completed', done: 4, cost: { totalMicros: 160000, total: 0.16 } });
    expect(pack.views.map((v: any) => v.url)).toEqual(events.at(-1).mediaUrls);
    const imageRequests = fake.requests.slice(before).filter((r) => r.path.startsWith('/v1/images/'));
    expect(imageRequests).toHaveLength(4);
    expect(imageRequests.every((r) => r.path === '/v1/images/edits' && r.files.length === 1)).toBe(true); // the front reference goes along
    expect(imageRequests.map((r) => String(r.body.prompt))).toEqual([
      expect.stringContaining('front view'),
      expect.stringContaining('left profile view'),
      expect.stringContaining('right profile view'),
      expect.stringContaining('back view'),
    ]);
    expect(imageRequests.every((r) => String(r.body.prompt).includes('a man with a shaved head') && String(r.body.prompt).includes('1990s disposable camera'))).toBe(true);
    // The later views use the front view this job made as their style reference.
    expect(imageRequests[1]!.files[0]!.bytes).toEqual(fake.png);
    for (const v of pack.views) {
      const img = await fetch(o.url + v.url, { headers: { Authorization: `Bearer ${ADMIN_KEY}` } });
      expect(img.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(await img.arrayBuffer())).toEqual(fake.png);
    }
  });

  it('a provider that refuses the image request fails the pack with a safe error', async () => {
    const inf = await create(o, { basePrompt: 'refuse me' });
    fake.content.failImagesMatching = { pattern: /refuse me/, status: 400 };
    try {
      expect((await o.request('POST', `/api/v1/influencers/${inf.id}/generate-references`, { body: {} })).status).toBe(202);
      const pack = await waitForPack(o, inf.id);
      expect(pack).toMatchObject({ status: 'failed', done: 0 });
      expect(pack.error).toMatch(/rejected the image request \(status 400\)/);
      expect(pack.error).not.toMatch(/server had an error/);
    } finally {
      fake.content.failImagesMatching = null;
    }
  });
});

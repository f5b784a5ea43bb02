/**
 * Content (AutoPersonas) on the embedded provider: batches end to end, the
 * items' review status machine, regenerate, fine-tune-caption, videos (the
 * embedded animation) and A/B variants, the list and its filters, GraphQL
 * (including the fixed number of SQL statements for profile → batches →
 * items), and bad input on every path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';
import { makeProfile, readGif, teamOf, waitForBatch, waitForVideos, type ProfileFixture } from './helpers/content.js';
import { findGrade } from '../src/modules/catalog/aesthetic-grades.js';
import { expectApiError } from './helpers/errors.js';

let s: TestServer;
let teamId: string;
let readKey: string; // content:read only
let writeKey: string; // content:write only
let generateKey: string; // content:generate only
let other: { teamId: string; key: string };
let otherProfile: ProfileFixture;

beforeAll(async () => {
  s = await startTestServer({ RATE_LIMIT_PER_MINUTE: '100000', JOB_POLL_MS: '50' });
  teamId = await teamOf(s);
  readKey = (await s.createKey(['content:read'])).key;
  writeKey = (await s.createKey(['content:write'])).key;
  generateKey = (await s.createKey(['content:generate'])).key;
  other = await s.createTeam('rival');
  otherProfile = await makeProfile(s.app.deps.prisma, other.teamId, { name: 'Rival' });
});
afterAll(async () => s?.close());

const DIRECTIONS = [
  { id: 'dir_coffee', title: 'Trailhead coffee', prompt: 'pour-over coffee at the trailhead before sunrise' },
  { id: 'dir_ridge', title: 'Ridge run', prompt: 'running along a misty ridge line' },
];

async function generate(body: Record<string, unknown>, key?: string) {
  return s.request('POST', '/api/v1/content/generate', { body, ...(key ? { key } : {}) });
}

/** A finished batch of `count` items for a fresh profile. */
async function batchOf(count: number, opts: Parameters<typeof makeProfile>[2] = {}, body: Record<string, unknown> = {}) {
  const p = await makeProfile(s.app.deps.prisma, teamId, opts);
  const res = await generate({ profileId: p.profileId, count, ...body });
  expect(res.status, res.text).toBe(202);
  return { p, created: res.body, batch: await waitForBatch(s, res.body.id) };
}

/** An item in `status`, made through the API (generating items are written directly: none stays generating for long). */
async function itemIn(status: 'pending_review' | 'approved' | 'rejected' | 'generating' | 'failed'): Promise<any> {
  if (status === 'generating' || status === 'failed') {
    const p = await makeProfile(s.app.deps.prisma, teamId, { influencer: false });
    const id = `ci_${status}${Math.random().toString(16).slice(2, 14)}`;
    await s.app.deps.prisma.contentItem.create({ data: { id, teamId, profileId: p.profileId, status, prompt: 'a held item', error: status === 'failed' ? 'The image provider failed (status 500)' : null } });
    return (await s.request('GET', `/api/v1/content/${id}`)).body;
  }
  const { batch } = await batchOf(1);
  const item = batch.items[0];
  if (status === 'approved') expect((await s.request('POST', `/api/v1/content/${item.id}/approve`)).status).toBe(200);
  if (status === 'rejected') expect((await s.request('POST', `/api/v1/content/${item.id}/reject`, { body: { reason: 'off-brand' } })).status).toBe(200);
  return (await s.request('GET', `/api/v1/content/${item.id}`)).body;
}

describe('POST /api/v1/content/generate and GET /api/v1/batches/:id', () => {
  it('creates the batch at once (202, items generating at positions 0..n-1), then a job makes every item: caption, PNG image, media library entry, costs', async () => {
    const p = await makeProfile(s.app.deps.prisma, teamId, { references: 2, directions: DIRECTIONS, voice: ['Coffee first, miles second ☕ #trailmornings', 'Fog on the ridge again ☕ #trailmornings'] });
    const res = await generate({ profileId: p.profileId, count: 3 });
    expect(res.status, res.text).toBe(202);
    const created = res.body;
    expect(created.id).toMatch(/^batch_[0-9a-f]{24}$/);
    expect(created).toMatchObject({ profileId: p.profileId, count: 3, failed: 0 });
    expect(['queued', 'generating', 'completed']).toContain(created.status);
    expect(created.itemIds).toHaveLength(3);
    expect(created.items.map((i: any) => i.position)).toEqual([0, 1, 2]);
    expect(created.items.every((i: any) => i.id.startsWith('ci_'))).toBe(true);
    // Items made at creation are generating (unless the job was already quick enough to finish one).
    expect(created.items.every((i: any) => ['generating', 'pending_review'].includes(i.status))).toBe(true);

    const batch = await waitForBatch(s, created.id);
    expect(batch).toMatchObject({ status: 'completed', count: 3, completed: 3, failed: 0, progress: 100, error: null });
    expect(batch.finishedAt).toBeTruthy();
    expect(batch.items.map((i: any) => i.id)).toEqual(created.itemIds);
    for (const item of batch.items) {
      expect(item.status).toBe('pending_review');
      expect(item.caption.length).toBeGreaterThan(10);
      expect(item.caption).toContain('#trailmornings'); // grounded in the profile's voice corpus
      expect(item.influencerId).toBe(p.influencerId);
      expect(item.generation.image).toEqual({ provider: 'embedded', model: 'embedded-portrait-v1' });
      expect(item.generation.caption.provider).toBe('embedded');
      expect(item.generation.imagePrompt).toContain('short auburn hair');
      expect(item.generation.imagePrompt).toContain(findGrade('golden-hour')!.promptSuffix);
      const img = await s.request('GET', item.imageUrl);
      expect(img.status).toBe(200);
      expect(img.headers.get('content-type')).toBe('image/png');
      expect(Buffer.from(img.text, 'latin1').subarray(1, 4).toString()).toBe('PNG');
    }
    // The profile's directions in turn; each item its own picture.
    expect(batch.items.map((i: any) => i.prompt)).toEqual([
      'Trailhead coffee: pour-over coffee at the trailhead before sunrise',
      'Ridge run: running along a misty ridge line',
      'Trailhead coffee: pour-over coffee at the trailhead before sunrise',
    ]);
    expect(new Set(batch.items.map((i: any) => i.imageUrl)).size).toBe(3);
    expect(batch.items[0].caption).not.toBe(batch.items[1].caption); // other topic, other caption

    const prisma = s.app.deps.prisma;
    const media = await prisma.mediaItem.findMany({ where: { profileId: p.profileId } });
    expect(media).toHaveLength(3);
    expect(media.every((m) => m.kind === 'image' && m.source === 'generated')).toBe(true);
    expect(new Set(media.map((m) => m.contentItemId))).toEqual(new Set(created.itemIds));
    const costs = await prisma.costRecord.findMany({ where: { teamId, subject: { path: ['batchId'], equals: created.id } } });
    expect(costs.map((c) => c.action).sort()).toEqual(['caption.generate', 'caption.generate', 'caption.generate', 'image.generate', 'image.generate', 'image.generate']);
    expect(costs.every((c) => c.provider === 'embedded' && c.totalMicros === 0)).toBe(true);
    expect(batch.cost).toEqual({ currency: 'USD', totalMicros: 0, total: 0 });
    // The reference images went to the image provider as style references.
    const blob = await prisma.blob.findFirst({ where: { id: batch.items[0].imageUrl.split('/').pop() } });
    expect((blob!.metadata as any).styleReferences).toBe(2);
  });

  it('uses the batch prompt, a chosen direction and an aesthetic grade when given', async () => {
    const { batch } = await batchOf(2, { directions: DIRECTIONS }, { contentDirectionId: 'dir_ridge', aestheticGrade: 'moody-noir' });
    expect(batch.contentDirectionId).toBe('dir_ridge');
    expect(batch.items.every((i: any) => i.prompt === 'Ridge run: running along a misty ridge line')).toBe(true);
    expect(batch.items[0].generation.imagePrompt).toContain(findGrade('moody-noir')!.promptSuffix);
    expect(batch.items[0].generation.aestheticGrade).toBe('moody-noir');
    const prompted = await batchOf(1, { influencer: false }, { prompt: 'a picnic by the lake' });
    expect(prompted.batch.items[0].prompt).toBe('a picnic by the lake');
    expect(prompted.batch.items[0].influencerId).toBeNull();
  });

  it('dryRun answers the estimate and creates nothing', async () => {
    const p = await makeProfile(s.app.deps.prisma, teamId);
    const before = await s.app.deps.prisma.contentItem.count();
    const res = await generate({ profileId: p.profileId, count: 5, dryRun: true });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ dryRun: true, currency: 'USD', totalMicros: 0, total: 0 });
    expect(res.body.lines).toEqual([
      { action: 'image.generate', quantity: 5, provider: 'embedded', unitMicros: 0, totalMicros: 0 },
      { action: 'caption.generate', quantity: 5, provider: 'embedded', unitMicros: 0, totalMicros: 0 },
    ]);
    expect(await s.app.deps.prisma.contentItem.count()).toBe(before);
    expect(await s.app.deps.prisma.batch.count({ where: { profileId: p.profileId } })).toBe(0);
  });

  it('refuses bad input: count out of range 400, unknown direction or grade 400, unknown or foreign profile 404, missing scope 403', async () => {
    const p = await makeProfile(s.app.deps.prisma, teamId, { directions: DIRECTIONS });
    for (const count of [0, 51, -1, 2.5, '3', null]) {
      const e = expectApiError(await generate({ profileId: p.profileId, count }), 400, /count/);
      expect(e.param).toBe('count');
    }
    expect(expectApiError(await generate({ profileId: p.profileId }), 400, /count/).param).toBe('count');
    expect(expectApiError(await generate({ count: 2 }), 400, /profileId is required/).param).toBe('profileId');
    expect(expectApiError(await generate({ profileId: p.profileId, count: 1, contentDirectionId: 'dir_nope' }), 400).param).toBe('contentDirectionId');
    expect(expectApiError(await generate({ profileId: p.profileId, count: 1, aestheticGrade: 'sepia' }), 400, /golden-hour/).param).toBe('aestheticGrade');
    expect(expectApiError(await generate({ profileId: p.profileId, count: 1, dryRun: 'yes' }), 400).param).toBe('dryRun');
    expectApiError(await generate({ profileId: 'prof_unknown', count: 1 }), 404, /Profile not found/);
    expectApiError(await generate({ profileId: otherProfile.profileId, count: 1 }), 404, /Profile not found/);
    expectApiError(await generate({ profileId: p.profileId, count: 1 }, readKey), 403, /content:generate/);
    expectApiError(await generate({ profileId: p.profileId, count: 1 }, writeKey), 403, /content:generate/);
    expect((await generate({ profileId: p.profileId, count: 1, dryRun: true }, generateKey)).status).toBe(200);
    expect(await s.app.deps.prisma.batch.count({ where: { profileId: p.profileId } })).toBe(0);
    // content:generate alone is enough to start a batch (and see what was created).
    const started = await generate({ profileId: p.profileId, count: 1 }, generateKey);
    expect(started.status, started.text).toBe(202);
    expect(started.body.items).toHaveLength(1);
    await waitForBatch(s, started.body.id);
  });

  it('GET /api/v1/batches/:id: unknown and foreign ids 404, missing scope 403', async () => {
    const { created } = await batchOf(1);
    expectApiError(await s.request('GET', '/api/v1/batches/batch_000000000000000000000000'), 404, /Batch not found/);
    expectApiError(await s.request('GET', `/api/v1/batches/${created.id}`, { key: other.key }), 404, /Batch not found/);
    expectApiError(await s.request('GET', `/api/v1/batches/${created.id}`, { key: generateKey }), 403, /content:read/);
    expect((await s.request('GET', `/api/v1/batches/${created.id}`, { key: readKey })).status).toBe(200);
  });
});

describe('content items: read, list, edit, delete', () => {
  it('GET /api/v1/content/:id answers the item; unknown and foreign ids 404; missing scope 403', async () => {
    const item = await itemIn('pending_review');
    const res = await s.request('GET', `/api/v1/content/${item.id}`, { key: readKey });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: item.id, status: 'pending_review', videos: [], rejectReason: null });
    expectApiError(await s.request('GET', '/api/v1/content/ci_nope'), 404, /Content item not found/);
    expectApiError(await s.request('GET', `/api/v1/content/${item.id}`, { key: other.key }), 404, /Content item not found/);
    expectApiError(await s.request('GET', `/api/v1/content/${item.id}`, { key: writeKey }), 403, /content:read/);
  });

  it('GET /api/v1/content filters by status, profile, influencer and batch, pages with starting_after, and shows only the team’s items', async () => {
    const a = await batchOf(3);
    const b = await batchOf(2);
    await s.request('POST', `/api/v1/content/${b.batch.items[0].id}/approve`);

    const byBatch = await s.request('GET', `/api/v1/content?batchId=${a.created.id}`, { key: readKey });
    expect(byBatch.status).toBe(200);
    expect(byBatch.body.data.map((i: any) => i.id).sort()).toEqual([...a.created.itemIds].sort());
    expect(byBatch.body).toMatchObject({ has_more: false, next_cursor: null });
    const byProfile = await s.request('GET', `/api/v1/content?profileId=${b.p.profileId}`);
    expect(byProfile.body.data).toHaveLength(2);
    const byInfluencer = await s.request('GET', `/api/v1/content?influencerId=${a.p.influencerId}`);
    expect(byInfluencer.body.data).toHaveLength(3);
    const approved = await s.request('GET', `/api/v1/content?status=approved&profileId=${b.p.profileId}`);
    expect(approved.body.data.map((i: any) => i.id)).toEqual([b.batch.items[0].id]);

    // Pages of 2 through batch a's 3 items: every item once, in one order.
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 5; page++) {
      const res: any = await s.request('GET', `/api/v1/content?batchId=${a.created.id}&limit=2${cursor ? `&starting_after=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.data.map((i: any) => i.id));
      if (!res.body.has_more) break;
      expect(res.body.next_cursor).toBe(res.body.data.at(-1).id);
      cursor = res.body.next_cursor;
    }
    expect(seen).toHaveLength(3);
    expect(new Set(seen)).toEqual(new Set(a.created.itemIds));

    const theirs = await s.request('GET', `/api/v1/content?batchId=${a.created.id}`, { key: other.key });
    expect(theirs.body.data).toEqual([]);
    expect(expectApiError(await s.request('GET', '/api/v1/content?limit=0'), 400).param).toBe('limit');
    expect(expectApiError(await s.request('GET', '/api/v1/content?limit=101'), 400).param).toBe('limit');
    expect(expectApiError(await s.request('GET', '/api/v1/content?status=archived'), 400, /status must be one of/).param).toBe('status');
    expect(expectApiError(await s.request('GET', '/api/v1/content?starting_after=ci_nope'), 400).param).toBe('starting_after');
    expectApiError(await s.request('GET', '/api/v1/content', { key: generateKey }), 403, /content:read/);
  });

  it('PUT /api/v1/content/:id edits caption and prompt; a new caption sends an approved or rejected item back to review', async () => {
    const item = await itemIn('pending_review');
    const res = await s.request('PUT', `/api/v1/content/${item.id}`, { key: writeKey, body: { caption: 'Hand-written caption ✍️', prompt: 'sunrise stretch' } });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ caption: 'Hand-written caption ✍️', prompt: 'sunrise stretch', status: 'pending_review', imageUrl: item.imageUrl });

    const approved = await itemIn('approved');
    const edited = await s.request('PUT', `/api/v1/content/${approved.id}`, { body: { caption: 'Fixed a typo' } });
    expect(edited.body).toMatchObject({ status: 'pending_review', caption: 'Fixed a typo' });
    const approvedAgain = await itemIn('approved');
    const promptOnly = await s.request('PUT', `/api/v1/content/${approvedAgain.id}`, { body: { prompt: 'for next time' } });
    expect(promptOnly.body).toMatchObject({ status: 'approved', prompt: 'for next time', caption: approvedAgain.caption });
    const rejected = await itemIn('rejected');
    const fixed = await s.request('PUT', `/api/v1/content/${rejected.id}`, { body: { caption: 'On-brand now' } });
    expect(fixed.body).toMatchObject({ status: 'pending_review', rejectReason: null });
  });

  it('PUT refuses bad bodies 400, generating items 409 naming the status, unknown and foreign ids 404, missing scope 403', async () => {
    const item = await itemIn('pending_review');
    expectApiError(await s.request('PUT', `/api/v1/content/${item.id}`, { body: {} }), 400, /caption and\/or prompt/);
    expect(expectApiError(await s.request('PUT', `/api/v1/content/${item.id}`, { body: { caption: '' } }), 400).param).toBe('caption');
    expect(expectApiError(await s.request('PUT', `/api/v1/content/${item.id}`, { body: { caption: 'x'.repeat(2201) } }), 400, /2200/).param).toBe('caption');
    expectApiError(await s.request('PUT', `/api/v1/content/${item.id}`, { body: { caption: 'ok', status: 'approved' } }), 400, /status/);
    const generating = await itemIn('generating');
    const e = expectApiError(await s.request('PUT', `/api/v1/content/${generating.id}`, { body: { caption: 'too early' } }), 409, /content item is generating/);
    expect(e.code).toBe('invalid_status_transition');
    const failed = await itemIn('failed');
    expectApiError(await s.request('PUT', `/api/v1/content/${failed.id}`, { body: { caption: 'no image' } }), 409, /content item is failed/);
    expect((await s.request('PUT', `/api/v1/content/${failed.id}`, { body: { prompt: 'try this instead' } })).status).toBe(200);
    expectApiError(await s.request('PUT', '/api/v1/content/ci_nope', { body: { caption: 'x' } }), 404);
    expectApiError(await s.request('PUT', `/api/v1/content/${item.id}`, { key: other.key, body: { caption: 'x' } }), 404);
    expectApiError(await s.request('PUT', `/api/v1/content/${item.id}`, { key: readKey, body: { caption: 'x' } }), 403, /content:write/);
  });

  it('DELETE /api/v1/content/:id removes the item; not while generating (409); 404 and 403 as usual', async () => {
    const item = await itemIn('approved');
    expectApiError(await s.request('DELETE', `/api/v1/content/${item.id}`, { key: readKey }), 403, /content:write/);
    expectApiError(await s.request('DELETE', `/api/v1/content/${item.id}`, { key: other.key }), 404);
    const res = await s.request('DELETE', `/api/v1/content/${item.id}`, { key: writeKey });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ id: item.id, deleted: true });
    expectApiError(await s.request('GET', `/api/v1/content/${item.id}`), 404);
    expectApiError(await s.request('DELETE', `/api/v1/content/${item.id}`), 404);
    const generating = await itemIn('generating');
    expectApiError(await s.request('DELETE', `/api/v1/content/${generating.id}`), 409, /content item is generating; only pending_review, approved, rejected or failed items can be deleted/);
  });
});

describe('review: approve and reject', () => {
  it('approves a pending_review item once; a second approval is a 409 naming the status; the approved caption joins the voice corpus', async () => {
    const item = await itemIn('pending_review');
    const res = await s.request('POST', `/api/v1/content/${item.id}/approve`, { key: writeKey });
    expect(res.status, res.text).toBe(200);
    expect(res.body.status).toBe('approved');
    const again = expectApiError(await s.request('POST', `/api/v1/content/${item.id}/approve`), 409);
    expect(again.message).toBe('content item is approved; only pending_review items can be approved');
    expect(again.code).toBe('invalid_status_transition');
    const corpus = await s.app.deps.prisma.profileVoiceSample.findMany({ where: { profileId: item.profileId, source: 'approved' } });
    expect(corpus.map((c) => c.text)).toEqual([item.caption]);
    expectApiError(await s.request('POST', `/api/v1/content/${item.id}/reject`, { body: { reason: 'late' } }), 409, /content item is approved; only pending_review items can be rejected/);
  });

  it('two concurrent approvals: exactly one succeeds, the other gets the 409', async () => {
    const item = await itemIn('pending_review');
    const results = await Promise.all([1, 2, 3].map(() => s.request('POST', `/api/v1/content/${item.id}/approve`)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    expect(await s.app.deps.prisma.profileVoiceSample.count({ where: { profileId: item.profileId, source: 'approved' } })).toBe(1);
  });

  it('rejects with a reason (400 without one); generating and failed items cannot be approved or rejected (409 naming the status)', async () => {
    const item = await itemIn('pending_review');
    expect(expectApiError(await s.request('POST', `/api/v1/content/${item.id}/reject`, { body: {} }), 400, /reason is required/).param).toBe('reason');
    expect(expectApiError(await s.request('POST', `/api/v1/content/${item.id}/reject`, { body: { reason: '   ' } }), 400).param).toBe('reason');
    const res = await s.request('POST', `/api/v1/content/${item.id}/reject`, { key: writeKey, body: { reason: 'Too similar to last week' } });
    expect(res.body).toMatchObject({ status: 'rejected', rejectReason: 'Too similar to last week' });
    expectApiError(await s.request('POST', `/api/v1/content/${item.id}/approve`), 409, /^content item is rejected; only pending_review items can be approved$/);
    const generating = await itemIn('generating');
    expectApiError(await s.request('POST', `/api/v1/content/${generating.id}/approve`), 409, /^content item is generating; only pending_review items can be approved/);
    expectApiError(await s.request('POST', `/api/v1/content/${generating.id}/reject`, { body: { reason: 'x' } }), 409, /content item is generating/);
    const failed = await itemIn('failed');
    expectApiError(await s.request('POST', `/api/v1/content/${failed.id}/approve`), 409, /content item is failed/);
  });

  it('approve and reject: unknown and foreign ids 404, missing scope 403', async () => {
    const item = await itemIn('pending_review');
    for (const action of ['approve', 'reject']) {
      const body = { reason: 'x' };
      expectApiError(await s.request('POST', `/api/v1/content/ci_nope/${action}`, { body }), 404);
      expectApiError(await s.request('POST', `/api/v1/content/${item.id}/${action}`, { key: other.key, body }), 404);
      expectApiError(await s.request('POST', `/api/v1/content/${item.id}/${action}`, { key: readKey, body }), 403, /content:write/);
      expectApiError(await s.request('POST', `/api/v1/content/${item.id}/${action}`, { key: generateKey, body }), 403, /content:write/);
    }
    expect((await s.request('GET', `/api/v1/content/${item.id}`)).body.status).toBe('pending_review');
  });
});

describe('regenerate and fine-tune-caption', () => {
  it('regenerate makes a new image and caption and puts a rejected item back to pending_review, with costs and a media entry', async () => {
    const item = await itemIn('rejected');
    const res = await s.request('POST', `/api/v1/content/${item.id}/regenerate`, { key: generateKey, body: { prompt: 'a rainy trail instead' } });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ id: item.id, status: 'pending_review', rejectReason: null, prompt: 'a rainy trail instead' });
    expect(res.body.imageUrl).not.toBe(item.imageUrl);
    expect(res.body.caption).not.toBe(item.caption);
    expect(res.body.generation.regenerations).toBe(1);
    expect(res.body.generation.imagePrompt).toContain('a rainy trail instead');
    expect((await s.request('GET', res.body.imageUrl)).headers.get('content-type')).toBe('image/png');
    const costs = await s.app.deps.prisma.costRecord.findMany({ where: { teamId, subject: { path: ['contentItemId'], equals: item.id } } });
    expect(costs.map((c) => c.action).sort()).toEqual(['caption.generate', 'caption.generate', 'image.generate', 'image.generate']);
    expect(await s.app.deps.prisma.mediaItem.count({ where: { contentItemId: item.id, kind: 'image' } })).toBe(2);

    const again = await s.request('POST', `/api/v1/content/${item.id}/regenerate`, { body: {} });
    expect(again.body.generation.regenerations).toBe(2);
    expect(again.body.imageUrl).not.toBe(res.body.imageUrl);
  });

  it('regenerate: a failed item gets its first image; approved and generating items are refused with 409; dryRun changes nothing', async () => {
    const failed = await itemIn('failed');
    const res = await s.request('POST', `/api/v1/content/${failed.id}/regenerate`, { body: {} });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ status: 'pending_review', error: null });
    expect(res.body.imageUrl).toMatch(/^\/api\/v1\/media\//);

    const approved = await itemIn('approved');
    expectApiError(await s.request('POST', `/api/v1/content/${approved.id}/regenerate`, { body: {} }), 409, /^content item is approved; only pending_review, rejected or failed items can be regenerated$/);
    const generating = await itemIn('generating');
    expectApiError(await s.request('POST', `/api/v1/content/${generating.id}/regenerate`, { body: {} }), 409, /content item is generating/);

    const item = await itemIn('pending_review');
    const dry = await s.request('POST', `/api/v1/content/${item.id}/regenerate`, { body: { dryRun: true } });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dryRun: true, currency: 'USD', lines: [{ action: 'image.generate', quantity: 1 }, { action: 'caption.generate', quantity: 1 }] });
    expect((await s.request('GET', `/api/v1/content/${item.id}`)).body).toMatchObject({ imageUrl: item.imageUrl, caption: item.caption, updatedAt: item.updatedAt });
    expectApiError(await s.request('POST', `/api/v1/content/${item.id}/regenerate`, { key: writeKey, body: {} }), 403, /content:generate/);
    expectApiError(await s.request('POST', `/api/v1/content/${item.id}/regenerate`, { key: other.key, body: {} }), 404);
    expectApiError(await s.request('POST', '/api/v1/content/ci_nope/regenerate', { body: {} }), 404);
    expect(expectApiError(await s.request('POST', `/api/v1/content/${item.id}/regenerate`, { body: { prompt: 7 } }), 400).param).toBe('prompt');
  });

  it('fine-tune-caption rewrites the caption only, following the instructions; the image is untouched', async () => {
    const item = await itemIn('approved');
    const res = await s.request('POST', `/api/v1/content/${item.id}/fine-tune-caption`, { key: writeKey, body: { instructions: 'shorter, no hashtags' } });
    expect(res.status, res.text).toBe(200);
    expect(res.body.imageUrl).toBe(item.imageUrl);
    expect(res.body.caption).not.toBe(item.caption);
    expect(res.body.caption).not.toContain('#');
    expect(res.body.caption.length).toBeLessThan(item.caption.length);
    expect(res.body.status).toBe('pending_review'); // a new caption is reviewed again
    expect(res.body.generation.caption).toMatchObject({ provider: 'embedded', instructions: 'shorter, no hashtags' });
    const costs = await s.app.deps.prisma.costRecord.findMany({ where: { teamId, subject: { path: ['fineTune'], equals: 1 } } });
    expect(costs.some((c) => (c.subject as any).contentItemId === item.id && c.action === 'caption.generate')).toBe(true);
    const plain = await s.request('POST', `/api/v1/content/${item.id}/fine-tune-caption`, { body: {} });
    expect(plain.status).toBe(200);
    expect(plain.body.caption).not.toBe(res.body.caption);
  });

  it('fine-tune-caption: dryRun, 409 for generating and failed items, 404, 403 and bad bodies', async () => {
    const item = await itemIn('pending_review');
    const dry = await s.request('POST', `/api/v1/content/${item.id}/fine-tune-caption`, { body: { dryRun: true, instructions: 'more emoji' } });
    expect(dry.body).toMatchObject({ dryRun: true, lines: [{ action: 'caption.generate', quantity: 1, provider: 'embedded' }] });
    expect((await s.request('GET', `/api/v1/content/${item.id}`)).body.caption).toBe(item.caption);
    const generating = await itemIn('generating');
    expectApiError(await s.request('POST', `/api/v1/content/${generating.id}/fine-tune-caption`, { body: {} }), 409, /content item is generating; only pending_review, approved or rejected items can be edited/);
    const failed = await itemIn('failed');
    expectApiError(await s.request('POST', `/api/v1/content/${failed.id}/fine-tune-caption`, { body: {} }), 409, /content item is failed/);
    expect(expectApiError(await s.request('POST', `/api/v1/content/${item.id}/fine-tune-caption`, { body: { instructions: 'x'.repeat(1001) } }), 400).param).toBe('instructions');
    expectApiError(await s.request('POST', `/api/v1/content/${item.id}/fine-tune-caption`, { key: generateKey, body: {} }), 403, /content:write/);
    expectApiError(await s.request('POST', `/api/v1/content/${item.id}/fine-tune-caption`, { key: other.key, body: {} }), 404);
    expectApiError(await s.request('POST', '/api/v1/content/ci_nope/fine-tune-caption', { body: {} }), 404);
  });
});

describe('videos (embedded animation)', () => {
  it('POST /content/:id/video renders a playable animated GIF of a slow zoom over the item’s image, listed on the item, with media entry and cost', async () => {
    const item = await itemIn('pending_review');
    const res = await s.request('POST', `/api/v1/content/${item.id}/video`, { key: generateKey, body: { motion: 'zoom-in', durationSeconds: 4 } });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toMatchObject({ contentItemId: item.id, motion: 'zoom-in', durationSeconds: 4, variant: null, comparisonId: null, provider: 'embedded' });
    expect(['queued', 'rendering', 'completed']).toContain(res.body.status);
    const done = await waitForVideos(s, item.id, [res.body.id]);
    const video = done.videos[0];
    expect(video).toMatchObject({ id: res.body.id, status: 'completed', contentType: 'image/gif', error: null });
    const media = await fetch(s.url + video.url, { headers: { authorization: `Bearer ${s.adminKey}` } });
    expect(media.headers.get('content-type')).toBe('image/gif');
    const gif = readGif(Buffer.from(await media.arrayBuffer()));
    expect(gif).toMatchObject({ width: 256, height: 256, frames: 40, loops: true });
    expect(gif.delays.every((d) => d === 100)).toBe(true); // 10 fps, 4 s
    expect(gif.frameData[0]!.equals(gif.frameData.at(-1)!)).toBe(false); // it moves
    expect(await s.app.deps.prisma.mediaItem.count({ where: { contentItemId: item.id, kind: 'video', source: 'generated' } })).toBe(1);
    const cost = await s.app.deps.prisma.costRecord.findFirst({ where: { action: 'video.second', subject: { path: ['videoId'], equals: video.id } } });
    expect(cost).toMatchObject({ quantity: 4, provider: 'embedded', model: 'embedded-kenburns-v1' });
    // Same image, same motion: the same bytes (deterministic); another motion: another animation.
    const again = await s.request('POST', `/api/v1/content/${item.id}/video`, { body: { motion: 'zoom-in', durationSeconds: 4 } });
    const pan = await s.request('POST', `/api/v1/content/${item.id}/video`, { body: { motion: 'pan-left', durationSeconds: 4 } });
    const all = await waitForVideos(s, item.id, [again.body.id, pan.body.id]);
    const bytes = async (id: string) => {
      const v = all.videos.find((x: any) => x.id === id);
      return Buffer.from(await (await fetch(s.url + v.url, { headers: { authorization: `Bearer ${s.adminKey}` } })).arrayBuffer());
    };
    expect((await bytes(again.body.id)).equals(Buffer.from(await (await fetch(s.url + video.url, { headers: { authorization: `Bearer ${s.adminKey}` } })).arrayBuffer()))).toBe(true);
    expect((await bytes(pan.body.id)).equals(await bytes(again.body.id))).toBe(false);
  });

  it('POST /content/:id/video-comparison renders 2–4 variants with different motion and length under one comparison id', async () => {
    const item = await itemIn('approved');
    const res = await s.request('POST', `/api/v1/content/${item.id}/video-comparison`, { body: {} });
    expect(res.status, res.text).toBe(202);
    expect(res.body.comparisonId).toMatch(/^cmp_/);
    expect(res.body.videos.map((v: any) => v.variant)).toEqual(['A', 'B']);
    const params = res.body.videos.map((v: any) => `${v.motion}/${v.durationSeconds}`);
    expect(new Set(params).size).toBe(2);
    const done = await waitForVideos(s, item.id, res.body.videos.map((v: any) => v.id));
    expect(done.videos.filter((v: any) => v.comparisonId === res.body.comparisonId && v.status === 'completed')).toHaveLength(2);
    const gifs = await Promise.all(
      done.videos.map(async (v: any) => readGif(Buffer.from(await (await fetch(s.url + v.url, { headers: { authorization: `Bearer ${s.adminKey}` } })).arrayBuffer()))),
    );
    expect(gifs.map((g) => g.frames).sort((a, b) => a - b)).toEqual([40, 80]); // 4 s and 8 s at 10 fps

    const three = await s.request('POST', `/api/v1/content/${item.id}/video-comparison`, { body: { count: 3 } });
    expect(three.body.videos.map((v: any) => v.variant)).toEqual(['A', 'B', 'C']);
    const custom = await s.request('POST', `/api/v1/content/${item.id}/video-comparison`, {
      body: { variants: [{ motion: 'pan-left', durationSeconds: 12 }, { motion: 'pan-right', durationSeconds: 12 }], dryRun: true },
    });
    expect(custom.status).toBe(200);
    expect(custom.body.lines).toEqual([
      { action: 'video.second', quantity: 12, provider: 'embedded', unitMicros: 0, totalMicros: 0 },
      { action: 'video.second', quantity: 12, provider: 'embedded', unitMicros: 0, totalMicros: 0 },
    ]);
    await waitForVideos(s, item.id, three.body.videos.map((v: any) => v.id));
    expect(await s.app.deps.prisma.contentVideo.count({ where: { contentItemId: item.id } })).toBe(5); // the dry run made none
  });

  it('videos: bad parameters 400, items without an image or still generating 409, 404, 403, dryRun', async () => {
    const item = await itemIn('pending_review');
    expect(expectApiError(await s.request('POST', `/api/v1/content/${item.id}/video`, { body: { motion: 'spin' } }), 400, /motion must be one of/).param).toBe('motion');
    expect(expectApiError(await s.request('POST', `/api/v1/content/${item.id}/video`, { body: { durationSeconds: 5 } }), 400, /4, 8 or 12/).param).toBe('durationSeconds');
    expect(expectApiError(await s.request('POST', `/api/v1/content/${item.id}/video-comparison`, { body: { count: 5 } }), 400).param).toBe('count');
    expect(expectApiError(await s.request('POST', `/api/v1/content/${item.id}/video-comparison`, { body: { variants: [{ motion: 'zoom-in' }] } }), 400, /2 to 4/).param).toBe('variants');
    const generating = await itemIn('generating');
    expectApiError(await s.request('POST', `/api/v1/content/${generating.id}/video`, { body: {} }), 409, /content item is generating/);
    const failed = await itemIn('failed');
    expectApiError(await s.request('POST', `/api/v1/content/${failed.id}/video-comparison`, { body: {} }), 409, /content item is failed/);
    for (const path of ['video', 'video-comparison']) {
      expectApiError(await s.request('POST', `/api/v1/content/ci_nope/${path}`, { body: {} }), 404);
      expectApiError(await s.request('POST', `/api/v1/content/${item.id}/${path}`, { key: other.key, body: {} }), 404);
      expectApiError(await s.request('POST', `/api/v1/content/${item.id}/${path}`, { key: writeKey, body: {} }), 403, /content:generate/);
    }
    const dry = await s.request('POST', `/api/v1/content/${item.id}/video`, { body: { durationSeconds: 8, dryRun: true } });
    expect(dry.body).toMatchObject({ dryRun: true, lines: [{ action: 'video.second', quantity: 8, provider: 'embedded' }] });
    expect((await s.request('GET', `/api/v1/content/${item.id}`)).body.videos).toEqual([]);
  });
});

describe('GraphQL', () => {
  it('contentItem, contentItems (filtered connection), batch with items and videos, node(id)', async () => {
    const { created, p } = await batchOf(2);
    const q = await s.graphql(
      `query($b: ID!, $p: ID!) {
        batch(id: $b) { id status count completed progress items { id position status caption imageUrl batch { id } videos { id } } cost { totalMicros } }
        contentItems(first: 10, filter: { profileId: $p, status: pending_review }) { edges { node { id status } } }
        other: contentItems(first: 10, filter: { batchId: "batch_nope" }) { edges { node { id } } }
      }`,
      { b: created.id, p: p.profileId },
    );
    expect(q.body.errors).toBeUndefined();
    expect(q.body.data.batch).toMatchObject({ id: created.id, status: 'completed', count: 2, completed: 2, progress: 100, cost: { totalMicros: 0 } });
    expect(q.body.data.batch.items.map((i: any) => i.position)).toEqual([0, 1]);
    expect(q.body.data.batch.items[0].batch.id).toBe(created.id);
    expect(q.body.data.contentItems.edges.map((e: any) => e.node.id).sort()).toEqual([...created.itemIds].sort());
    expect(q.body.data.other.edges).toEqual([]);
    const item = await s.graphql(`query($id: ID!) { contentItem(id: $id) { id status } node(id: $id) { __typename id } }`, { id: created.itemIds[0] });
    expect(item.body.data).toEqual({ contentItem: { id: created.itemIds[0], status: 'pending_review' }, node: { __typename: 'ContentItem', id: created.itemIds[0] } });
    const foreign = await s.graphql(`query($id: ID!) { contentItem(id: $id) { id } batch(id: "${created.id}") { id } }`, { id: created.itemIds[0] }, { key: other.key });
    expect(foreign.body.data).toEqual({ contentItem: null, batch: null });
    const noScope = await s.graphql(`{ contentItems(first: 1) { edges { node { id } } } }`, {}, { key: generateKey });
    expect(noScope.body.errors![0].message).toMatch(/content:read/);
  });

  it('mutations: generateContent (and its dry run), approve, reject, regenerate, fineTuneCaption, generateContentVideo; refusals come back as typed errors', async () => {
    const p = await makeProfile(s.app.deps.prisma, teamId);
    const dry = await s.graphql(`mutation($p: ID!) { generateContent(input: { profileId: $p, count: 4, dryRun: true }) { __typename ... on MutationGenerateContentSuccess { data { batch { id } estimate { totalMicros lines { action quantity } } } } } }`, { p: p.profileId });
    expect(dry.body.data.generateContent.data).toEqual({ batch: null, estimate: { totalMicros: 0, lines: [{ action: 'image.generate', quantity: 4 }, { action: 'caption.generate', quantity: 4 }] } });
    const gen = await s.graphql(`mutation($p: ID!) { generateContent(input: { profileId: $p, count: 2 }) { __typename ... on MutationGenerateContentSuccess { data { batch { id count items { id status } } } } } }`, { p: p.profileId });
    expect(gen.body.errors).toBeUndefined();
    const batchId = gen.body.data.generateContent.data.batch.id;
    const batch = await waitForBatch(s, batchId);
    const [a, b] = batch.items;
    const bad = await s.graphql(`mutation { generateContent(input: { profileId: "${p.profileId}", count: 60 }) { __typename ... on ValidationError { param message } } }`);
    expect(bad.body.data.generateContent).toMatchObject({ __typename: 'ValidationError', param: 'count' });

    const approve = `mutation($id: ID!) { approveContentItem(id: $id) { __typename ... on MutationApproveContentItemSuccess { data { id status } } ... on ConflictError { message code } ... on NotFoundError { code } } }`;
    expect((await s.graphql(approve, { id: a.id })).body.data.approveContentItem).toEqual({ __typename: 'MutationApproveContentItemSuccess', data: { id: a.id, status: 'approved' } });
    expect((await s.graphql(approve, { id: a.id })).body.data.approveContentItem).toEqual({
      __typename: 'ConflictError',
      message: 'content item is approved; only pending_review items can be approved',
      code: 'invalid_status_transition',
    });
    expect((await s.graphql(approve, { id: a.id }, { key: other.key })).body.data.approveContentItem).toEqual({ __typename: 'NotFoundError', code: 'content_item_not_found' });
    const forbidden = await s.graphql(approve, { id: b.id }, { key: readKey });
    expect(forbidden.body.data.approveContentItem.__typename).toBe('ForbiddenError');

    const reject = await s.graphql(`mutation($id: ID!) { rejectContentItem(id: $id, reason: "blurry") { ... on MutationRejectContentItemSuccess { data { status rejectReason } } } }`, { id: b.id });
    expect(reject.body.data.rejectContentItem.data).toEqual({ status: 'rejected', rejectReason: 'blurry' });
    const regen = await s.graphql(`mutation($id: ID!) { regenerateContentItem(id: $id) { ... on MutationRegenerateContentItemSuccess { data { status imageUrl } } } }`, { id: b.id });
    expect(regen.body.data.regenerateContentItem.data.status).toBe('pending_review');
    expect(regen.body.data.regenerateContentItem.data.imageUrl).not.toBe(b.imageUrl);
    const tune = await s.graphql(`mutation($id: ID!) { fineTuneCaption(id: $id, instructions: "no hashtags") { ... on MutationFineTuneCaptionSuccess { data { caption imageUrl } } } }`, { id: b.id });
    expect(tune.body.data.fineTuneCaption.data.caption).not.toContain('#');
    expect(tune.body.data.fineTuneCaption.data.imageUrl).toBe(regen.body.data.regenerateContentItem.data.imageUrl);

    const video = await s.graphql(
      `mutation($id: ID!) { generateContentVideo(id: $id, variants: [{ motion: zoom_out, durationSeconds: 4 }, { motion: pan_right, durationSeconds: 4 }]) {
        ... on MutationGenerateContentVideoSuccess { data { comparisonId videos { id variant motion durationSeconds status } } } } }`,
      { id: a.id },
    );
    const req = video.body.data.generateContentVideo.data;
    expect(req.comparisonId).toMatch(/^cmp_/);
    expect(req.videos.map((v: any) => [v.variant, v.motion])).toEqual([['A', 'zoom_out'], ['B', 'pan_right']]);
    await waitForVideos(s, a.id, req.videos.map((v: any) => v.id));
    const item = await s.graphql(`query($id: ID!) { contentItem(id: $id) { videos { variant status contentType url } } }`, { id: a.id });
    expect(item.body.data.contentItem.videos.every((v: any) => v.status === 'completed' && v.contentType === 'image/gif' && v.url.startsWith('/api/v1/media/'))).toBe(true);
  });

  async function countStatements(query: string, variables: Record<string, unknown>) {
    let n = 0;
    // Count the statements that load the graph's content: the job queue's polling and the key's
    // last-used bookkeeping run meanwhile and are not part of the question.
    const seen: string[] = [];
    const stop = s.app.onQuery((e) => void (/"(Batch|ContentItem|ContentVideo|Profile|Influencer)"/.test(e.query) && (n++, seen.push(e.query.slice(0, 300)))));
    const res = await s.graphql(query, variables);
    stop();
    expect(res.body.errors).toBeUndefined();
    if (process.env.DEBUG_SQL) console.log(seen.join('\n'));
    return { n, data: res.body.data };
  }

  it('batches with their items and videos, and the item connection with each item’s batch, run a fixed number of SQL statements for 1 item as for 20', async () => {
    const one = await batchOf(1);
    const many = await batchOf(20);
    const video = await s.request('POST', `/api/v1/content/${many.batch.items[3].id}/video`, { body: {} });
    // The render runs as a job: wait until it ended so none of its statements fall inside the counts.
    await waitForVideos(s, many.batch.items[3].id, [video.body.id]);
    const byBatch = `query($id: ID!) { batch(id: $id) { id items { id caption imageUrl batch { id status } videos { id url status } } } }`;
    const a = await countStatements(byBatch, { id: one.created.id });
    const b = await countStatements(byBatch, { id: many.created.id });
    expect(a.data.batch.items).toHaveLength(1);
    expect(b.data.batch.items).toHaveLength(20);
    expect(b.data.batch.items[3].videos).toHaveLength(1);
    expect(b.n).toBe(a.n);
    const list = `query($p: ID!) { contentItems(first: 50, filter: { profileId: $p }) { edges { node { id batch { id count } videos { id } } } } }`;
    const c = await countStatements(list, { p: one.p.profileId });
    const d = await countStatements(list, { p: many.p.profileId });
    expect(d.data.contentItems.edges).toHaveLength(20);
    expect(d.n).toBe(c.n);
  });

  it('one request for a profile with its influencer, latest batches and their items runs the same number of SQL statements for 1 item as for 24', async () => {
    const small = await batchOf(1);
    const big = await makeProfile(s.app.deps.prisma, teamId);
    for (const count of [8, 8, 8]) {
      const res = await generate({ profileId: big.profileId, count });
      await waitForBatch(s, res.body.id);
    }
    await s.app.deps.jobs.idle();
    const query = `query($id: ID!) { profile(id: $id) { id name influencer { id name } batches(limit: 3) { id status items { id status caption imageUrl videos { id url } } } } }`;
    async function statements(profileId: string) {
      const r = await countStatements(query, { id: profileId });
      return { n: r.n, data: r.data.profile };
    }
    const one = await statements(small.p.profileId);
    const many = await statements(big.profileId);
    expect(one.data.batches).toHaveLength(1);
    expect(one.data.batches[0].items).toHaveLength(1);
    expect(many.data.batches).toHaveLength(3);
    expect(many.data.batches.flatMap((b: any) => b.items)).toHaveLength(24);
    expect(many.data.influencer.name).toBe('Mara Voss');
    console.log(`SQL statements: ${one.n} for 1 item, ${many.n} for 24`);
    expect(many.n).toBe(one.n);
    expect(many.n).toBeLessThanOrEqual(8);
  });

  // The nested loaders select only the columns a selection needs (columnsFor): computed fields must still get theirs.
  it('a nested selection of computed fields answers what each batch and item answers when fetched whole', async () => {
    const { p } = await batchOf(3, {}, { prompt: 'rainy market stalls', aestheticGrade: 'film-35mm' });
    const batchFields = 'id status count completed failed progress prompt aestheticGrade contentDirectionId';
    const itemFields = 'id position status caption prompt imageUrl generation';
    const nested = await s.graphql(`query($id: ID!) { profile(id: $id) { batches(limit: 5) { ${batchFields} items { ${itemFields} } } } }`, { id: p.profileId });
    expect(nested.body.errors).toBeUndefined();
    const batches = nested.body.data.profile.batches;
    expect(batches.length).toBeGreaterThan(0);
    for (const b of batches) {
      const whole = await s.graphql(`query($id: ID!) { batch(id: $id) { ${batchFields} } }`, { id: b.id });
      const { items, ...rest } = b;
      expect(rest).toEqual(whole.body.data.batch);
      expect(rest.prompt).toBe('rainy market stalls');
      expect(items).toHaveLength(3);
      for (const i of items) expect(i).toEqual((await s.graphql(`query($id: ID!) { contentItem(id: $id) { ${itemFields} } }`, { id: i.id })).body.data.contentItem);
      expect(items.every((i: any) => i.imageUrl && i.generation)).toBe(true);
    }
  });
});

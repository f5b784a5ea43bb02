/**
 * Seed 000 (Autousers) over real HTTP: create exactly as documented, every
 * documented limit at and past its boundary, list paging, read/update/delete,
 * tenancy (404, never 403), the read-only system library and scopes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestResponse, type TestServer } from './helpers/server.js';
import { SYSTEM_PERSONAS } from '../src/modules/personas/system-personas.js';
import { expectApiError } from './helpers/errors.js';

let s: TestServer;
let teamId: string;
let other: { teamId: string; key: string };

beforeAll(async () => {
  s = await startTestServer({ RATE_LIMIT_PER_MINUTE: '100000' });
  const me = await s.request('GET', '/api/v1/me');
  teamId = me.body.team.id;
  other = await s.createTeam('autousers other team');
});
afterAll(async () => s?.close());

const DOCUMENTED_FIELDS = ['createdAt', 'id', 'isSystem', 'name', 'role', 'status', 'teamId', 'updatedAt', 'visibility'];

const body = (extra: Record<string, unknown> = {}) => ({
  teamId,
  name: 'Grandma on a tablet',
  systemPrompt: 'You are 78, use a tablet with large text and distrust pop-ups.',
  ...extra,
});

const create = (extra: Record<string, unknown> = {}, key?: string) =>
  s.request('POST', '/api/v1/autousers', { body: body(extra), ...(key ? { key } : {}) });

describe('POST /api/v1/autousers', () => {
  it('returns 201 with exactly the documented fields and defaults', async () => {
    const res = await create();
    expect(res.status, res.text).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(DOCUMENTED_FIELDS);
    expect(res.body).toMatchObject({
      name: 'Grandma on a tablet',
      role: 'autouser',
      isSystem: false,
      status: 'published',
      visibility: 'private',
      teamId,
    });
    expect(res.body.id).toEqual(expect.any(String));
    expect(new Date(res.body.createdAt).toISOString()).toBe(res.body.createdAt);
    expect(new Date(res.body.updatedAt).toISOString()).toBe(res.body.updatedAt);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('stores every documented field, readable back by id', async () => {
    const res = await create({
      name: 'Full autouser',
      description: 'A complete one',
      role: 'tester',
      avatar: 'https://example.com/a.png',
      status: 'draft',
      visibility: 'public',
      capabilities: { detailedDescription: 'Detailed', focusAreas: ['forms', 'navigation'] },
      config: { temperature: 1, model: 'gpt-4o', keyboardOnly: true, screenReader: true, networkCondition: 'fast' },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ role: 'tester', status: 'draft', visibility: 'public' });
    const got = await s.request('GET', `/api/v1/autousers/${res.body.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      id: res.body.id,
      name: 'Full autouser',
      description: 'A complete one',
      systemPrompt: body().systemPrompt,
      avatar: 'https://example.com/a.png',
      capabilities: { detailedDescription: 'Detailed', focusAreas: ['forms', 'navigation'] },
      config: { temperature: 1, model: 'gpt-4o', keyboardOnly: true, screenReader: true, networkCondition: 'fast' },
    });
  });

  const limits: [field: string, min: number, max: number][] = [
    ['name', 1, 200],
    ['systemPrompt', 1, 50_000],
    ['description', 0, 2000],
    ['role', 1, 200],
    ['avatar', 0, 500],
  ];
  for (const [field, min, max] of limits) {
    it(`${field}: ${max} characters pass, ${max + 1} give 400 param ${field}`, async () => {
      const atMax = await create({ [field]: 'x'.repeat(max), ...(field === 'name' ? {} : { name: `${field} at max` }) });
      expect(atMax.status, atMax.text).toBe(201);
      if (field === 'name') expect(atMax.body.name).toBe('x'.repeat(max));
      expectApiError(await create({ [field]: 'x'.repeat(max + 1) }), 400, { type: 'invalid_request_error', param: field });
    });
    if (min === 1) {
      it(`${field}: 1 character passes, an empty string gives 400 param ${field}`, async () => {
        expect((await create({ [field]: 'y' })).status).toBe(201);
        expectApiError(await create({ [field]: '' }), 400, { type: 'invalid_request_error', param: field });
      });
    }
  }

  it('missing required fields give 400 naming the field', async () => {
    for (const field of ['teamId', 'name', 'systemPrompt']) {
      const b: Record<string, unknown> = body();
      delete b[field];
      expectApiError(await s.request('POST', '/api/v1/autousers', { body: b }), 400, { type: 'invalid_request_error', param: field });
    }
  });

  it('wrong types and bad enums give 400 naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 42 }, 'name'],
      [{ systemPrompt: ['a'] }, 'systemPrompt'],
      [{ description: 7 }, 'description'],
      [{ role: false }, 'role'],
      [{ avatar: {} }, 'avatar'],
      [{ teamId: 123 }, 'teamId'],
      [{ status: 'archived' }, 'status'],
      [{ status: 1 }, 'status'],
      [{ visibility: 'secret' }, 'visibility'],
    ];
    for (const [extra, param] of cases) expectApiError(await create(extra), 400, { type: 'invalid_request_error', param: param });
  });

  it('bad capabilities and config shapes give 400 naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ capabilities: 'fast' }, 'capabilities'],
      [{ capabilities: [] }, 'capabilities'],
      [{ capabilities: { focusAreas: 'forms' } }, 'capabilities.focusAreas'],
      [{ capabilities: { focusAreas: [1] } }, 'capabilities.focusAreas.0'],
      [{ capabilities: { detailedDescription: 5 } }, 'capabilities.detailedDescription'],
      [{ capabilities: { hobbies: ['golf'] } }, 'capabilities'],
      [{ config: 'hot' }, 'config'],
      [{ config: { temperature: 'hot' } }, 'config.temperature'],
      [{ config: { temperature: 3 } }, 'config.temperature'],
      [{ config: { keyboardOnly: 'yes' } }, 'config.keyboardOnly'],
      [{ config: { screenReader: 1 } }, 'config.screenReader'],
      [{ config: { model: 5 } }, 'config.model'],
      [{ config: { networkCondition: 'warp' } }, 'config.networkCondition'],
      [{ config: { colour: 'blue' } }, 'config'],
    ];
    for (const [extra, param] of cases) expectApiError(await create(extra), 400, { type: 'invalid_request_error', param: param });
  });

  it('a teamId that is not the caller’s gives 400 param teamId and creates nothing', async () => {
    const res = await create({ teamId: other.teamId, name: 'smuggled' });
    expectApiError(res, 400, { type: 'invalid_request_error', param: 'teamId' });
    const theirs = await s.request('GET', '/api/v1/autousers?limit=100', { key: other.key });
    expect(theirs.body.data.map((p: any) => p.name)).not.toContain('smuggled');
  });

  it('a body that is not a JSON object gives 400', async () => {
    expectApiError(await s.request('POST', '/api/v1/autousers', { body: ['x'] }), 400, { type: 'invalid_request_error', param: null });
    const bad = await s.request('POST', '/api/v1/autousers', { rawBody: '{"name":', headers: { 'Content-Type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.type).toBe('invalid_request_error');
  });

  it('without persona:write the key gets 403 naming the scope, and nothing is created', async () => {
    const { key } = await s.createKey(['persona:read']);
    const res = await create({ name: 'read-only attempt' }, key);
    expectApiError(res, 403, { type: 'authorization_error', param: null });
    expect(res.body.error.message).toContain('persona:write');
    const list = await s.request('GET', '/api/v1/autousers?limit=100');
    expect(list.body.data.map((p: any) => p.name)).not.toContain('read-only attempt');
  });

  it('without persona:read listing and reading give 403 naming the scope', async () => {
    const { key } = await s.createKey(['persona:write']);
    const list = await s.request('GET', '/api/v1/autousers', { key });
    expectApiError(list, 403, { type: 'authorization_error', param: null });
    expect(list.body.error.message).toContain('persona:read');
    const one = await s.request('GET', `/api/v1/autousers/${SYSTEM_PERSONAS[0].id}`, { key });
    expect(one.status).toBe(403);
    expect(one.body.error.message).toContain('persona:read');
  });

  it('without a key gives 401 in the same shape', async () => {
    expectApiError(await s.request('POST', '/api/v1/autousers', { key: null, body: body() }), 401, { type: 'authentication_error', param: null });
  });
});

describe('GET /api/v1/autousers', () => {
  let fresh: TestServer;
  let freshTeam: string;
  const created: string[] = [];

  beforeAll(async () => {
    // A server of its own, so the list holds exactly what this block made.
    fresh = await startTestServer({ RATE_LIMIT_PER_MINUTE: '100000' });
    freshTeam = (await fresh.request('GET', '/api/v1/me')).body.team.id;
    // In parallel batches, so several rows share a creation timestamp.
    for (let batch = 0; batch < 5; batch++) {
      const res = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          fresh.request('POST', '/api/v1/autousers', { body: { teamId: freshTeam, name: `p${batch}-${i}`, systemPrompt: 'x' } }),
        ),
      );
      for (const r of res) {
        expect(r.status, r.text).toBe(201);
        created.push(r.body.id);
      }
    }
  });
  afterAll(async () => fresh?.close());

  it('defaults to 20 and has the documented envelope', async () => {
    const res = await fresh.request('GET', '/api/v1/autousers');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['data', 'has_more', 'next_cursor']);
    expect(res.body.data).toHaveLength(20);
    expect(res.body.has_more).toBe(true);
    expect(res.body.next_cursor).toBe(res.body.data[19].id);
    for (const p of res.body.data) expect(Object.keys(p)).toEqual(expect.arrayContaining(DOCUMENTED_FIELDS));
  });

  it('starting_after pages through everything exactly once (own and system personas)', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = `/api/v1/autousers?limit=4${cursor ? `&starting_after=${cursor}` : ''}`;
      const res = await fresh.request('GET', q);
      expect(res.status, res.text).toBe(200);
      expect(res.body.data.length).toBeLessThanOrEqual(4);
      seen.push(...res.body.data.map((p: any) => p.id));
      cursor = res.body.has_more ? res.body.next_cursor : null;
      if (!res.body.has_more) expect(res.body.next_cursor).toBeNull();
      pages++;
      expect(pages).toBeLessThan(20);
    } while (cursor);
    const expected = [...created, ...SYSTEM_PERSONAS.map((p) => p.id)];
    expect(seen).toHaveLength(expected.length);
    expect(new Set(seen)).toEqual(new Set(expected));
  });

  it('limit 1 and 100 are accepted', async () => {
    const one = await fresh.request('GET', '/api/v1/autousers?limit=1');
    expect(one.status).toBe(200);
    expect(one.body.data).toHaveLength(1);
    expect(one.body.has_more).toBe(true);
    const all = await fresh.request('GET', '/api/v1/autousers?limit=100');
    expect(all.status).toBe(200);
    expect(all.body.data).toHaveLength(created.length + SYSTEM_PERSONAS.length);
    expect(all.body.has_more).toBe(false);
    expect(all.body.next_cursor).toBeNull();
  });

  it('limit 0, 101, non-numbers and fractions give 400 param limit', async () => {
    for (const limit of ['0', '101', 'abc', '2.5', '-1', '']) {
      expectApiError(await fresh.request('GET', `/api/v1/autousers?limit=${limit}`), 400, { type: 'invalid_request_error', param: 'limit' });
    }
  });

  it('an unknown or foreign starting_after gives 400 param starting_after', async () => {
    expectApiError(await fresh.request('GET', '/api/v1/autousers?starting_after=nope'), 400, { type: 'invalid_request_error', param: 'starting_after' });
    expectApiError(await fresh.request('GET', `/api/v1/autousers?starting_after=${'z'.repeat(300)}`), 400, { type: 'invalid_request_error', param: 'starting_after' });
    const team = await fresh.createTeam('cursor owner');
    const teamId2 = (await fresh.request('GET', '/api/v1/me', { key: team.key })).body.team.id;
    const foreign = await fresh.request('POST', '/api/v1/autousers', { key: team.key, body: { teamId: teamId2, name: 'foreign', systemPrompt: 'x' } });
    expect(foreign.status).toBe(201);
    const res = await fresh.request('GET', `/api/v1/autousers?starting_after=${foreign.body.id}`);
    expectApiError(res, 400, { type: 'invalid_request_error', param: 'starting_after' });
    expect(res.text).not.toContain('foreign');
  });

  it('another team sees the system library but none of these personas', async () => {
    const team = await fresh.createTeam('lister');
    const res = await fresh.request('GET', '/api/v1/autousers?limit=100', { key: team.key });
    expect(res.status).toBe(200);
    expect(res.body.data.map((p: any) => p.id).sort()).toEqual(SYSTEM_PERSONAS.map((p) => p.id).sort());
  });
});

describe('GET/PATCH/DELETE /api/v1/autousers/:id', () => {
  it('reads, updates only the given fields, and deletes', async () => {
    const made = await create({ name: 'to change', description: 'old description' });
    const id = made.body.id;

    const got = await s.request('GET', `/api/v1/autousers/${id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id, name: 'to change', description: 'old description', teamId, isSystem: false });

    const patched = await s.request('PATCH', `/api/v1/autousers/${id}`, { body: { name: 'changed', status: 'draft' } });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body).toMatchObject({ id, name: 'changed', status: 'draft', description: 'old description' });
    expect(new Date(patched.body.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(made.body.updatedAt).getTime());

    const again = await s.request('GET', `/api/v1/autousers/${id}`);
    expect(again.body).toMatchObject({ name: 'changed', status: 'draft', systemPrompt: body().systemPrompt });

    const del = await s.request('DELETE', `/api/v1/autousers/${id}`);
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ id, deleted: true });
    expectApiError(await s.request('GET', `/api/v1/autousers/${id}`), 404, { type: 'not_found', param: null });
    expectApiError(await s.request('DELETE', `/api/v1/autousers/${id}`), 404, { type: 'not_found', param: null });
  });

  it('PATCH validates like create', async () => {
    const { body: p } = await create({ name: 'patch target' });
    expectApiError(await s.request('PATCH', `/api/v1/autousers/${p.id}`, { body: { name: 'x'.repeat(201) } }), 400, { type: 'invalid_request_error', param: 'name' });
    expectApiError(await s.request('PATCH', `/api/v1/autousers/${p.id}`, { body: { name: '' } }), 400, { type: 'invalid_request_error', param: 'name' });
    expectApiError(await s.request('PATCH', `/api/v1/autousers/${p.id}`, { body: { visibility: 'everyone' } }), 400, { type: 'invalid_request_error', param: 'visibility' });
    expectApiError(await s.request('PATCH', `/api/v1/autousers/${p.id}`, { body: { config: { networkCondition: 'warp' } } }), 400, { type: 'invalid_request_error', param: 'config.networkCondition' });
    expect((await s.request('GET', `/api/v1/autousers/${p.id}`)).body.name).toBe('patch target');
  });

  it('an unknown id gives 404', async () => {
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const res = await s.request(method, '/api/v1/autousers/does-not-exist', method === 'PATCH' ? { body: { name: 'x' } } : {});
      expectApiError(res, 404, { type: 'not_found', param: null });
    }
  });

  it('another team’s autouser is 404 (never 403) and stays unchanged', async () => {
    const theirs = await s.request('POST', '/api/v1/autousers', {
      key: other.key,
      body: { teamId: other.teamId, name: 'theirs', systemPrompt: 'secret prompt' },
    });
    expect(theirs.status).toBe(201);
    const id = theirs.body.id;
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const res = await s.request(method, `/api/v1/autousers/${id}`, method === 'PATCH' ? { body: { name: 'mine now' } } : {});
      expectApiError(res, 404, { type: 'not_found', param: null });
      expect(res.text).not.toContain('secret prompt');
    }
    const list = await s.request('GET', '/api/v1/autousers?limit=100');
    expect(list.body.data.map((p: any) => p.id)).not.toContain(id);
    const still = await s.request('GET', `/api/v1/autousers/${id}`, { key: other.key });
    expect(still.body).toMatchObject({ name: 'theirs' });
  });

  it('the system personas are listed, readable, and read-only (403)', async () => {
    const list = await s.request('GET', '/api/v1/autousers?limit=100');
    const ids = list.body.data.map((p: any) => p.id);
    for (const sp of SYSTEM_PERSONAS) {
      expect(ids).toContain(sp.id);
      const got = await s.request('GET', `/api/v1/autousers/${sp.id}`);
      expect(got.status).toBe(200);
      expect(got.body).toMatchObject({ id: sp.id, name: sp.name, isSystem: true, visibility: 'public', teamId: null });
      expect(got.body.systemPrompt).toBe(sp.systemPrompt);

      const patch = await s.request('PATCH', `/api/v1/autousers/${sp.id}`, { body: { name: 'hijacked' } });
      expectApiError(patch, 403, { type: 'authorization_error', param: null });
      const del = await s.request('DELETE', `/api/v1/autousers/${sp.id}`);
      expectApiError(del, 403, { type: 'authorization_error', param: null });
      expect((await s.request('GET', `/api/v1/autousers/${sp.id}`)).body.name).toBe(sp.name);
    }
    // Other teams read them too.
    const theirs = await s.request('GET', `/api/v1/autousers/${SYSTEM_PERSONAS[0].id}`, { key: other.key });
    expect(theirs.status).toBe(200);
  });

  it('PATCH and DELETE without persona:write give 403 naming the scope', async () => {
    const { body: p } = await create({ name: 'scoped' });
    const { key } = await s.createKey(['persona:read']);
    const patch = await s.request('PATCH', `/api/v1/autousers/${p.id}`, { key, body: { name: 'nope' } });
    expectApiError(patch, 403, { type: 'authorization_error', param: null });
    expect(patch.body.error.message).toContain('persona:write');
    const del = await s.request('DELETE', `/api/v1/autousers/${p.id}`, { key });
    expect(del.status).toBe(403);
    expect(del.body.error.message).toContain('persona:write');
    expect((await s.request('GET', `/api/v1/autousers/${p.id}`, { key })).body.name).toBe('scoped');
  });
});

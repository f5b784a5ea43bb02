/**
 * EvalStudio (seed 002 and its product's projects, workspace and images) over
 * real HTTP, including persona portraits from the embedded provider and from
 * the real openai SDK talking to a local OpenAI-compatible server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestResponse, type TestServer } from './helpers/server.js';
import { makePng, startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { expectPlainError } from './helpers/errors.js';

// llmSettings.baseUrl points at a local OpenAI-compatible server: the operator allows loopback for it.
const FAST = { RATE_LIMIT_PER_MINUTE: '100000', OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' };

let s: TestServer;
let other: { teamId: string; key: string };
let fake: FakeOpenAI;

beforeAll(async () => {
  [s, fake] = await Promise.all([startTestServer(FAST), startFakeOpenAI()]);
  other = await s.createTeam('evalstudio other team');
});
afterAll(async () => {
  await s?.close();
  await fake?.close();
});

let seq = 0;
async function newProject(server: TestServer = s, key?: string): Promise<string> {
  const res = await server.request('POST', '/api/projects', { body: { name: `project ${++seq}` }, ...(key ? { key } : {}) });
  expect(res.status, res.text).toBe(201);
  return res.body.id;
}

async function newPersona(projectId: string, body: Record<string, unknown>, server: TestServer = s) {
  const res = await server.request('POST', `/api/projects/${projectId}/personas`, { body });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const imageId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.png$/;
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

async function getBytes(server: TestServer, path: string, key: string = server.adminKey) {
  const res = await fetch(server.url + path, { headers: { Authorization: `Bearer ${key}` } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

describe('projects', () => {
  it('lists as a plain array of {id, name}, creates 201 {id, name}', async () => {
    const res = await s.request('POST', '/api/projects', { body: { name: 'Checkout bot' } });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(['id', 'name']);
    expect(res.body.name).toBe('Checkout bot');
    expect(res.body.id).toMatch(uuid);
    const list = await s.request('GET', '/api/projects');
    expect(list.status).toBe(200);
    expect(Array.isArray(list.body)).toBe(true);
    expect(list.body).toContainEqual({ id: res.body.id, name: 'Checkout bot' });
    for (const p of list.body) expect(Object.keys(p).sort()).toEqual(['id', 'name']);
  });

  it('a duplicate name gives 409; a missing or blank name 400 "Name is required"', async () => {
    expect((await s.request('POST', '/api/projects', { body: { name: 'Twice' } })).status).toBe(201);
    const dup = await s.request('POST', '/api/projects', { body: { name: 'Twice' } });
    expect(dup.status).toBe(409);
    expect(typeof dup.body.error).toBe('string');
    expectPlainError(await s.request('POST', '/api/projects', { body: {} }), 400, 'Name is required');
    expectPlainError(await s.request('POST', '/api/projects', { body: { name: '   ' } }), 400, 'Name is required');
    expectPlainError(await s.request('POST', '/api/projects'), 400, 'Name is required');
    expect((await s.request('POST', '/api/projects', { body: { name: 5 } })).status).toBe(400);
  });

  it('another team may use the same name, and never sees this team’s projects', async () => {
    expect((await s.request('POST', '/api/projects', { body: { name: 'Shared name' } })).status).toBe(201);
    const theirs = await s.request('POST', '/api/projects', { key: other.key, body: { name: 'Shared name' } });
    expect(theirs.status).toBe(201);
    const list = await s.request('GET', '/api/projects', { key: other.key });
    expect(list.body.map((p: any) => p.id)).toEqual([theirs.body.id]);
  });

  it('a unique 8+ character id prefix works; a shorter or unknown one is 404 "Project not found"', async () => {
    const id = await newProject();
    await newPersona(id, { name: 'by prefix' });
    const byPrefix = await s.request('GET', `/api/projects/${id.slice(0, 8)}/personas`);
    expect(byPrefix.status).toBe(200);
    expect(byPrefix.body.map((p: any) => p.name)).toEqual(['by prefix']);
    expect((await s.request('GET', `/api/projects/${id.slice(0, 13)}/config`)).status).toBe(200);
    expectPlainError(await s.request('GET', `/api/projects/${id.slice(0, 7)}/personas`), 404, 'Project not found');
    expectPlainError(await s.request('GET', '/api/projects/ffffffff-0000-4000-8000-000000000000/personas'), 404, 'Project not found');
    // LIKE wildcards are not prefixes.
    expectPlainError(await s.request('GET', `/api/projects/${encodeURIComponent('%%%%%%%%')}/personas`), 404, 'Project not found');
    expectPlainError(await s.request('GET', '/api/projects/________/personas'), 404, 'Project not found');
    // Another team's project by full id or prefix.
    expectPlainError(await s.request('GET', `/api/projects/${id}/personas`, { key: other.key }), 404, 'Project not found');
    expectPlainError(await s.request('GET', `/api/projects/${id.slice(0, 8)}/personas`, { key: other.key }), 404, 'Project not found');
  });

  it('DELETE gives 204 and removes the project with its personas and images', async () => {
    const id = await newProject();
    const persona = await newPersona(id, { name: 'doomed', systemPrompt: 'x' });
    const img = await s.request('POST', `/api/projects/${id}/images`, { body: { imageBase64: makePng().toString('base64') } });
    expect(img.status).toBe(201);

    expectPlainError(await s.request('DELETE', `/api/projects/${id}`, { key: other.key }), 404, 'Project not found');
    const del = await s.request('DELETE', `/api/projects/${id.slice(0, 8)}`);
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expect((await s.request('GET', '/api/projects')).body.map((p: any) => p.id)).not.toContain(id);
    expectPlainError(await s.request('GET', `/api/projects/${id}/personas`), 404, 'Project not found');
    expectPlainError(await s.request('DELETE', `/api/projects/${id}`), 404, 'Project not found');
    // The persona is gone everywhere, not only from this path.
    expect((await s.request('GET', `/api/v1/autousers/${persona.id}`)).status).toBe(404);
    const gql = await s.graphql('query($id: ID!) { persona(id: $id) { id } }', { id: persona.id });
    expect(gql.body.data.persona).toBeNull();
    expect(await s.app.deps.prisma.image.count({ where: { id: img.body.id } })).toBe(0);
    expect(await s.app.deps.prisma.persona.count({ where: { projectId: id } })).toBe(0);
  });

  it('without persona:write creating and deleting give 403 naming the scope', async () => {
    const id = await newProject();
    const { key } = await s.createKey(['persona:read']);
    const create = await s.request('POST', '/api/projects', { key, body: { name: 'nope' } });
    expect(create.status).toBe(403);
    expect(create.body.error).toContain('persona:write');
    expect((await s.request('DELETE', `/api/projects/${id}`, { key })).status).toBe(403);
    expect((await s.request('GET', '/api/projects', { key })).status).toBe(200);
  });
});

describe('config and workspace', () => {
  const KEY = 'sk-1234567890abcdef';
  const PROJECT_KEY = 'sk-proj-ZYXWVUTSRQPO9876';

  it('projects inherit workspace defaults; null clears an override; an omitted apiKey keeps the stored one; keys stay masked', async () => {
    const server = await startTestServer(FAST);
    try {
      const id = await newProject(server);
      const fresh = await server.request('GET', `/api/projects/${id}/config`);
      expect(fresh.status).toBe(200);
      expect(fresh.body).toEqual({ name: `project ${seq}`, llmSettings: null, maxConcurrency: expect.any(Number), styleReferenceImageIds: [] });
      const defaultConcurrency = fresh.body.maxConcurrency;

      const ws = await server.request('PUT', '/api/workspace', {
        body: { llmSettings: { provider: 'openai', apiKey: KEY, models: { image: 'gpt-image-1' } }, maxConcurrency: 7 },
      });
      expect(ws.status, ws.text).toBe(200);
      expect(ws.body.llmSettings).toMatchObject({ provider: 'openai', apiKey: 'sk-1...cdef', models: { image: 'gpt-image-1' } });
      expect(ws.body.maxConcurrency).toBe(7);
      expect((await server.request('GET', '/api/workspace')).body).toEqual(ws.body);

      const inherited = await server.request('GET', `/api/projects/${id}/config`);
      expect(inherited.body).toMatchObject({ maxConcurrency: 7, llmSettings: { provider: 'openai', apiKey: 'sk-1...cdef' } });

      const own = await server.request('PUT', `/api/projects/${id}/config`, {
        body: { maxConcurrency: 2, llmSettings: { provider: 'openai', apiKey: PROJECT_KEY } },
      });
      expect(own.status, own.text).toBe(200);
      expect(own.body).toMatchObject({ maxConcurrency: 2, llmSettings: { provider: 'openai', apiKey: 'sk-p...9876' } });

      // Omitted apiKey: the stored one stays.
      const kept = await server.request('PUT', `/api/projects/${id}/config`, {
        body: { llmSettings: { provider: 'openai', baseUrl: 'http://127.0.0.1:1/v1' } },
      });
      expect(kept.status, kept.text).toBe(200);
      expect(kept.body.llmSettings).toMatchObject({ apiKey: 'sk-p...9876', baseUrl: 'http://127.0.0.1:1/v1' });
      expect(kept.body.maxConcurrency).toBe(2); // omitted fields are left alone

      // null clears the override: the workspace value shows through again.
      const cleared = await server.request('PUT', `/api/projects/${id}/config`, { body: { maxConcurrency: null, llmSettings: null } });
      expect(cleared.status).toBe(200);
      expect(cleared.body).toMatchObject({ maxConcurrency: 7, llmSettings: { apiKey: 'sk-1...cdef' } });
      const wsCleared = await server.request('PUT', '/api/workspace', { body: { maxConcurrency: null } });
      expect(wsCleared.body.maxConcurrency).toBe(defaultConcurrency);
      expect((await server.request('GET', `/api/projects/${id}/config`)).body.maxConcurrency).toBe(defaultConcurrency);

      // apiKey null clears the key itself.
      const noKey = await server.request('PUT', '/api/workspace', { body: { llmSettings: { provider: 'openai', apiKey: null } } });
      expect(noKey.body.llmSettings.apiKey).toBeNull();

      // Renaming through config.
      const renamed = await server.request('PUT', `/api/projects/${id}/config`, { body: { name: 'Renamed' } });
      expect(renamed.body.name).toBe('Renamed');
      expect((await server.request('GET', '/api/projects')).body).toContainEqual({ id, name: 'Renamed' });

      // Never in clear: not in any response, nor in the database.
      const texts = [ws, inherited, own, kept, cleared].map((r) => r.text);
      texts.push((await server.graphql('{ workspace { llmSettings { apiKey } } projects { config { llmSettings { apiKey } } } }')).text);
      for (const t of texts) {
        expect(t).not.toContain(KEY);
        expect(t).not.toContain(PROJECT_KEY);
      }
      await server.request('PUT', `/api/projects/${id}/config`, { body: { llmSettings: { provider: 'openai', apiKey: PROJECT_KEY } } });
      const rows = await server.app.deps.prisma.$queryRawUnsafe<{ config: unknown }[]>(
        'SELECT config::text AS config FROM "Project" UNION ALL SELECT config::text FROM "Workspace"',
      );
      for (const r of rows) expect(String(r.config)).not.toContain(PROJECT_KEY.slice(3));
    } finally {
      await server.close();
    }
  });

  it('bad types give 400 with a message; nothing changes', async () => {
    const id = await newProject();
    const before = (await s.request('GET', `/api/projects/${id}/config`)).body;
    const bad: unknown[] = [
      { maxConcurrency: 'many' },
      { maxConcurrency: 0 },
      { maxConcurrency: 1.5 },
      { maxConcurrency: 101 },
      { llmSettings: 'openai' },
      { llmSettings: {} },
      { llmSettings: { provider: 'openai', apiKey: 42 } },
      { llmSettings: { provider: 'openai', baseUrl: 'not a url' } },
      { llmSettings: { provider: 'openai', models: 'gpt' } },
      { styleReferenceImageIds: 'abc.png' },
      { styleReferenceImageIds: [1] },
      { styleReferenceImageIds: ['00000000-0000-4000-8000-000000000000.png'] },
      { name: '' },
      { name: 7 },
    ];
    for (const body of bad) {
      const res = await s.request('PUT', `/api/projects/${id}/config`, { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(typeof res.body.error).toBe('string');
      expect(Object.keys(res.body)).toEqual(['error']);
    }
    for (const body of bad.slice(0, 11)) {
      expect((await s.request('PUT', '/api/workspace', { body })).status, JSON.stringify(body)).toBe(400);
    }
    expect((await s.request('PUT', '/api/workspace', { body: [1] })).status).toBe(400);
    expect((await s.request('GET', `/api/projects/${id}/config`)).body).toEqual(before);
  });

  it('another team’s project config is 404', async () => {
    const id = await newProject();
    expectPlainError(await s.request('GET', `/api/projects/${id}/config`, { key: other.key }), 404, 'Project not found');
    expectPlainError(await s.request('PUT', `/api/projects/${id}/config`, { key: other.key, body: { maxConcurrency: 5 } }), 404, 'Project not found');
  });

  it('style reference images must be the project’s (or the workspace’s) own', async () => {
    const mine = await newProject();
    const img = await s.request('POST', `/api/projects/${mine}/images`, { body: { imageBase64: makePng().toString('base64') } });
    const theirProject = await newProject(s, other.key);
    const res = await s.request('PUT', `/api/projects/${theirProject}/config`, { key: other.key, body: { styleReferenceImageIds: [img.body.id] } });
    expect(res.status).toBe(400);
    const ok = await s.request('PUT', `/api/projects/${mine}/config`, { body: { styleReferenceImageIds: [img.body.id] } });
    expect(ok.status).toBe(200);
    expect(ok.body.styleReferenceImageIds).toEqual([img.body.id]);
  });
});

describe('images', () => {
  it('upload → 201 {id}, GET serves the bytes with type and caching headers, DELETE 204 then 404', async () => {
    const id = await newProject();
    const png = makePng([10, 200, 30], 8);
    const up = await s.request('POST', `/api/projects/${id}/images`, { body: { imageBase64: png.toString('base64'), filename: 'face.png' } });
    expect(up.status, up.text).toBe(201);
    expect(Object.keys(up.body)).toEqual(['id']);
    expect(up.body.id).toMatch(imageId);

    const got = await getBytes(s, `/api/projects/${id}/images/${up.body.id}`);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('image/png');
    expect(got.bytes.equals(png)).toBe(true);
    expect(got.headers.get('etag')).toMatch(/^"[^"]+"$/);
    expect(got.headers.get('cache-control')).toMatch(/max-age=\d+/);

    // A browser revalidating with the ETag gets 304 and no body.
    const again = await fetch(`${s.url}/api/projects/${id}/images/${up.body.id}`, {
      headers: { Authorization: `Bearer ${s.adminKey}`, 'If-None-Match': got.headers.get('etag')! },
    });
    expect(again.status).toBe(304);
    expect((await again.arrayBuffer()).byteLength).toBe(0);
    const stale = await fetch(`${s.url}/api/projects/${id}/images/${up.body.id}`, {
      headers: { Authorization: `Bearer ${s.adminKey}`, 'If-None-Match': '"something-else"' },
    });
    expect(stale.status).toBe(200);

    // A data: URL is accepted too.
    const dataUrl = await s.request('POST', `/api/projects/${id}/images`, { body: { imageBase64: `data:image/png;base64,${png.toString('base64')}` } });
    expect(dataUrl.status).toBe(201);

    const del = await s.request('DELETE', `/api/projects/${id}/images/${up.body.id}`);
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expectPlainError(await s.request('GET', `/api/projects/${id}/images/${up.body.id}`), 404, 'Image not found');
    expectPlainError(await s.request('DELETE', `/api/projects/${id}/images/${up.body.id}`), 404, 'Image not found');
  });

  it('non-image data, bad base64 and a missing field give 400', async () => {
    const id = await newProject();
    for (const body of [
      { imageBase64: Buffer.from('hello, not an image').toString('base64') },
      { imageBase64: '!!!not base64!!!' },
      { imageBase64: '' },
      {},
      { imageBase64: 12 },
      { imageBase64: makePng().toString('base64'), filename: 3 },
    ]) {
      const res = await s.request('POST', `/api/projects/${id}/images`, { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(Object.keys(res.body)).toEqual(['error']);
    }
  });

  it('another team’s project or image is 404', async () => {
    const id = await newProject();
    const up = await s.request('POST', `/api/projects/${id}/images`, { body: { imageBase64: makePng().toString('base64') } });
    expectPlainError(
      await s.request('POST', `/api/projects/${id}/images`, { key: other.key, body: { imageBase64: makePng().toString('base64') } }),
      404,
      'Project not found',
    );
    expectPlainError(await s.request('GET', `/api/projects/${id}/images/${up.body.id}`, { key: other.key }), 404, 'Project not found');
    const theirs = await newProject(s, other.key);
    expectPlainError(await s.request('GET', `/api/projects/${theirs}/images/${up.body.id}`, { key: other.key }), 404, 'Image not found');
    expectPlainError(await s.request('DELETE', `/api/projects/${theirs}/images/${up.body.id}`, { key: other.key }), 404, 'Image not found');
    expect((await getBytes(s, `/api/projects/${id}/images/${up.body.id}`)).status).toBe(200);
  });
});

describe('personas (seed 002)', () => {
  const impatient = {
    name: 'impatient-user',
    description: 'A user who wants quick answers',
    systemPrompt: 'You are an impatient user who values brevity and expects quick, concise responses.',
  };

  it('POST 201 with the documented body; GET list plain array; GET by id', async () => {
    const p = await newProject();
    const res = await s.request('POST', `/api/projects/${p}/personas`, { body: impatient });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(['createdAt', 'description', 'id', 'name', 'systemPrompt', 'updatedAt']);
    expect(res.body).toMatchObject(impatient);
    expect(res.body.id).toMatch(uuid);
    expect(new Date(res.body.createdAt).toISOString()).toBe(res.body.createdAt);

    const list = await s.request('GET', `/api/projects/${p}/personas`);
    expect(list.status).toBe(200);
    expect(list.body).toEqual([res.body]);

    const one = await s.request('GET', `/api/projects/${p}/personas/${res.body.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(res.body);
  });

  it('only name is required; headers round-trip', async () => {
    const p = await newProject();
    const bare = await s.request('POST', `/api/projects/${p}/personas`, { body: { name: 'bare' } });
    expect(bare.status).toBe(201);
    expect(Object.keys(bare.body).sort()).toEqual(['createdAt', 'id', 'name', 'updatedAt']);
    const withHeaders = await s.request('POST', `/api/projects/${p}/personas`, { body: { name: 'h', headers: { 'X-User-Language': 'en' } } });
    expect(withHeaders.status).toBe(201);
    const got = await s.request('GET', `/api/projects/${p}/personas/${withHeaders.body.id}`);
    expect(got.body.headers).toEqual({ 'X-User-Language': 'en' });
    expect((await s.request('POST', `/api/projects/${p}/personas`, { body: { name: 'bad headers', headers: { 'X-A': 1 } } })).status).toBe(400);
    expect((await s.request('POST', `/api/projects/${p}/personas`, { body: { name: 'bad headers', headers: 'x' } })).status).toBe(400);
  });

  it('400 "Name is required" and 409 "Persona with name already exists"', async () => {
    const p = await newProject();
    expectPlainError(await s.request('POST', `/api/projects/${p}/personas`, { body: { description: 'no name' } }), 400, 'Name is required');
    expectPlainError(await s.request('POST', `/api/projects/${p}/personas`, { body: { name: '' } }), 400, 'Name is required');
    expectPlainError(await s.request('POST', `/api/projects/${p}/personas`, { body: { name: '  ' } }), 400, 'Name is required');
    expectPlainError(await s.request('POST', `/api/projects/${p}/personas`), 400, 'Name is required');
    await newPersona(p, impatient);
    expectPlainError(await s.request('POST', `/api/projects/${p}/personas`, { body: impatient }), 409, 'Persona with name already exists');
    // The same name in another project is fine.
    expect((await s.request('POST', `/api/projects/${await newProject()}/personas`, { body: impatient })).status).toBe(201);
    expect((await s.request('GET', `/api/projects/${p}/personas`)).body).toHaveLength(1);
  });

  it('concurrent creates of one name: exactly one 201, the rest 409', async () => {
    const p = await newProject();
    const results = await Promise.all(
      Array.from({ length: 8 }, () => s.request('POST', `/api/projects/${p}/personas`, { body: { name: 'racer' } })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    for (const r of results.filter((x) => x.status === 409)) expect(r.body).toEqual({ error: 'Persona with name already exists' });
    expect((await s.request('GET', `/api/projects/${p}/personas`)).body).toHaveLength(1);
  });

  it('PUT updates only the given fields; a rename onto another name is 409', async () => {
    const p = await newProject();
    const a = await newPersona(p, impatient);
    await newPersona(p, { name: 'technical-user' });
    const put = await s.request('PUT', `/api/projects/${p}/personas/${a.id}`, {
      body: { systemPrompt: 'You are a technical user who expects detailed, accurate responses.' },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      id: a.id,
      name: 'impatient-user',
      description: impatient.description,
      systemPrompt: 'You are a technical user who expects detailed, accurate responses.',
      createdAt: a.createdAt,
    });
    expect(new Date(put.body.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(a.updatedAt).getTime());

    expectPlainError(await s.request('PUT', `/api/projects/${p}/personas/${a.id}`, { body: { name: 'technical-user' } }), 409, 'Persona with name already exists');
    expectPlainError(await s.request('PUT', `/api/projects/${p}/personas/${a.id}`, { body: { name: '' } }), 400, 'Name is required');
    expect((await s.request('PUT', `/api/projects/${p}/personas/${a.id}`, { body: { description: 5 } })).status).toBe(400);
    const renamed = await s.request('PUT', `/api/projects/${p}/personas/${a.id}`, { body: { name: 'renamed' } });
    expect(renamed.body.name).toBe('renamed');

    // imageUrl references a stored image.
    const img = await s.request('POST', `/api/projects/${p}/images`, { body: { imageBase64: makePng().toString('base64') } });
    const withImage = await s.request('PUT', `/api/projects/${p}/personas/${a.id}`, { body: { imageUrl: img.body.id } });
    expect(withImage.body.imageUrl).toBe(img.body.id);
    expect((await s.request('GET', `/api/projects/${p}/personas/${a.id}`)).body).toMatchObject({ name: 'renamed', imageUrl: img.body.id });
  });

  it('DELETE 204, then 404 "Persona not found" on every path', async () => {
    const p = await newProject();
    const a = await newPersona(p, impatient);
    const del = await s.request('DELETE', `/api/projects/${p}/personas/${a.id}`);
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    for (const [method, path] of [
      ['GET', `/api/projects/${p}/personas/${a.id}`],
      ['PUT', `/api/projects/${p}/personas/${a.id}`],
      ['DELETE', `/api/projects/${p}/personas/${a.id}`],
      ['POST', `/api/projects/${p}/personas/${a.id}/generate-image`],
    ] as const) {
      expectPlainError(await s.request(method, path, method === 'PUT' ? { body: { name: 'x' } } : {}), 404, 'Persona not found');
    }
  });

  it('a persona of another project, of another team, or a system persona is "Persona not found"', async () => {
    const p1 = await newProject();
    const p2 = await newProject();
    const a = await newPersona(p1, impatient);
    expectPlainError(await s.request('GET', `/api/projects/${p2}/personas/${a.id}`), 404, 'Persona not found');
    expectPlainError(await s.request('DELETE', `/api/projects/${p2}/personas/${a.id}`), 404, 'Persona not found');
    const theirs = await newProject(s, other.key);
    expectPlainError(await s.request('GET', `/api/projects/${theirs}/personas/${a.id}`, { key: other.key }), 404, 'Persona not found');
    expectPlainError(await s.request('PUT', `/api/projects/${theirs}/personas/${a.id}`, { key: other.key, body: { name: 'x' } }), 404, 'Persona not found');
    expectPlainError(await s.request('GET', `/api/projects/${p1}/personas/${a.id}`, { key: other.key }), 404, 'Project not found');
    expectPlainError(await s.request('GET', `/api/projects/${p1}/personas/00000000-0000-4000-8000-000000000001`), 404, 'Persona not found');
    expect((await s.request('GET', `/api/projects/${p1}/personas/${a.id}`)).body.name).toBe(impatient.name);
  });

  it('a persona created over REST is the same record over GraphQL, and the other way round', async () => {
    const p = await newProject();
    const rest = await newPersona(p, impatient);
    const q = await s.graphql('query($id: ID!) { persona(id: $id) { id name systemPrompt project { id } } }', { id: rest.id });
    expect(q.body.errors).toBeUndefined();
    expect(q.body.data.persona).toEqual({ id: rest.id, name: impatient.name, systemPrompt: impatient.systemPrompt, project: { id: p } });

    const m = await s.graphql(
      `mutation($input: CreatePersonaInput!) { createPersona(input: $input) {
         __typename ... on MutationCreatePersonaSuccess { data { id name } } ... on Error { message } } }`,
      { input: { projectId: p.slice(0, 8), name: 'from-graphql', systemPrompt: 'made in GraphQL' } },
    );
    expect(m.body.data.createPersona.__typename, m.text).toBe('MutationCreatePersonaSuccess');
    const gid = m.body.data.createPersona.data.id;
    const got = await s.request('GET', `/api/projects/${p}/personas/${gid}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id: gid, name: 'from-graphql', systemPrompt: 'made in GraphQL' });
    expect((await s.request('GET', `/api/projects/${p}/personas`)).body.map((x: any) => x.id)).toEqual([rest.id, gid]);

    const dup = await s.graphql(
      `mutation($input: CreatePersonaInput!) { createPersona(input: $input) { __typename ... on Error { message } } }`,
      { input: { projectId: p, name: impatient.name } },
    );
    expect(dup.body.data.createPersona).toEqual({ __typename: 'ConflictError', message: 'Persona with name already exists' });
  });

  it('without persona:write the six endpoints’ writes give 403 naming the scope', async () => {
    const p = await newProject();
    const a = await newPersona(p, impatient);
    const { key } = await s.createKey(['persona:read']);
    for (const [method, path] of [
      ['POST', `/api/projects/${p}/personas`],
      ['PUT', `/api/projects/${p}/personas/${a.id}`],
      ['DELETE', `/api/projects/${p}/personas/${a.id}`],
      ['POST', `/api/projects/${p}/personas/${a.id}/generate-image`],
    ] as const) {
      const res = await s.request(method, path, { key, body: { name: 'z' } });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error).toContain('persona:write');
    }
    expect((await s.request('GET', `/api/projects/${p}/personas/${a.id}`, { key })).body).toEqual(a);
  });
});

describe('generate-image', () => {
  const prompt = 'You are a retired sailor who types slowly and asks for everything twice.';

  async function generate(server: TestServer, p: string, id: string) {
    return server.request('POST', `/api/projects/${p}/personas/${id}/generate-image`);
  }

  it('"Persona has no system prompt" without one', async () => {
    const p = await newProject();
    const a = await newPersona(p, { name: 'promptless' });
    expectPlainError(await generate(s, p, a.id), 400, 'Persona has no system prompt');
    const blank = await newPersona(p, { name: 'blank', systemPrompt: '   ' });
    expectPlainError(await generate(s, p, blank.id), 400, 'Persona has no system prompt');
  });

  it('with nothing configured the embedded provider draws a deterministic PNG, stored as a project image', async () => {
    const p = await newProject();
    const a = await newPersona(p, { name: 'sailor', description: 'Old salt', systemPrompt: prompt });
    const res = await generate(s, p, a.id);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ id: a.id, name: 'sailor', systemPrompt: prompt });
    expect(res.body.imageUrl).toMatch(imageId);
    expect(Object.keys(res.body).sort()).toEqual(['createdAt', 'description', 'id', 'imageUrl', 'name', 'systemPrompt', 'updatedAt']);
    expect((await s.request('GET', `/api/projects/${p}/personas/${a.id}`)).body.imageUrl).toBe(res.body.imageUrl);

    const first = await getBytes(s, `/api/projects/${p}/images/${res.body.imageUrl}`);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('image/png');
    expect(first.bytes.subarray(0, 8).equals(PNG_MAGIC)).toBe(true);

    // Same persona, same picture; another persona, another picture.
    const again = await generate(s, p, a.id);
    expect(again.body.imageUrl).not.toBe(res.body.imageUrl);
    const second = await getBytes(s, `/api/projects/${p}/images/${again.body.imageUrl}`);
    expect(second.bytes.equals(first.bytes)).toBe(true);
    const b = await newPersona(p, { name: 'gamer', systemPrompt: 'You are a teenage gamer who uses slang.' });
    const third = await getBytes(s, `/api/projects/${p}/images/${(await generate(s, p, b.id)).body.imageUrl}`);
    expect(third.bytes.equals(first.bytes)).toBe(false);

    const stored = await s.app.deps.prisma.image.findUniqueOrThrow({ where: { id: res.body.imageUrl } });
    expect(stored.metadata).toMatchObject({ provider: 'embedded', personaId: a.id });
    expect(stored.projectId).toBe(p);

    // GraphQL sees the same imageUrl.
    const q = await s.graphql('query($id: ID!) { persona(id: $id) { imageUrl } }', { id: a.id });
    expect(q.body.data.persona.imageUrl).toBe(again.body.imageUrl);
    expect(fake.requests).toHaveLength(0);
  });

  it('with project llmSettings for OpenAI the SDK sends gpt-image-1 with that key, and the answer is stored', async () => {
    const p = await newProject();
    const put = await s.request('PUT', `/api/projects/${p}/config`, {
      body: { llmSettings: { provider: 'openai', apiKey: 'sk-project-key-abcdef123456', baseUrl: fake.url } },
    });
    expect(put.status, put.text).toBe(200);
    const a = await newPersona(p, { name: 'sailor', systemPrompt: prompt });
    const before = fake.requests.length;

    const res = await generate(s, p, a.id);
    expect(res.status, res.text).toBe(200);
    expect(res.body.imageUrl).toMatch(imageId);
    const sent = fake.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.method).toBe('POST');
    expect(sent[0]!.path).toBe('/v1/images/generations');
    expect(sent[0]!.headers.authorization).toBe('Bearer sk-project-key-abcdef123456');
    expect(sent[0]!.body.model).toBe('gpt-image-1');
    expect(String(sent[0]!.body.prompt)).toContain(prompt);

    const img = await getBytes(s, `/api/projects/${p}/images/${res.body.imageUrl}`);
    expect(img.bytes.equals(fake.png)).toBe(true);
    expect(img.headers.get('content-type')).toBe('image/png');
    const stored = await s.app.deps.prisma.image.findUniqueOrThrow({ where: { id: res.body.imageUrl } });
    expect(stored.metadata).toMatchObject({ provider: 'openai', model: 'gpt-image-1' });
    expect(res.text).not.toContain('sk-project-key-abcdef123456');
  });

  it('with style reference images the SDK sends an edits request carrying them', async () => {
    const p = await newProject();
    const ref = makePng([0, 0, 255], 6);
    const up = await s.request('POST', `/api/projects/${p}/images`, { body: { imageBase64: ref.toString('base64') } });
    const put = await s.request('PUT', `/api/projects/${p}/config`, {
      body: { llmSettings: { provider: 'openai', apiKey: 'sk-style-key-0000111122223333', baseUrl: fake.url }, styleReferenceImageIds: [up.body.id] },
    });
    expect(put.status, put.text).toBe(200);
    const a = await newPersona(p, { name: 'styled', systemPrompt: prompt });
    const before = fake.requests.length;
    const res = await generate(s, p, a.id);
    expect(res.status, res.text).toBe(200);
    const sent = fake.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.path).toBe('/v1/images/edits');
    expect(sent[0]!.headers.authorization).toBe('Bearer sk-style-key-0000111122223333');
    expect(sent[0]!.headers['content-type']).toMatch(/^multipart\/form-data/);
    expect(sent[0]!.body.model).toBe('gpt-image-1');
    expect(String(sent[0]!.body.prompt)).toContain(prompt);
    const images = sent[0]!.files.filter((f) => f.field.startsWith('image'));
    expect(images).toHaveLength(1);
    expect(images[0]!.bytes.equals(ref)).toBe(true);
    expect((await getBytes(s, `/api/projects/${p}/images/${res.body.imageUrl}`)).bytes.equals(fake.png)).toBe(true);
  });

  it('workspace llmSettings apply to projects without their own', async () => {
    const server = await startTestServer(FAST);
    try {
      await server.request('PUT', '/api/workspace', {
        body: { llmSettings: { provider: 'openai', apiKey: 'sk-workspace-key-99998888', baseUrl: fake.url } },
      });
      const p = await newProject(server);
      const a = await newPersona(p, { name: 'ws', systemPrompt: prompt }, server);
      const before = fake.requests.length;
      const res = await generate(server, p, a.id);
      expect(res.status, res.text).toBe(200);
      expect(fake.requests.slice(before).map((r) => r.headers.authorization)).toEqual(['Bearer sk-workspace-key-99998888']);
    } finally {
      await server.close();
    }
  });

  it('a project naming OpenAI without a key of its own uses the workspace’s OpenAI key', async () => {
    const server = await startTestServer(FAST);
    try {
      await server.request('PUT', '/api/workspace', {
        body: { llmSettings: { provider: 'openai', apiKey: 'sk-workspace-key-77776666', baseUrl: fake.url } },
      });
      const p = await newProject(server);
      const put = await server.request('PUT', `/api/projects/${p}/config`, {
        body: { llmSettings: { provider: 'openai', models: { image: 'gpt-image-1' } } },
      });
      expect(put.status, put.text).toBe(200);
      const a = await newPersona(p, { name: 'inherits', systemPrompt: prompt }, server);
      const before = fake.requests.length;
      const res = await generate(server, p, a.id);
      expect(res.status, res.text).toBe(200);
      expect(fake.requests.slice(before).map((r) => r.headers.authorization)).toEqual(['Bearer sk-workspace-key-77776666']);
    } finally {
      await server.close();
    }
  });

  it('a provider that is not OpenAI gives 400 "LLM provider is not OpenAI"', async () => {
    const p = await newProject();
    await s.request('PUT', `/api/projects/${p}/config`, { body: { llmSettings: { provider: 'anthropic', apiKey: 'sk-ant-0123456789' } } });
    const a = await newPersona(p, { name: 'claude fan', systemPrompt: prompt });
    expectPlainError(await generate(s, p, a.id), 400, 'LLM provider is not OpenAI');
    expect((await s.request('GET', `/api/projects/${p}/personas/${a.id}`)).body.imageUrl).toBeUndefined();
  });

  it('EMBEDDED_AI=false and nothing configured gives 400 "No LLM provider configured"; OPENAI_API_KEY is used when set', async () => {
    const bare = await startTestServer({ ...FAST, EMBEDDED_AI: 'false' });
    try {
      const p = await newProject(bare);
      const a = await newPersona(p, { name: 'unlit', systemPrompt: prompt }, bare);
      expectPlainError(await generate(bare, p, a.id), 400, 'No LLM provider configured');
    } finally {
      await bare.close();
    }
    const env = await startTestServer({ ...FAST, EMBEDDED_AI: 'false', OPENAI_API_KEY: 'sk-from-env-12345678', OPENAI_BASE_URL: fake.url });
    try {
      const p = await newProject(env);
      const a = await newPersona(p, { name: 'lit', systemPrompt: prompt }, env);
      const before = fake.requests.length;
      const res = await generate(env, p, a.id);
      expect(res.status, res.text).toBe(200);
      const sent = fake.requests.slice(before);
      expect(sent.map((r) => [r.path, r.headers.authorization])).toEqual([['/v1/images/generations', 'Bearer sk-from-env-12345678']]);
    } finally {
      await env.close();
    }
  });

  describe('when the provider fails', () => {
    let p: string;
    let persona: { id: string };
    beforeAll(async () => {
      p = await newProject();
      await s.request('PUT', `/api/projects/${p}/config`, {
        body: { llmSettings: { provider: 'openai', apiKey: 'sk-failing-key-12345678', baseUrl: fake.url } },
      });
      persona = await newPersona(p, { name: 'unlucky', systemPrompt: prompt });
    });
    afterAll(() => fake.failWith(null));

    it('a server error gives 502 {"error":"internal server error"} and leaves the persona unchanged', async () => {
      fake.failWith(500);
      const res = await generate(s, p, persona.id);
      expect(res.status).toBe(502);
      expect(res.body).toEqual({ error: 'internal server error' });
      expect((await s.request('GET', `/api/projects/${p}/personas/${persona.id}`)).body.imageUrl).toBeUndefined();
    });

    it('a rejected API key gives a 400 that says so, without the key', async () => {
      fake.failWith(401);
      const res = await generate(s, p, persona.id);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'The LLM provider rejected the API key' });
      expect(res.text).not.toContain('sk-f');
    });

    it('a request the provider refuses (e.g. unknown model) gives a 400 naming the provider, not a 5xx', async () => {
      fake.failWith(404);
      const res = await generate(s, p, persona.id);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'The LLM provider rejected the image request (status 404)' });
      expect((await s.request('GET', `/api/projects/${p}/personas/${persona.id}`)).body.imageUrl).toBeUndefined();
    });

    it('GraphQL reports the failure without leaking provider details', async () => {
      fake.failWith(500);
      const res = await s.graphql(
        'mutation($id: ID!) { generatePersonaImage(id: $id) { __typename ... on Error { message } } }',
        { id: persona.id },
      );
      expect(res.text).not.toContain('sk-failing');
      expect(res.text).not.toContain('The server had an error');
      const result = res.body.data?.generatePersonaImage;
      expect(result?.__typename).not.toBe('MutationGeneratePersonaImageSuccess');
      const message: string = result?.message ?? res.body.errors?.[0]?.message ?? '';
      expect(message).toMatch(/image provider failed/);
      expect((await s.request('GET', `/api/projects/${p}/personas/${persona.id}`)).body.imageUrl).toBeUndefined();
    });
  });
});

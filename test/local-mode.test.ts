/**
 * EvalStudio local mode (EVALSTUDIO_LOCAL_MODE): the EvalStudio seed's
 * examples (seed 002) send no key. Off by default (401); on, they work as
 * written, for one team, with the EvalStudio scopes only; only on a loopback
 * HOST (a config error otherwise).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { createApp } from '../src/app.js';
import { createLogger } from '../src/infra/logger.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { createTestDatabase } from './helpers/database.js';
import { expectApiError, expectPlainError } from './helpers/errors.js';

/** A request as the seed's curl lines make it: no key, JSON when there is a body. */
async function curl(base: string, method: string, path: string, body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text ? JSON.parse(text) : undefined };
}

describe('EvalStudio local mode: configuration', () => {
  it('is off by default, and refused unless the server listens on a loopback address only', () => {
    expect(loadConfig({}).evalStudioLocal).toBeNull();
    for (const HOST of ['127.0.0.1', '127.0.0.2', '::1', '[::1]', 'localhost', 'LOCALHOST']) {
      expect(loadConfig({ EVALSTUDIO_LOCAL_MODE: 'true', HOST }).evalStudioLocal, HOST).toEqual({ team: null });
    }
    for (const HOST of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.5', 'example.com', 'localhost.example.com']) {
      let err: unknown;
      try {
        loadConfig({ EVALSTUDIO_LOCAL_MODE: 'true', HOST });
      } catch (e) {
        err = e;
      }
      expect(err, HOST).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).message).toContain('EVALSTUDIO_LOCAL_MODE');
      expect((err as ConfigError).message).toContain(`HOST=${HOST}`);
    }
    expect(() => loadConfig({ EVALSTUDIO_LOCAL_TEAM: 'default' })).toThrow(/EVALSTUDIO_LOCAL_TEAM.*off/);
    expect(() => loadConfig({ EVALSTUDIO_LOCAL_MODE: 'maybe' })).toThrow(/EVALSTUDIO_LOCAL_MODE/);
  });

  it('a team named by EVALSTUDIO_LOCAL_TEAM that does not exist stops the start with a config error', async () => {
    const db = await createTestDatabase();
    try {
      const config = loadConfig({ DATABASE_URL: db.url, PORT: '0', SECRET_KEY: 'test-secret-key-0123456789abcdef0123456789', EVALSTUDIO_LOCAL_MODE: 'true', EVALSTUDIO_LOCAL_TEAM: 'nobody', LOG_LEVEL: 'silent' });
      await expect(createApp(config, createLogger('silent'))).rejects.toThrow(/EVALSTUDIO_LOCAL_TEAM: no team has the id or name "nobody"/);
    } finally {
      await db.drop();
    }
  });
});

describe('EvalStudio local mode: off (the default)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s?.close());

  it('the seed’s examples without a key answer 401', async () => {
    expectPlainError(await curl(s.url, 'GET', '/api/projects'), 401, /API key/i);
    const project = await s.request('POST', '/api/projects', { body: { name: 'keyed' } });
    expectPlainError(await curl(s.url, 'GET', `/api/projects/${project.body.id}/personas`), 401, /API key/i);
    expectPlainError(await curl(s.url, 'POST', `/api/projects/${project.body.id}/personas`, { name: 'x' }), 401, /API key/i);
  });
});

describe('EvalStudio local mode: on', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ EVALSTUDIO_LOCAL_MODE: 'true', RATE_LIMIT_PER_MINUTE: '10000' });
  });
  afterAll(() => s?.close());

  it('the seed’s curl examples work as written, on the first team’s data', async () => {
    const project = await curl(s.url, 'POST', '/api/projects', { name: 'local checkout' });
    expect(project.status, project.text).toBe(201);
    const P = project.body.id as string;

    // curl http://localhost:3000/api/projects/PROJECT_ID/personas
    const empty = await curl(s.url, 'GET', `/api/projects/${P}/personas`);
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual([]);
    // curl -X POST …/personas -H "Content-Type: application/json" -d '{…}'
    const created = await curl(s.url, 'POST', `/api/projects/${P}/personas`, {
      name: 'impatient-user',
      description: 'A user who wants quick answers',
      systemPrompt: 'You are an impatient user who values brevity and expects quick, concise responses.',
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({ name: 'impatient-user', description: 'A user who wants quick answers' });
    const ID = created.body.id as string;
    expectPlainError(await curl(s.url, 'POST', `/api/projects/${P}/personas`, { name: 'impatient-user' }), 409, /already exists/);
    expectPlainError(await curl(s.url, 'POST', `/api/projects/${P}/personas`, {}), 400, /[Nn]ame is required/);
    // curl …/personas/ID
    expect((await curl(s.url, 'GET', `/api/projects/${P}/personas/${ID}`)).body.name).toBe('impatient-user');
    // curl -X PUT …/personas/ID -d '{"systemPrompt": …}'
    const updated = await curl(s.url, 'PUT', `/api/projects/${P}/personas/${ID}`, { systemPrompt: 'You are a technical user who expects detailed, accurate responses.' });
    expect(updated.status).toBe(200);
    expect(updated.body.systemPrompt).toBe('You are a technical user who expects detailed, accurate responses.');
    // curl -X POST …/personas/ID/generate-image (embedded provider, offline)
    const portrait = await curl(s.url, 'POST', `/api/projects/${P}/personas/${ID}/generate-image`);
    expect(portrait.status, portrait.text).toBe(200);
    expect(portrait.body.imageUrl).toBeTruthy();
    // The rest of EvalStudio (its eval:* paths) works too.
    expect((await curl(s.url, 'GET', `/api/projects/${P}/scenarios`)).status).toBe(200);
    // curl -X DELETE …/personas/ID
    const deleted = await curl(s.url, 'DELETE', `/api/projects/${P}/personas/${ID}`);
    expect(deleted.status).toBe(204);
    expectPlainError(await curl(s.url, 'GET', `/api/projects/${P}/personas/${ID}`), 404, 'Persona not found');

    // What was made without a key belongs to the first team: its admin key sees it.
    const mine = await s.request('GET', '/api/projects');
    expect(mine.body.map((p: { id: string }) => p.id)).toContain(P);
  });

  it('only EvalStudio paths, only its scopes, only that team; a presented key is checked as usual', async () => {
    expectApiError(await curl(s.url, 'GET', '/api/v1/me'), 401);
    expectApiError(await curl(s.url, 'POST', '/api/v1/autousers', { name: 'x' }), 401);
    expectPlainError(await curl(s.url, 'GET', '/api/v1/users'), 401, /API key/i);
    expect((await curl(s.url, 'POST', '/graphql', { query: '{ me { team { name } } }' })).status).toBe(401);

    // Another team's project is not found for the keyless caller; that team's key still sees only its own.
    const other = await s.createTeam('elsewhere');
    const theirs = await s.request('POST', '/api/projects', { key: other.key, body: { name: 'their project' } });
    expect(theirs.status).toBe(201);
    expectPlainError(await curl(s.url, 'GET', `/api/projects/${theirs.body.id}/personas`), 404, 'Project not found');
    expect((await curl(s.url, 'GET', '/api/projects')).body.map((p: { id: string }) => p.id)).not.toContain(theirs.body.id);
    const withKey = await s.request('GET', '/api/projects', { key: other.key });
    expect(withKey.body.map((p: { id: string }) => p.id)).toEqual([theirs.body.id]);

    // A bad key is a 401, not a fallback to local mode; a key lacking the scope is a 403.
    expectPlainError(await s.request('GET', '/api/projects', { key: 'pg_live_not_a_real_key_at_all_000000' }), 401, /API key/i);
    const narrow = await s.createKey(['agent:read']);
    expectPlainError(await s.request('GET', '/api/projects', { key: narrow.key }), 403, /persona:read/);
  });
});

/**
 * Tenancy and API keys over real HTTP: authentication (and its one 401 body),
 * the admin surface (me, api-keys, teams) over REST and GraphQL, and team
 * isolation of projects and personas.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestResponse } from './helpers/server.js';

let s: TestServer;
beforeAll(async () => {
  // Many admin requests in this file: keep the per-minute limit out of the way here (limits.test.ts covers it).
  s = await startTestServer({ RATE_LIMIT_PER_MINUTE: '100000' });
});
afterAll(async () => s?.close());

const withoutRequestId = (body: any) => {
  const copy = structuredClone(body);
  if (copy?.error && typeof copy.error === 'object') delete copy.error.request_id;
  return copy;
};

async function teamId(key = s.adminKey): Promise<string> {
  const me = await s.request('GET', '/api/v1/me', { key });
  expect(me.status).toBe(200);
  return me.body.team.id;
}

function expectAutousersError(res: TestResponse, status: number, type: string, code?: string) {
  expect(res.status).toBe(status);
  expect(res.body.error).toMatchObject({ type, message: expect.any(String) });
  if (code) expect(res.body.error.code).toBe(code);
  expect(res.body.error.request_id).toBe(res.headers.get('x-request-id'));
}

describe('authentication', () => {
  it('accepts a key as Authorization: Bearer and as X-API-Key', async () => {
    const bearer = await s.request('GET', '/api/v1/me', { key: null, headers: { Authorization: `Bearer ${s.adminKey}` } });
    const xApiKey = await s.request('GET', '/api/v1/me', { key: null, headers: { 'X-API-Key': s.adminKey } });
    expect(bearer.status).toBe(200);
    expect(xApiKey.status).toBe(200);
    expect(xApiKey.body).toEqual(bearer.body);
    const projects = await s.request('GET', '/api/projects', { key: null, headers: { 'X-API-Key': s.adminKey } });
    expect(projects.status).toBe(200);
    const gql = await s.graphql('{ me { team { name } } }', {}, { key: null, headers: { 'X-API-Key': s.adminKey } });
    expect(gql.status).toBe(200);
    expect(gql.body.data.me.team.name).toBe('default');
  });

  it('answers no, malformed, unknown, revoked and expired keys with the same 401 body', async () => {
    const revoked = await s.createKey(['persona:read'], { name: 'to revoke' });
    expect((await s.request('DELETE', `/api/v1/api-keys/${revoked.id}`)).status).toBe(200);
    const expired = await s.createKey(['persona:read'], { name: 'to expire' });
    // The key expired a minute ago (set in the database: the API rightly refuses a past expiresAt).
    await s.app.deps.prisma.apiKey.update({ where: { id: expired.id }, data: { expiresAt: new Date(Date.now() - 60_000) } });
    const valid = await s.createKey(['persona:read'], { name: 'still valid' });

    const unknown = 'pg_live_' + randomBytes(24).toString('base64url');
    const cases: Record<string, Record<string, string>> = {
      'no key': {},
      'empty bearer': { Authorization: 'Bearer ' },
      'basic auth': { Authorization: 'Basic dXNlcjpwYXNzd29yZA==' },
      'short key': { Authorization: 'Bearer abc' },
      'key with spaces': { 'X-API-Key': 'pg_live_ abc def ghi jkl mno' },
      'too long key': { 'X-API-Key': 'pg_live_' + 'a'.repeat(400) },
      unknown: { Authorization: `Bearer ${unknown}` },
      'unknown via X-API-Key': { 'X-API-Key': unknown },
      'a valid key with one character changed': { Authorization: `Bearer ${valid.key.slice(0, -1)}${valid.key.endsWith('A') ? 'B' : 'A'}` },
      revoked: { Authorization: `Bearer ${revoked.key}` },
      'revoked via X-API-Key': { 'X-API-Key': revoked.key },
      expired: { Authorization: `Bearer ${expired.key}` },
    };

    for (const [path, family] of [
      ['/api/v1/me', 'stripe'],
      ['/api/v1/autousers', 'stripe'],
      ['/api/projects', 'plain'],
    ] as const) {
      const bodies: string[] = [];
      for (const [name, headers] of Object.entries(cases)) {
        const res = await s.request('GET', path, { key: null, headers });
        expect(res.status, `${name} on ${path}`).toBe(401);
        const requestId = res.headers.get('x-request-id');
        expect(requestId).toBeTruthy();
        if (family === 'stripe') {
          expect(res.body.error.type).toBe('authentication_error');
          expect(res.body.error).toEqual({
            type: 'authentication_error',
            code: expect.any(String),
            message: expect.any(String),
            param: null,
            request_id: requestId,
          });
        } else {
          expect(Object.keys(res.body)).toEqual(['error']);
          expect(typeof res.body.error).toBe('string');
        }
        bodies.push(JSON.stringify(withoutRequestId(res.body)));
      }
      expect(new Set(bodies).size, `one 401 body on ${path}`).toBe(1);
    }

    // The valid key next to them still works, and the request id is echoed when the client sends one.
    const ok = await s.request('GET', '/api/v1/me', { key: valid.key });
    expect(ok.status).toBe(200);
    const withId = await s.request('GET', '/api/v1/me', { key: null, headers: { 'X-Request-Id': 'client-req-42' } });
    expect(withId.headers.get('x-request-id')).toBe('client-req-42');
    expect(withId.body.error.request_id).toBe('client-req-42');
  });

  it('answers GraphQL without a valid key with 401', async () => {
    const res = await s.graphql('{ me { team { id } } }', {}, { key: null });
    expect(res.status).toBe(401);
    expect(res.body.errors![0].extensions.code).toBe('invalid_api_key');
    expect(res.body.data).toBeUndefined();
  });
});

describe('GET /api/v1/me', () => {
  it('describes the team and the calling key', async () => {
    const key = await s.createKey(['persona:read', 'persona:write'], { name: 'me key' });
    const res = await s.request('GET', '/api/v1/me', { key: key.key });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      team: { id: expect.any(String), name: 'default' },
      key: { id: key.id, name: 'me key', prefix: key.key.slice(0, res.body.key.prefix.length), scopes: ['persona:read', 'persona:write'] },
    });
    expect(res.body.key.prefix.length).toBeGreaterThanOrEqual(8);
    expect(res.body.key.prefix.length).toBeLessThan(key.key.length / 2);
  });
});

describe('API keys over REST', () => {
  it('creates a key: 201, the secret shown once, a recognisable prefix and at least 128 random bits', async () => {
    const res = await s.request('POST', '/api/v1/api-keys', { body: { name: 'ci', scopes: ['persona:read'] } });
    expect(res.status).toBe(201);
    const secret: string = res.body.key;
    expect(secret).toMatch(/^pg_live_[A-Za-z0-9_-]+$/);
    const random = secret.slice('pg_live_'.length);
    // base64url carries 6 bits a character.
    expect(random.length * 6).toBeGreaterThanOrEqual(128);
    expect(res.body).toMatchObject({ id: expect.any(String), name: 'ci', scopes: ['persona:read'], prefix: secret.slice(0, res.body.prefix.length) });
    expect(res.body.prefix.startsWith('pg_live_')).toBe(true);

    const again = await s.request('POST', '/api/v1/api-keys', { body: { name: 'ci', scopes: ['persona:read'] } });
    expect(again.body.key).not.toBe(secret);
    expect(again.body.key.slice(8, 40)).not.toBe(secret.slice(8, 40));

    // The new key works, with exactly its scopes.
    expect((await s.request('GET', '/api/v1/autousers', { key: secret })).status).toBe(200);
    const denied = await s.request('POST', '/api/projects', { key: secret, body: { name: 'nope' } });
    expect(denied.status).toBe(403);
  });

  it('never returns secrets when listing', async () => {
    const a = await s.createKey(['persona:read'], { name: 'listed a' });
    const b = await s.createKey(['admin'], { name: 'listed b' });
    const res = await s.request('GET', '/api/v1/api-keys');
    expect(res.status).toBe(200);
    const ids = res.body.data.map((k: any) => k.id);
    expect(ids).toEqual(expect.arrayContaining([a.id, b.id]));
    for (const secret of [a.key, b.key, s.adminKey]) expect(res.text).not.toContain(secret);
    for (const k of res.body.data) {
      expect(k).not.toHaveProperty('key');
      expect(k).not.toHaveProperty('hash');
      expect(k).not.toHaveProperty('secret');
    }
    const gql = await s.graphql('{ apiKeys { id prefix } }');
    expect(gql.text).not.toContain(a.key);
    expect(gql.body.data.apiKeys.map((k: any) => k.id)).toEqual(expect.arrayContaining([a.id, b.id]));
  });

  it.each([
    ['missing name', { scopes: ['persona:read'] }, 'name'],
    ['empty name', { name: '   ', scopes: ['persona:read'] }, 'name'],
    ['name of the wrong type', { name: 42, scopes: ['persona:read'] }, 'name'],
    ['oversized name', { name: 'n'.repeat(201), scopes: ['persona:read'] }, 'name'],
    ['missing scopes', { name: 'x' }, 'scopes'],
    ['empty scopes', { name: 'x', scopes: [] }, 'scopes'],
    ['scopes of the wrong type', { name: 'x', scopes: 'persona:read' }, 'scopes'],
    ['unknown scope', { name: 'x', scopes: ['persona:read', 'root'] }, 'scopes'],
    ['expiresAt in the past', { name: 'x', scopes: ['persona:read'], expiresAt: '2020-01-01T00:00:00Z' }, 'expiresAt'],
    ['expiresAt not a date', { name: 'x', scopes: ['persona:read'], expiresAt: 'tomorrow' }, 'expiresAt'],
    ['expiresAt of the wrong type', { name: 'x', scopes: ['persona:read'], expiresAt: true }, 'expiresAt'],
    ['rateLimitPerMinute of the wrong type', { name: 'x', scopes: ['persona:read'], rateLimitPerMinute: 'ten' }, 'rateLimitPerMinute'],
    ['rateLimitPerMinute zero', { name: 'x', scopes: ['persona:read'], rateLimitPerMinute: 0 }, 'rateLimitPerMinute'],
  ])('rejects %s with 400 naming the param', async (_name, body, param) => {
    const before = (await s.request('GET', '/api/v1/api-keys')).body.data.length;
    const res = await s.request('POST', '/api/v1/api-keys', { body });
    expectAutousersError(res, 400, 'invalid_request_error');
    expect(String(res.body.error.param)).toMatch(new RegExp(`^${param}`));
    expect((await s.request('GET', '/api/v1/api-keys')).body.data.length).toBe(before);
  });

  it('rejects granting a scope the creator lacks (400) and creating keys without admin (403 naming the scope)', async () => {
    const limitedAdmin = await s.createKey(['admin', 'persona:read'], { name: 'limited admin' });
    const beyond = await s.request('POST', '/api/v1/api-keys', { key: limitedAdmin.key, body: { name: 'x', scopes: ['persona:read', 'persona:write'] } });
    expectAutousersError(beyond, 400, 'invalid_request_error');
    expect(beyond.body.error.param).toBe('scopes');
    expect(beyond.body.error.message).toContain('persona:write');
    // A team admin key cannot mint platform keys either.
    const team = await s.createTeam('platform-less');
    const platform = await s.request('POST', '/api/v1/api-keys', { key: team.key, body: { name: 'x', scopes: ['platform'] } });
    expect(platform.status).toBe(400);
    expect(platform.body.error.param).toBe('scopes');
    // Within its own scopes it may.
    const within = await s.request('POST', '/api/v1/api-keys', { key: limitedAdmin.key, body: { name: 'y', scopes: ['persona:read'] } });
    expect(within.status).toBe(201);

    const reader = await s.createKey(['persona:read'], { name: 'reader' });
    for (const [method, path, body] of [
      ['POST', '/api/v1/api-keys', { name: 'x', scopes: ['persona:read'] }],
      ['GET', '/api/v1/api-keys', undefined],
      ['DELETE', `/api/v1/api-keys/${within.body.id}`, undefined],
      ['POST', `/api/v1/api-keys/${within.body.id}/rotate`, undefined],
    ] as const) {
      const res = await s.request(method, path, { key: reader.key, body });
      expectAutousersError(res, 403, 'authorization_error');
      expect(res.body.error.message).toContain('admin');
    }
    // The key that was not revoked still works.
    expect((await s.request('GET', '/api/v1/me', { key: within.body.key })).status).toBe(200);
  });

  it('revokes a key: it then gets 401; unknown and foreign ids get 404', async () => {
    const key = await s.createKey(['persona:read'], { name: 'short-lived' });
    expect((await s.request('GET', '/api/v1/me', { key: key.key })).status).toBe(200);
    const res = await s.request('DELETE', `/api/v1/api-keys/${key.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: key.id, revokedAt: expect.any(String) });
    expect(res.text).not.toContain(key.key);
    expect((await s.request('GET', '/api/v1/me', { key: key.key })).status).toBe(401);
    expect((await s.request('GET', '/api/projects', { key: key.key })).status).toBe(401);
    const listed = (await s.request('GET', '/api/v1/api-keys')).body.data.find((k: any) => k.id === key.id);
    expect(listed.revokedAt).toEqual(expect.any(String));

    const unknown = await s.request('DELETE', '/api/v1/api-keys/00000000-0000-4000-8000-000000000000');
    expectAutousersError(unknown, 404, 'not_found');
    const rotateUnknown = await s.request('POST', '/api/v1/api-keys/not-a-key/rotate');
    expectAutousersError(rotateUnknown, 404, 'not_found');

    const other = await s.createTeam('revoke-other');
    const otherKey = await s.createKey(['persona:read'], { name: 'theirs', asKey: other.key });
    const foreign = await s.request('DELETE', `/api/v1/api-keys/${otherKey.id}`);
    expectAutousersError(foreign, 404, 'not_found');
    expect(foreign.text).not.toContain('theirs');
    const ours = await s.request('GET', '/api/v1/api-keys');
    expect(ours.body.data.map((k: any) => k.id)).not.toContain(otherKey.id);
    expect(ours.text).not.toContain('theirs');
    const foreignRotate = await s.request('POST', `/api/v1/api-keys/${otherKey.id}/rotate`);
    expect(foreignRotate.status).toBe(404);
    // Their key is untouched.
    expect((await s.request('GET', '/api/v1/me', { key: otherKey.key })).status).toBe(200);
  });

  it('rotates a key: the new one works at once, the old one keeps working within the grace period', async () => {
    const key = await s.createKey(['persona:read', 'admin'], { name: 'rotating', rateLimitPerMinute: 500 });
    const res = await s.request('POST', `/api/v1/api-keys/${key.id}/rotate`);
    expect(res.status).toBe(201);
    expect(res.body.key).toMatch(/^pg_live_/);
    expect(res.body.key).not.toBe(key.key);
    expect(res.body).toMatchObject({ name: 'rotating', scopes: ['persona:read', 'admin'], rateLimitPerMinute: 500 });
    const fresh = await s.request('GET', '/api/v1/me', { key: res.body.key });
    expect(fresh.status).toBe(200);
    expect(fresh.body.key.id).toBe(res.body.id);
    const old = await s.request('GET', '/api/v1/me', { key: key.key });
    expect(old.status).toBe(200);
    expect(old.body.key.id).toBe(key.id);
    const list = (await s.request('GET', '/api/v1/api-keys')).body.data;
    const oldListed = list.find((k: any) => k.id === key.id);
    expect(oldListed.rotatedToId).toBe(res.body.id);
    expect(new Date(oldListed.expiresAt).getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);
    expect(res.text).not.toContain(key.key);
  });

  it('records when a key was last used', async () => {
    const key = await s.createKey(['persona:read'], { name: 'used' });
    const before = (await s.request('GET', '/api/v1/api-keys')).body.data.find((k: any) => k.id === key.id);
    expect(before.lastUsedAt).toBeNull();
    expect((await s.request('GET', '/api/v1/autousers', { key: key.key })).status).toBe(200);
    const after = (await s.request('GET', '/api/v1/api-keys')).body.data.find((k: any) => k.id === key.id);
    expect(after.lastUsedAt).toEqual(expect.any(String));
    expect(new Date(after.lastUsedAt).getTime()).toBeGreaterThanOrEqual(new Date(after.createdAt).getTime());
  });
});

describe('key rotation without a grace period', () => {
  let z: TestServer;
  beforeAll(async () => {
    z = await startTestServer({ KEY_ROTATION_GRACE_HOURS: '0' });
  });
  afterAll(async () => z?.close());

  it('rejects the old key at once', async () => {
    const key = await z.createKey(['persona:read'], { name: 'rotate-now' });
    expect((await z.request('GET', '/api/v1/me', { key: key.key })).status).toBe(200);
    const res = await z.request('POST', `/api/v1/api-keys/${key.id}/rotate`);
    expect(res.status).toBe(201);
    expect((await z.request('GET', '/api/v1/me', { key: res.body.key })).status).toBe(200);
    const old = await z.request('GET', '/api/v1/me', { key: key.key });
    expect(old.status).toBe(401);
    const unknown = await z.request('GET', '/api/v1/me', { key: 'pg_live_' + randomBytes(24).toString('base64url') });
    expect(withoutRequestId(old.body)).toEqual(withoutRequestId(unknown.body));
  });
});

describe('teams and tenancy', () => {
  it('needs the platform scope to create a team', async () => {
    const team = await s.createTeam('needs-platform');
    const res = await s.request('POST', '/api/v1/teams', { key: team.key, body: { name: 'sneaky' } });
    expectAutousersError(res, 403, 'authorization_error');
    expect(res.body.error.message).toContain('platform');
    const bad = await s.request('POST', '/api/v1/teams', { body: { name: '' } });
    expectAutousersError(bad, 400, 'invalid_request_error');
    expect(bad.body.error.param).toBe('name');
  });

  it('creates a team with its first admin key, which works and holds every scope but platform', async () => {
    const res = await s.request('POST', '/api/v1/teams', { body: { name: 'acme' } });
    expect(res.status).toBe(201);
    expect(res.body.team).toMatchObject({ id: expect.any(String), name: 'acme' });
    const me = await s.request('GET', '/api/v1/me', { key: res.body.apiKey.key });
    expect(me.status).toBe(200);
    expect(me.body.team).toEqual({ id: res.body.team.id, name: 'acme' });
    expect(me.body.key.scopes).toContain('admin');
    expect(me.body.key.scopes).not.toContain('platform');
    expect(me.body.team.id).not.toBe(await teamId());
  });

  it('keeps each team’s projects and personas invisible to the other', async () => {
    const a = { key: s.adminKey, teamId: await teamId() };
    const other = await s.createTeam('tenant-b');
    const b = { key: other.key, teamId: other.teamId };

    async function seed(t: { key: string; teamId: string }, tag: string) {
      const project = await s.request('POST', '/api/projects', { key: t.key, body: { name: `project ${tag}` } });
      expect(project.status).toBe(201);
      const persona = await s.request('POST', `/api/projects/${project.body.id}/personas`, {
        key: t.key,
        body: { name: `persona ${tag}`, systemPrompt: 'You are careful.' },
      });
      expect(persona.status).toBe(201);
      const autouser = await s.request('POST', '/api/v1/autousers', {
        key: t.key,
        body: { teamId: t.teamId, name: `autouser ${tag}`, systemPrompt: 'You are hurried.' },
      });
      expect(autouser.status).toBe(201);
      return { projectId: project.body.id as string, personaId: persona.body.id as string, autouserId: autouser.body.id as string };
    }
    const ra = await seed(a, 'A');
    const rb = await seed(b, 'B');

    for (const [viewer, owner, mine, tag] of [
      [b, a, rb, 'A'],
      [a, b, ra, 'B'],
    ] as const) {
      const theirs = viewer === b ? ra : rb;
      const key = viewer.key;
      // Lists leave the other team's records out.
      const projects = await s.request('GET', '/api/projects', { key });
      expect(projects.status).toBe(200);
      expect(projects.body.map((p: any) => p.id)).toContain(mine.projectId);
      expect(projects.text).not.toContain(theirs.projectId);
      expect(projects.text).not.toContain(`project ${tag}`);
      const autousers = await s.request('GET', '/api/v1/autousers?limit=100', { key });
      expect(autousers.body.data.map((p: any) => p.id)).toContain(mine.autouserId);
      expect(autousers.text).not.toContain(theirs.autouserId);
      expect(autousers.text).not.toContain(theirs.personaId);

      // Ids answer 404, never 403, on reads and writes alike.
      for (const [method, path, body] of [
        ['GET', `/api/projects/${theirs.projectId}/config`, undefined],
        ['GET', `/api/projects/${theirs.projectId.slice(0, 8)}/config`, undefined],
        ['GET', `/api/projects/${theirs.projectId}/personas`, undefined],
        ['GET', `/api/projects/${theirs.projectId}/personas/${theirs.personaId}`, undefined],
        ['PUT', `/api/projects/${theirs.projectId}/personas/${theirs.personaId}`, { name: 'hijacked' }],
        ['POST', `/api/projects/${theirs.projectId}/personas`, { name: 'planted' }],
        ['DELETE', `/api/projects/${theirs.projectId}/personas/${theirs.personaId}`, undefined],
        ['GET', `/api/projects/${mine.projectId}/personas/${theirs.personaId}`, undefined],
        ['DELETE', `/api/projects/${theirs.projectId}`, undefined],
        ['GET', `/api/v1/autousers/${theirs.autouserId}`, undefined],
        ['GET', `/api/v1/autousers/${theirs.personaId}`, undefined],
        ['PATCH', `/api/v1/autousers/${theirs.autouserId}`, { name: 'hijacked' }],
        ['DELETE', `/api/v1/autousers/${theirs.autouserId}`, undefined],
      ] as const) {
        const res = await s.request(method, path, { key, body });
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.text).not.toContain(`persona ${tag}`);
        expect(res.text).not.toContain(`project ${tag}`);
      }
      // Creating an autouser in the other team is refused.
      const planted = await s.request('POST', '/api/v1/autousers', { key, body: { teamId: owner.teamId, name: 'planted', systemPrompt: 'x' } });
      expect([400, 403, 404]).toContain(planted.status);

      // GraphQL: the same ids are invisible.
      const gql = await s.graphql(
        `query($p: ID!, $a: ID!, $e: ID!) { project(id: $p) { id } persona(id: $a) { id } evalPersona: persona(id: $e) { id }
           projects { id } personas(first: 100) { edges { node { id } } } }`,
        { p: theirs.projectId, a: theirs.autouserId, e: theirs.personaId },
        { key },
      );
      expect(gql.status).toBe(200);
      expect(gql.body.errors).toBeUndefined();
      expect(gql.body.data.project).toBeNull();
      expect(gql.body.data.persona).toBeNull();
      expect(gql.body.data.evalPersona).toBeNull();
      expect(gql.text).not.toContain(theirs.projectId);
      expect(gql.text).not.toContain(theirs.autouserId);
      expect(gql.text).not.toContain(theirs.personaId);
      expect(gql.body.data.personas.edges.map((e: any) => e.node.id)).toContain(mine.autouserId);
    }

    // Nothing of either team was changed by the other.
    const still = await s.request('GET', `/api/projects/${ra.projectId}/personas/${ra.personaId}`);
    expect(still.status).toBe(200);
    expect(still.body.name).toBe('persona A');
    expect((await s.request('GET', '/api/projects')).body.map((p: any) => p.id)).toContain(ra.projectId);
    const bPersonas = await s.request('GET', `/api/projects/${rb.projectId}/personas`, { key: b.key });
    expect(bPersonas.body.map((p: any) => p.name)).toEqual(['persona B']);
  });
});

describe('API keys over GraphQL', () => {
  const CREATE = `mutation($input: CreateApiKeyInput!) {
    createApiKey(input: $input) {
      __typename
      ... on MutationCreateApiKeySuccess { data { secret apiKey { id name prefix scopes expiresAt } } }
      ... on ValidationError { message code param }
      ... on ForbiddenError { message code scope }
    }
  }`;

  it('answers me and apiKeys', async () => {
    const key = await s.createKey(['admin', 'persona:read'], { name: 'gql admin' });
    const res = await s.graphql('{ me { team { id name } key { id name prefix scopes } } apiKeys { id name } }', {}, { key: key.key });
    expect(res.status).toBe(200);
    expect(res.body.data.me).toEqual({
      team: { id: await teamId(), name: 'default' },
      key: { id: key.id, name: 'gql admin', prefix: key.key.slice(0, res.body.data.me.key.prefix.length), scopes: ['admin', 'persona:read'] },
    });
    expect(res.body.data.apiKeys.map((k: any) => k.id)).toContain(key.id);
    expect(res.text).not.toContain(key.key);
  });

  it('creates a key, with typed ValidationError and ForbiddenError results', async () => {
    const ok = await s.graphql(CREATE, { input: { name: 'from graphql', scopes: ['persona_read', 'persona_write'] } });
    expect(ok.status).toBe(200);
    const created = ok.body.data.createApiKey;
    expect(created.__typename).toBe('MutationCreateApiKeySuccess');
    expect(created.data.secret).toMatch(/^pg_live_/);
    expect(created.data.apiKey).toMatchObject({ name: 'from graphql', scopes: ['persona:read', 'persona:write'] });
    const me = await s.request('GET', '/api/v1/me', { key: created.data.secret });
    expect(me.body.key.id).toBe(created.data.apiKey.id);

    const empty = await s.graphql(CREATE, { input: { name: 'x', scopes: [] } });
    expect(empty.body.data.createApiKey).toMatchObject({ __typename: 'ValidationError', param: 'scopes' });
    const long = await s.graphql(CREATE, { input: { name: 'x'.repeat(201), scopes: ['persona_read'] } });
    expect(long.body.data.createApiKey).toMatchObject({ __typename: 'ValidationError', param: 'name' });
    const past = await s.graphql(CREATE, { input: { name: 'x', scopes: ['persona_read'], expiresAt: '2020-01-01T00:00:00Z' } });
    expect(past.body.data.createApiKey).toMatchObject({ __typename: 'ValidationError', param: 'expiresAt' });

    const limitedAdmin = await s.createKey(['admin', 'persona:read'], { name: 'gql limited admin' });
    const beyond = await s.graphql(CREATE, { input: { name: 'x', scopes: ['agent_write'] } }, { key: limitedAdmin.key });
    expect(beyond.body.data.createApiKey).toMatchObject({ __typename: 'ValidationError', param: 'scopes' });

    const reader = await s.createKey(['persona:read'], { name: 'gql reader' });
    const forbidden = await s.graphql(CREATE, { input: { name: 'x', scopes: ['persona_read'] } }, { key: reader.key });
    expect(forbidden.body.data.createApiKey).toMatchObject({ __typename: 'ForbiddenError', scope: 'admin' });
    expect(forbidden.body.data.createApiKey.message).toContain('admin');

    // A wrong type is refused by GraphQL validation before anything runs.
    const wrongType = await s.graphql(CREATE, { input: { name: 'x', scopes: ['root'] } });
    expect(wrongType.body.errors?.length).toBeGreaterThan(0);
    expect(wrongType.body.data).toBeUndefined();
  });

  it('revokes and rotates keys, and answers foreign ids with NotFoundError', async () => {
    const REVOKE = `mutation($id: ID!) { revokeApiKey(id: $id) { __typename
      ... on MutationRevokeApiKeySuccess { data { id revokedAt } } ... on NotFoundError { message code } ... on ForbiddenError { scope } } }`;
    const ROTATE = `mutation($id: ID!) { rotateApiKey(id: $id) { __typename
      ... on MutationRotateApiKeySuccess { data { secret apiKey { id name } } } ... on NotFoundError { message code } } }`;

    const victim = await s.createKey(['persona:read'], { name: 'gql victim' });
    const revoked = await s.graphql(REVOKE, { id: victim.id });
    expect(revoked.body.data.revokeApiKey).toMatchObject({ __typename: 'MutationRevokeApiKeySuccess', data: { id: victim.id, revokedAt: expect.any(String) } });
    expect((await s.request('GET', '/api/v1/me', { key: victim.key })).status).toBe(401);

    const rotating = await s.createKey(['persona:read'], { name: 'gql rotating' });
    const rotated = await s.graphql(ROTATE, { id: rotating.id });
    const data = rotated.body.data.rotateApiKey;
    expect(data.__typename).toBe('MutationRotateApiKeySuccess');
    expect(data.data.apiKey.name).toBe('gql rotating');
    expect((await s.request('GET', '/api/v1/me', { key: data.data.secret })).status).toBe(200);
    expect((await s.request('GET', '/api/v1/me', { key: rotating.key })).status).toBe(200);

    const other = await s.createTeam('gql-other');
    const theirs = await s.createKey(['persona:read'], { name: 'gql theirs', asKey: other.key });
    expect((await s.graphql(REVOKE, { id: theirs.id })).body.data.revokeApiKey.__typename).toBe('NotFoundError');
    expect((await s.graphql(ROTATE, { id: theirs.id })).body.data.rotateApiKey.__typename).toBe('NotFoundError');
    expect((await s.graphql(REVOKE, { id: 'missing' })).body.data.revokeApiKey.__typename).toBe('NotFoundError');
    expect((await s.request('GET', '/api/v1/me', { key: theirs.key })).status).toBe(200);
    const reader = await s.createKey(['persona:read'], { name: 'gql reader 2' });
    expect((await s.graphql(REVOKE, { id: theirs.id }, { key: reader.key })).body.data.revokeApiKey).toMatchObject({ __typename: 'ForbiddenError', scope: 'admin' });
  });

  it('needs platform for createTeam', async () => {
    const team = await s.createTeam('gql-team');
    const res = await s.graphql(
      `mutation { createTeam(name: "x") { __typename ... on ForbiddenError { scope } ... on MutationCreateTeamSuccess { data { team { id } } } } }`,
      {},
      { key: team.key },
    );
    expect(res.body.data.createTeam).toEqual({ __typename: 'ForbiddenError', scope: 'platform' });
  });
});

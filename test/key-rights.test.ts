/**
 * Issue 16, class 2: no caller obtains a key, or a stored response, with
 * rights its own key does not hold. Rotation, key creation, team creation and
 * agent keys all pass one check (assertCanGrant); Idempotency-Key replays
 * come after authentication and the route's scope, and only to the key that
 * made the record or a key of the team holding every scope it held — over
 * REST and GraphQL over HTTP.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ RATE_LIMIT_PER_MINUTE: '100000' });
});
afterAll(async () => s?.close());

/** Every scope a team's own admin key holds (all but platform): what an ordinary admin has. */
const TEAM_ADMIN = [
  'character:read', 'character:write', 'content:read', 'content:write', 'content:generate', 'publishing:write',
  'analytics:read', 'profile:read', 'profile:write', 'persona:read', 'persona:write', 'agent:read', 'agent:write',
  'agent:chat', 'secrets:write', 'webhook:read', 'webhook:write', 'eval:read', 'eval:write', 'admin',
];

async function keys(): Promise<any[]> {
  const res = await s.request('GET', '/api/v1/api-keys');
  expect(res.status).toBe(200);
  return res.body.data;
}

async function bootstrapKeyId(): Promise<string> {
  const me = await s.request('GET', '/api/v1/me');
  return me.body.key.id;
}

describe('rotation cannot widen a key', () => {
  it('refuses an admin key rotating the bootstrap key (which holds platform) over REST with 400 naming platform; nothing changes', async () => {
    const admin = await s.createKey(TEAM_ADMIN, { name: 'ordinary admin' });
    const bootstrapId = await bootstrapKeyId();
    const before = await keys();
    const res = await s.request('POST', `/api/v1/api-keys/${bootstrapId}/rotate`, { key: admin.key });
    expect(res.status, res.text).toBe(400);
    expect(res.body.error).toMatchObject({ type: 'invalid_request_error', code: 'scope_not_held', param: 'id' });
    expect(res.body.error.message).toContain('platform');
    expect(res.text).not.toMatch(/pg_live_/);
    // No successor was made and the bootstrap key was not put on a grace period.
    const after = await keys();
    expect(after.length).toBe(before.length);
    const bootstrap = after.find((k) => k.id === bootstrapId);
    expect(bootstrap).toMatchObject({ rotatedToId: null, expiresAt: null });
    // And so the admin cannot create a team.
    expect((await s.request('POST', '/api/v1/teams', { key: admin.key, body: { name: 'never' } })).status).toBe(403);
  });

  it('refuses the same over GraphQL with a typed error naming platform', async () => {
    const admin = await s.createKey(TEAM_ADMIN, { name: 'ordinary admin gql' });
    const res = await s.graphql(
      `mutation($id: ID!) { rotateApiKey(id: $id) { __typename ... on MutationRotateApiKeySuccess { data { secret apiKey { scopes } } } ... on Error { message } } }`,
      { id: await bootstrapKeyId() },
      { key: admin.key },
    );
    expect(res.status).toBe(200);
    expect(res.body.data.rotateApiKey.__typename).not.toBe('MutationRotateApiKeySuccess');
    expect(res.body.data.rotateApiKey.message).toContain('platform');
    expect(res.text).not.toMatch(/pg_live_/);
  });

  it('refuses a narrower admin rotating a wider key, and lets a key holding every scope rotate it', async () => {
    const wide = await s.createKey(['admin', 'persona:read', 'persona:write', 'eval:write'], { name: 'wide' });
    const narrow = await s.createKey(['admin', 'persona:read'], { name: 'narrow' });
    const refused = await s.request('POST', `/api/v1/api-keys/${wide.id}/rotate`, { key: narrow.key });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain('persona:write, eval:write');
    // The wide key itself (or anyone holding its scopes) may.
    const ok = await s.request('POST', `/api/v1/api-keys/${wide.id}/rotate`, { key: wide.key });
    expect(ok.status, ok.text).toBe(201);
    expect(ok.body.scopes).toEqual(['admin', 'persona:read', 'persona:write', 'eval:write']);
  });
});

describe('agent keys and team keys are granted only by holders', () => {
  it('refuses creating an agent or rotating its key without agent:chat (the agent key chats)', async () => {
    const writer = await s.createKey(['agent:write', 'agent:read'], { name: 'agent writer' });
    const user = await s.request('POST', '/api/v1/users', { body: { username: `rights-${randomUUID().slice(0, 8)}` } });
    expect(user.status, user.text).toBe(201);
    const made = await s.request('POST', `/api/v1/users/${user.body.id}/agents`, { key: writer.key, body: { name: 'bot' } });
    expect(made.status, made.text).toBe(400);
    expect(made.text).toContain('agent:chat');
    expect(made.text).not.toMatch(/pg_agent_/);
    // Made by a holder, then rotated by the writer: refused too; the holder may.
    const byAdmin = await s.request('POST', `/api/v1/users/${user.body.id}/agents`, { body: { name: 'bot' } });
    expect(byAdmin.status, byAdmin.text).toBe(201);
    const rotated = await s.request('POST', `/api/v1/users/${user.body.id}/agents/bot/rotate-key`, { key: writer.key });
    expect(rotated.status).toBe(400);
    expect(rotated.text).toContain('agent:chat');
    expect(rotated.text).not.toMatch(/pg_agent_/);
    const gql = await s.graphql(
      `mutation($u: ID!) { rotateAgentKey(user: $u, agent: "bot") { __typename ... on Error { message } } }`,
      { u: user.body.id },
      { key: writer.key },
    );
    expect(gql.text).toContain('agent:chat');
    expect(gql.text).not.toMatch(/pg_agent_/);
    // The original agent key still works: nothing was rotated.
    expect((await s.graphql('{ __typename }', {}, { key: byAdmin.body.key })).status).toBe(200);
  });

  it('refuses a platform key that lacks team scopes creating a team (its admin key would hold them)', async () => {
    const platformOnly = await s.createKey(['platform'], { name: 'platform only' });
    const res = await s.request('POST', '/api/v1/teams', { key: platformOnly.key, body: { name: 'provisioned' } });
    expect(res.status, res.text).toBe(400);
    expect(res.body.error.code).toBe('scope_not_held');
    expect(res.body.error.message).toContain('admin');
    expect(res.text).not.toMatch(/pg_live_/);
  });
});

describe('Idempotency-Key replays are bound to the rights that made them', () => {
  const createBody = (name: string) => ({ name, scopes: ['persona:read', 'persona:write'] });

  it('REST: a key lacking the route scope gets 403 (not the stored secret); a narrower admin gets 403 idempotency_key_forbidden; the same key and its rotation successor replay', async () => {
    const maker = await s.createKey(['admin', 'persona:read', 'persona:write'], { name: 'maker' });
    const narrowAdmin = await s.createKey(['admin', 'persona:read'], { name: 'narrow admin' });
    const reader = await s.createKey(['persona:read', 'persona:write'], { name: 'no admin' });
    const idem = randomUUID();
    const body = createBody(`idem made ${idem}`);
    const first = await s.request('POST', '/api/v1/api-keys', { key: maker.key, body, headers: { 'Idempotency-Key': idem } });
    expect(first.status, first.text).toBe(201);
    const secret: string = first.body.key;
    const count = (await keys()).length;

    const noScope = await s.request('POST', '/api/v1/api-keys', { key: reader.key, body, headers: { 'Idempotency-Key': idem } });
    expect(noScope.status).toBe(403);
    expect(noScope.body.error).toMatchObject({ type: 'authorization_error', code: 'missing_scope' });
    expect(noScope.body.error.message).toContain('admin');
    expect(noScope.text).not.toContain(secret);
    expect(noScope.headers.get('idempotent-replayed')).toBeNull();

    const narrower = await s.request('POST', '/api/v1/api-keys', { key: narrowAdmin.key, body, headers: { 'Idempotency-Key': idem } });
    expect(narrower.status).toBe(403);
    expect(narrower.body.error).toMatchObject({ type: 'authorization_error', code: 'idempotency_key_forbidden', param: 'Idempotency-Key' });
    expect(narrower.body.error.message).toContain('persona:write');
    expect(narrower.text).not.toContain(secret);
    // Nothing ran twice.
    expect((await keys()).length).toBe(count);

    const replay = await s.request('POST', '/api/v1/api-keys', { key: maker.key, body, headers: { 'Idempotency-Key': idem } });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.text).toBe(first.text);
    expect((await keys()).length).toBe(count);

    // The client rotated its key between the attempt and the retry: the successor holds the same scopes and replays.
    const rotated = await s.request('POST', `/api/v1/api-keys/${maker.id}/rotate`, { key: maker.key });
    expect(rotated.status).toBe(201);
    const successor = await s.request('POST', '/api/v1/api-keys', { key: rotated.body.key, body, headers: { 'Idempotency-Key': idem } });
    expect(successor.status).toBe(201);
    expect(successor.headers.get('idempotent-replayed')).toBe('true');
    expect(successor.text).toBe(first.text);
  });

  it('GraphQL over HTTP: the stored secret is replayed only to the same key (or one holding its scopes); others get 403 and nothing runs twice', async () => {
    const maker = await s.createKey(['admin', 'persona:read', 'persona:write'], { name: 'gql maker' });
    const narrowAdmin = await s.createKey(['admin', 'persona:read'], { name: 'gql narrow admin' });
    const reader = await s.createKey(['persona:read'], { name: 'gql reader' });
    const CREATE = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { __typename ... on MutationCreateApiKeySuccess { data { secret apiKey { id } } } ... on Error { message } } }`;
    const idem = randomUUID();
    const vars = { input: { name: `gql idem ${idem}`, scopes: ['persona_read'] } };
    const first = await s.graphql(CREATE, vars, { key: maker.key, headers: { 'Idempotency-Key': idem } });
    expect(first.status, first.text).toBe(200);
    const secret: string = first.body.data.createApiKey.data.secret;
    expect(secret).toMatch(/^pg_live_/);
    const count = (await keys()).length;

    for (const other of [reader, narrowAdmin]) {
      const res = await s.graphql(CREATE, vars, { key: other.key, headers: { 'Idempotency-Key': idem } });
      expect(res.status, res.text).toBe(403);
      expect(res.body.errors![0].extensions.code).toBe('idempotency_key_forbidden');
      expect(res.body.errors![0].message).toMatch(/admin|persona:write/);
      expect(res.text).not.toContain(secret);
      expect(res.headers.get('idempotent-replayed')).toBeNull();
    }
    expect((await keys()).length).toBe(count);

    const replay = await s.graphql(CREATE, vars, { key: maker.key, headers: { 'Idempotency-Key': idem } });
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.text).toBe(first.text);
    expect((await keys()).length).toBe(count);
  });
});

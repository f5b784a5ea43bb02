/**
 * Limits on every request, over real HTTP and websockets: per-key rate limits
 * (REST, GraphQL operations, batches, graphql-ws), Idempotency-Key on REST
 * writes and GraphQL mutations, version pinning, body size and JSON checks.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startTestServer, type TestServer, type TestResponse } from './helpers/server.js';
import { runOverWs } from './helpers/ws.js';

const BODY_LIMIT = 16 * 1024;

let s: TestServer;
/** A key with a generous limit for the tests that are not about rate limits (the admin key keeps the default 60/min). */
let worker: string;
let teamId: string;
beforeAll(async () => {
  s = await startTestServer({ BODY_LIMIT_BYTES: String(BODY_LIMIT) });
  worker = (await s.createKey(['admin', 'persona:read', 'persona:write'], { name: 'worker', rateLimitPerMinute: 100_000 })).key;
  teamId = (await s.request('GET', '/api/v1/me', { key: worker })).body.team.id;
});
afterAll(async () => s?.close());

const autouser = (name: string) => ({ teamId, name, systemPrompt: 'You are a careful tester.' });

async function autouserNames(key = worker): Promise<string[]> {
  const res = await s.request('GET', '/api/v1/autousers?limit=100', { key });
  expect(res.status).toBe(200);
  return res.body.data.map((p: any) => p.name);
}

async function projectNames(key = worker): Promise<string[]> {
  const res = await s.request('GET', '/api/projects', { key });
  expect(res.status).toBe(200);
  return res.body.map((p: any) => p.name);
}

function expectStripeError(res: TestResponse, status: number, type: string, code?: string) {
  expect(res.status, res.text).toBe(status);
  expect(res.body.error).toMatchObject({ type, message: expect.any(String) });
  expect(Object.keys(res.body.error).sort()).toEqual(['code', 'message', 'param', 'request_id', 'type']);
  if (code) expect(res.body.error.code).toBe(code);
  expect(res.body.error.request_id).toBe(res.headers.get('x-request-id'));
}

function expectPlainError(res: TestResponse, status: number) {
  expect(res.status, res.text).toBe(status);
  expect(Object.keys(res.body)).toEqual(['error']);
  expect(typeof res.body.error).toBe('string');
}

function expectRateLimitHeaders(res: TestResponse, limit: number) {
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(60);
  expect(res.headers.get('ratelimit-policy')).toBe(`${limit};w=60`);
  expect(res.headers.get('ratelimit')).toMatch(new RegExp(`^limit=${limit}, remaining=0, reset=\\d+$`));
  expect(res.headers.get('x-ratelimit-limit')).toBe(String(limit));
  expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
  const reset = Number(res.headers.get('x-ratelimit-reset'));
  expect(reset).toBeGreaterThan(Date.now() / 1000 - 1);
  expect(reset).toBeLessThanOrEqual(Date.now() / 1000 + 61);
}

describe('rate limits', () => {
  it('answers the 61st REST request in a minute with 429, Retry-After and RateLimit headers', async () => {
    const key = (await s.createKey(['persona:read'], { name: 'default limit' })).key;
    for (let i = 1; i <= 60; i++) {
      const res = await s.request('GET', '/api/v1/autousers?limit=1', { key });
      expect(res.status, `request ${i}`).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBe('60');
      expect(res.headers.get('x-ratelimit-remaining')).toBe(String(60 - i));
      expect(res.headers.get('retry-after')).toBeNull();
    }
    const limited = await s.request('GET', '/api/v1/autousers?limit=1', { key });
    expectStripeError(limited, 429, 'rate_limit_error');
    expectRateLimitHeaders(limited, 60);

    // Every family answers in its own shape, and GraphQL is limited by the same budget.
    const plain = await s.request('GET', '/api/projects', { key });
    expectPlainError(plain, 429);
    expectRateLimitHeaders(plain, 60);
    const gql = await s.graphql('{ me { key { id } } }', {}, { key });
    expect(gql.status).toBe(429);
    expect(gql.body.errors![0].extensions.code).toBe('rate_limit_exceeded');
    expect(gql.body.data?.me).toBeUndefined();
    expect(gql.headers.get('retry-after')).toBeTruthy();

    // Another key of the same team is not affected.
    expect((await s.request('GET', '/api/v1/autousers?limit=1', { key: worker })).status).toBe(200);
  });

  it('applies a key’s own rateLimitPerMinute', async () => {
    const key = (await s.createKey(['persona:read', 'persona:write'], { name: 'three a minute', rateLimitPerMinute: 3 })).key;
    for (let i = 0; i < 3; i++) {
      const res = await s.request('GET', '/api/projects', { key });
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-policy')).toBe('3;w=60');
    }
    const limited = await s.request('POST', '/api/v1/autousers', { key, body: autouser('rate limited') });
    expectStripeError(limited, 429, 'rate_limit_error');
    expectRateLimitHeaders(limited, 3);
    // The refused write did nothing.
    expect(await autouserNames()).not.toContain('rate limited');
  });

  it('counts GraphQL operations, so a batch of N spends N', async () => {
    const key = (await s.createKey(['persona:read'], { name: 'batcher', rateLimitPerMinute: 5 })).key;
    const op = { query: '{ me { key { name } } }' };
    const first = await s.request('POST', '/graphql', { key, body: [op, op, op] });
    expect(first.status).toBe(200);
    expect(first.body).toHaveLength(3);
    for (const r of first.body) expect(r.data.me.key.name).toBe('batcher');
    expect(first.headers.get('x-ratelimit-limit')).toBe('5');

    const second = await s.request('POST', '/graphql', { key, body: [op, op, op] });
    expect(second.body).toHaveLength(3);
    const ok = second.body.filter((r: any) => r.data?.me);
    const limited = second.body.filter((r: any) => r.errors?.[0]?.extensions?.code === 'rate_limit_exceeded');
    expect(ok).toHaveLength(2);
    expect(limited).toHaveLength(1);

    const single = await s.graphql('{ me { key { name } } }', {}, { key });
    expect(single.status).toBe(429);
    expect(single.body.errors![0].extensions.code).toBe('rate_limit_exceeded');
    expectRateLimitHeaders(single, 5);
    expect((await s.request('GET', '/api/v1/me', { key })).status).toBe(429);
  });

  it('counts websocket operations against the same budget', async () => {
    const key = (await s.createKey(['persona:read'], { name: 'socket', rateLimitPerMinute: 3 })).key;
    expect((await s.request('GET', '/api/v1/me', { key })).status).toBe(200);
    const client = createClient({
      url: s.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${key}` },
      retryAttempts: 0,
    });
    try {
      const one = await runOverWs(client, '{ me { key { name } } }');
      expect(one.data?.me.key.name).toBe('socket');
      const two = await runOverWs(client, '{ me { key { name } } }');
      expect(two.data?.me.key.name).toBe('socket');
      const three = await runOverWs(client, '{ me { key { name } } }');
      expect(three.data?.me ?? null).toBeNull();
      expect(three.errors?.[0]?.extensions?.code).toBe('rate_limit_exceeded');
    } finally {
      await client.dispose();
    }
    const rest = await s.request('GET', '/api/v1/me', { key });
    expect(rest.status).toBe(429);
  });
});


describe('Idempotency-Key on REST writes', () => {
  it('replays the first response byte for byte and creates nothing new', async () => {
    const key = randomUUID();
    const name = `idem ${key}`;
    const first = await s.request('POST', '/api/v1/autousers', { key: worker, body: autouser(name), headers: { 'Idempotency-Key': key } });
    expect(first.status).toBe(201);
    const replay = await s.request('POST', '/api/v1/autousers', { key: worker, body: autouser(name), headers: { 'Idempotency-Key': key } });
    expect(replay.status).toBe(201);
    expect(replay.text).toBe(first.text);
    expect(replay.headers.get('content-type')).toBe(first.headers.get('content-type'));
    expect((await autouserNames()).filter((n) => n === name)).toHaveLength(1);

    // Without the header the same request is a new one.
    const again = await s.request('POST', '/api/v1/autousers', { key: worker, body: autouser(name) });
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(first.body.id);
  });

  it('answers the same key with a different body with 409 idempotency_key_reused', async () => {
    const key = randomUUID();
    const first = await s.request('POST', '/api/v1/autousers', { key: worker, body: autouser(`reuse ${key}`), headers: { 'Idempotency-Key': key } });
    expect(first.status).toBe(201);
    const other = await s.request('POST', '/api/v1/autousers', { key: worker, body: autouser(`other ${key}`), headers: { 'Idempotency-Key': key } });
    expectStripeError(other, 409, 'conflict', 'idempotency_key_reused');
    expect(await autouserNames()).not.toContain(`other ${key}`);
    // The same key on another path is another request too.
    const project = await s.request('POST', '/api/projects', { key: worker, body: { name: `reuse ${key}` }, headers: { 'Idempotency-Key': key } });
    expectPlainError(project, 409);
    expect(project.body.error).toMatch(/idempotency/i);
    expect(await projectNames()).not.toContain(`reuse ${key}`);
  });

  it('refuses a key over 255 characters with 400 and accepts one of 255', async () => {
    const long = await s.request('POST', '/api/v1/autousers', { key: worker, body: autouser('too long key'), headers: { 'Idempotency-Key': 'k'.repeat(256) } });
    expectStripeError(long, 400, 'invalid_request_error');
    expect(long.body.error.param).toBe('Idempotency-Key');
    expect(await autouserNames()).not.toContain('too long key');
    const plain = await s.request('POST', '/api/projects', { key: worker, body: { name: 'too long key' }, headers: { 'Idempotency-Key': 'k'.repeat(256) } });
    expectPlainError(plain, 400);
    const max = 'm'.repeat(250) + randomUUID().slice(0, 5);
    const ok = await s.request('POST', '/api/v1/autousers', { key: worker, body: autouser('max key'), headers: { 'Idempotency-Key': max } });
    expect(ok.status).toBe(201);
    const replay = await s.request('POST', '/api/v1/autousers', { key: worker, body: autouser('max key'), headers: { 'Idempotency-Key': max } });
    expect(replay.text).toBe(ok.text);
  });

  it('replays PUT and PATCH responses without running them again', async () => {
    const project = await s.request('POST', '/api/projects', { key: worker, body: { name: `put ${randomUUID()}` } });
    const persona = await s.request('POST', `/api/projects/${project.body.id}/personas`, { key: worker, body: { name: 'v1' } });
    const path = `/api/projects/${project.body.id}/personas/${persona.body.id}`;
    const putKey = randomUUID();
    const put = await s.request('PUT', path, { key: worker, body: { name: 'v2' }, headers: { 'Idempotency-Key': putKey } });
    expect(put.status).toBe(200);
    expect(put.body.name).toBe('v2');
    expect((await s.request('PUT', path, { key: worker, body: { name: 'v3' } })).status).toBe(200);
    const putReplay = await s.request('PUT', path, { key: worker, body: { name: 'v2' }, headers: { 'Idempotency-Key': putKey } });
    expect(putReplay.status).toBe(200);
    expect(putReplay.text).toBe(put.text);
    expect((await s.request('GET', path, { key: worker })).body.name).toBe('v3');

    const created = await s.request('POST', '/api/v1/autousers', { key: worker, body: autouser('patch me') });
    const patchKey = randomUUID();
    const patchPath = `/api/v1/autousers/${created.body.id}`;
    const patch = await s.request('PATCH', patchPath, { key: worker, body: { description: 'first' }, headers: { 'Idempotency-Key': patchKey } });
    expect(patch.status).toBe(200);
    expect((await s.request('PATCH', patchPath, { key: worker, body: { description: 'second' } })).status).toBe(200);
    const patchReplay = await s.request('PATCH', patchPath, { key: worker, body: { description: 'first' }, headers: { 'Idempotency-Key': patchKey } });
    expect(patchReplay.status).toBe(200);
    expect(patchReplay.text).toBe(patch.text);
    expect((await s.request('GET', patchPath, { key: worker })).body.description).toBe('second');
  });

  it('stores and replays errors too', async () => {
    const name = `dup ${randomUUID()}`;
    const original = await s.request('POST', '/api/projects', { key: worker, body: { name } });
    expect(original.status).toBe(201);
    const key = randomUUID();
    const conflict = await s.request('POST', '/api/projects', { key: worker, body: { name }, headers: { 'Idempotency-Key': key } });
    expectPlainError(conflict, 409);
    // Once the original is gone the request would succeed; the replay still answers the stored 409.
    expect((await s.request('DELETE', `/api/projects/${original.body.id}`, { key: worker })).status).toBe(204);
    const replay = await s.request('POST', '/api/projects', { key: worker, body: { name }, headers: { 'Idempotency-Key': key } });
    expect(replay.status).toBe(409);
    expect(replay.text).toBe(conflict.text);
    expect(await projectNames()).not.toContain(name);

    const invalidKey = randomUUID();
    const invalid = await s.request('POST', '/api/v1/autousers', { key: worker, body: { teamId, name: '' }, headers: { 'Idempotency-Key': invalidKey } });
    expectStripeError(invalid, 400, 'invalid_request_error');
    const invalidReplay = await s.request('POST', '/api/v1/autousers', { key: worker, body: { teamId, name: '' }, headers: { 'Idempotency-Key': invalidKey } });
    expect(invalidReplay.status).toBe(400);
    expect(invalidReplay.text).toBe(invalid.text);
  });

  it('creates exactly one record from 20 concurrent identical requests', async () => {
    const key = randomUUID();
    const name = `concurrent ${key}`;
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => s.request('POST', '/api/v1/autousers', { key: worker, body: autouser(name), headers: { 'Idempotency-Key': key } })),
    );
    const created = responses.filter((r) => r.status === 201);
    const inUse = responses.filter((r) => r.status === 409);
    expect(created.length + inUse.length).toBe(20);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((r) => r.text)).size).toBe(1);
    for (const r of inUse) expectStripeError(r, 409, 'conflict', 'idempotency_key_in_use');
    expect((await autouserNames()).filter((n) => n === name)).toHaveLength(1);
    // Once settled, a retry replays the one record.
    const retry = await s.request('POST', '/api/v1/autousers', { key: worker, body: autouser(name), headers: { 'Idempotency-Key': key } });
    expect(retry.status).toBe(201);
    expect(retry.text).toBe(created[0]!.text);
  });

  it('scopes keys to the team: another key of the team holding the same scopes replays, a narrower one gets 403, another team starts afresh', async () => {
    const key = randomUUID();
    const name = `team scoped ${key}`;
    const first = await s.request('POST', '/api/v1/autousers', { key: worker, body: autouser(name), headers: { 'Idempotency-Key': key } });
    expect(first.status).toBe(201);
    // e.g. the client rotated its key between the attempt and the retry: the successor holds the same scopes
    const sibling = (await s.createKey(['admin', 'persona:read', 'persona:write'], { name: 'sibling', rateLimitPerMinute: 1000 })).key;
    const retry = await s.request('POST', '/api/v1/autousers', { key: sibling, body: autouser(name), headers: { 'Idempotency-Key': key } });
    expect(retry.status).toBe(201);
    expect(retry.text).toBe(first.text);
    // A key with fewer rights than the one that made the record is not replayed to (issue 16) and nothing runs twice.
    const narrower = (await s.createKey(['persona:write', 'persona:read'], { name: 'narrower', rateLimitPerMinute: 1000 })).key;
    const refused = await s.request('POST', '/api/v1/autousers', { key: narrower, body: autouser(name), headers: { 'Idempotency-Key': key } });
    expectStripeError(refused, 403, 'authorization_error', 'idempotency_key_forbidden');
    expect((await autouserNames()).filter((n) => n === name)).toHaveLength(1);

    const other = await s.createTeam('idem other');
    const otherTeamId = (await s.request('GET', '/api/v1/me', { key: other.key })).body.team.id;
    const theirs = await s.request('POST', '/api/v1/autousers', {
      key: other.key,
      body: { teamId: otherTeamId, name, systemPrompt: 'x' },
      headers: { 'Idempotency-Key': key },
    });
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(first.body.id);
    expect(theirs.body.teamId).toBe(otherTeamId);
  });

  it('after the replay window a key is free again, and expired records are purged', async () => {
    const key = `expiring-${randomUUID()}`;
    const first = await s.request('POST', '/api/v1/autousers', { key: worker, body: autouser(`exp-${key}`), headers: { 'Idempotency-Key': key } });
    expect(first.status).toBe(201);
    // Age the record past its 24 h window (the clock cannot be moved from outside).
    const prisma = s.app.deps.prisma;
    await prisma.idempotencyRecord.updateMany({ where: { key }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const later = await s.request('POST', '/api/v1/autousers', { key: worker, body: autouser(`exp2-${key}`), headers: { 'Idempotency-Key': key } });
    expect(later.status, later.text).toBe(201);
    expect(later.headers.get('idempotent-replayed')).toBeNull();
    expect(later.body.id).not.toBe(first.body.id);

    await prisma.idempotencyRecord.updateMany({ where: { key }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const { IdempotencyStore } = await import('../src/server/idempotency.js');
    expect(await new IdempotencyStore(prisma, 86_400_000).purgeExpired()).toBeGreaterThanOrEqual(1);
    expect(await prisma.idempotencyRecord.count({ where: { key } })).toBe(0);
  });
});

describe('Idempotency-Key on GraphQL mutations', () => {
  const CREATE = `mutation($name: String!) { createProject(name: $name) { __typename ... on MutationCreateProjectSuccess { data { id name } } ... on ConflictError { code message } } }`;

  it('replays a mutation byte for byte and creates nothing new', async () => {
    const key = randomUUID();
    const name = `gql idem ${key}`;
    const first = await s.graphql(CREATE, { name }, { key: worker, headers: { 'Idempotency-Key': key } });
    expect(first.status).toBe(200);
    expect(first.body.data.createProject.__typename).toBe('MutationCreateProjectSuccess');
    const replay = await s.graphql(CREATE, { name }, { key: worker, headers: { 'Idempotency-Key': key } });
    expect(replay.status).toBe(200);
    expect(replay.text).toBe(first.text);
    expect((await projectNames()).filter((n) => n === name)).toHaveLength(1);
    // Without the key the same mutation runs again and meets the duplicate name.
    const again = await s.graphql(CREATE, { name }, { key: worker });
    expect(again.body.data.createProject.__typename).toBe('ConflictError');
  });

  it('answers a reused key with other variables with 409 idempotency_key_reused, and an overlong key with 400', async () => {
    const key = randomUUID();
    expect((await s.graphql(CREATE, { name: `gql a ${key}` }, { key: worker, headers: { 'Idempotency-Key': key } })).status).toBe(200);
    const reused = await s.graphql(CREATE, { name: `gql b ${key}` }, { key: worker, headers: { 'Idempotency-Key': key } });
    expect(reused.status).toBe(409);
    expect(reused.body.errors![0].extensions.code).toBe('idempotency_key_reused');
    expect(await projectNames()).not.toContain(`gql b ${key}`);

    const long = await s.graphql(CREATE, { name: `gql long ${key}` }, { key: worker, headers: { 'Idempotency-Key': 'g'.repeat(256) } });
    expect(long.status).toBe(400);
    expect(long.body.errors![0].extensions.code).toBe('invalid_idempotency_key');
    expect(await projectNames()).not.toContain(`gql long ${key}`);
  });

  it('does not store a response the rate limit refused, on GraphQL as on REST', async () => {
    const limited = (await s.createKey(['persona:read', 'persona:write'], { name: 'one a minute', rateLimitPerMinute: 1 })).key;
    expect((await s.graphql('{ me { key { id } } }', {}, { key: limited })).status).toBe(200);
    const key = randomUUID();
    const name = `gql refused ${key}`;
    const refused = await s.graphql(CREATE, { name }, { key: limited, headers: { 'Idempotency-Key': key } });
    expect(refused.status).toBe(429);
    // The client retries the same request with another key of its team: it runs now.
    const retry = await s.graphql(CREATE, { name }, { key: worker, headers: { 'Idempotency-Key': key } });
    expect(retry.status).toBe(200);
    expect(retry.body.data.createProject.__typename).toBe('MutationCreateProjectSuccess');
    expect(await projectNames()).toContain(name);

    const restKey = randomUUID();
    const restRefused = await s.request('POST', '/api/projects', { key: limited, body: { name: `rest refused ${restKey}` }, headers: { 'Idempotency-Key': restKey } });
    expect(restRefused.status).toBe(429);
    const restRetry = await s.request('POST', '/api/projects', { key: worker, body: { name: `rest refused ${restKey}` }, headers: { 'Idempotency-Key': restKey } });
    expect(restRetry.status).toBe(201);
  });

  it('creates exactly one record from concurrent identical mutations', async () => {
    const key = randomUUID();
    const name = `gql concurrent ${key}`;
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => s.graphql(CREATE, { name }, { key: worker, headers: { 'Idempotency-Key': key } })),
    );
    const ok = responses.filter((r) => r.status === 200);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const r of ok) expect(r.body.data.createProject.__typename).toBe('MutationCreateProjectSuccess');
    expect(new Set(ok.map((r) => r.text)).size).toBe(1);
    for (const r of responses.filter((r) => r.status !== 200)) {
      expect(r.status).toBe(409);
      expect(r.body.errors![0].extensions.code).toBe('idempotency_key_in_use');
    }
    expect((await projectNames()).filter((n) => n === name)).toHaveLength(1);
  });
});

describe('version pinning', () => {
  it('echoes a known Autousers-Version and API-Version', async () => {
    const pinned = await s.request('GET', '/api/v1/autousers?limit=1', { key: worker, headers: { 'Autousers-Version': '2026-05-04' } });
    expect(pinned.status).toBe(200);
    expect(pinned.headers.get('autousers-version')).toBe('2026-05-04');
    const generic = await s.request('GET', '/api/projects', { key: worker, headers: { 'API-Version': '2026-05-04' } });
    expect(generic.status).toBe(200);
    expect(generic.headers.get('api-version')).toBe('2026-05-04');
    const gql = await s.graphql('{ me { team { id } } }', {}, { key: worker, headers: { 'API-Version': '2026-05-04' } });
    expect(gql.status).toBe(200);
    expect(gql.headers.get('api-version')).toBe('2026-05-04');
    // Unpinned requests learn the version they got.
    const latest = await s.request('GET', '/api/v1/autousers?limit=1', { key: worker });
    expect(latest.headers.get('autousers-version')).toBe('2026-05-04');
  });

  it('refuses an unknown version with 400 in each family’s shape, before doing anything', async () => {
    for (const [header, value] of [
      ['Autousers-Version', '2020-01-01'],
      ['Autousers-Version', 'latest'],
      ['API-Version', '1999-12-31'],
    ] as const) {
      const name = `versioned ${randomUUID()}`;
      const stripe = await s.request('POST', '/api/v1/autousers', { key: worker, body: autouser(name), headers: { [header]: value } });
      expectStripeError(stripe, 400, 'invalid_request_error');
      expect(stripe.body.error.param).toBe(header);
      expect(stripe.body.error.message).toContain(value);
      expect(await autouserNames()).not.toContain(name);

      const plain = await s.request('POST', '/api/projects', { key: worker, body: { name }, headers: { [header]: value } });
      expectPlainError(plain, 400);
      expect(plain.body.error).toContain(value);
      expect(await projectNames()).not.toContain(name);

      const gql = await s.graphql('{ me { team { id } } }', {}, { key: worker, headers: { [header]: value } });
      expect(gql.status).toBe(400);
      expect(gql.body.data).toBeUndefined();
    }
  });
});

describe('request bodies', () => {
  it('answers malformed JSON with 400 saying so', async () => {
    const stripe = await s.request('POST', '/api/v1/autousers', { key: worker, rawBody: '{"name": "x",', headers: { 'Content-Type': 'application/json' } });
    expectStripeError(stripe, 400, 'invalid_request_error');
    expect(stripe.body.error.message).toMatch(/malformed json/i);
    const plain = await s.request('POST', '/api/projects', { key: worker, rawBody: '{name: x}', headers: { 'Content-Type': 'application/json' } });
    expectPlainError(plain, 400);
    expect(plain.body.error).toMatch(/malformed json/i);
    const put = await s.request('PUT', '/api/workspace', { key: worker, rawBody: '{"maxConcurrency": }', headers: { 'Content-Type': 'application/json' } });
    expectPlainError(put, 400);
    expect(put.body.error).toMatch(/malformed json/i);
    const gql = await s.request('POST', '/graphql', { key: worker, rawBody: '{"query": "{ me { key { id } } }"', headers: { 'Content-Type': 'application/json' } });
    expect(gql.status).toBe(400);
    expect(JSON.stringify(gql.body)).toMatch(/json/i);
  });

  it('answers a body that is JSON but not an object with 400', async () => {
    for (const raw of ['[{"name":"x"}]', '"x"', '42', 'null', 'true']) {
      const plain = await s.request('POST', '/api/projects', { key: worker, rawBody: raw, headers: { 'Content-Type': 'application/json' } });
      expectPlainError(plain, 400);
      const stripe = await s.request('POST', '/api/v1/autousers', { key: worker, rawBody: raw, headers: { 'Content-Type': 'application/json' } });
      expectStripeError(stripe, 400, 'invalid_request_error');
      const patch = await s.request('PUT', '/api/workspace', { key: worker, rawBody: raw, headers: { 'Content-Type': 'application/json' } });
      expectPlainError(patch, 400);
    }
  });

  it('answers a body over BODY_LIMIT_BYTES with 413 and creates nothing', async () => {
    const name = `big ${randomUUID()}`;
    const big = { teamId, name, systemPrompt: 'p'.repeat(BODY_LIMIT) };
    const stripe = await s.request('POST', '/api/v1/autousers', { key: worker, body: big });
    expectStripeError(stripe, 413, 'invalid_request_error');
    const plain = await s.request('POST', `/api/projects`, { key: worker, body: { name, padding: 'p'.repeat(BODY_LIMIT) } });
    expectPlainError(plain, 413);
    const gql = await s.graphql(`mutation { createProject(name: "${name}") { __typename } }`, { padding: 'p'.repeat(BODY_LIMIT) }, { key: worker });
    expect(gql.status).toBe(413);
    expect(await autouserNames()).not.toContain(name);
    expect(await projectNames()).not.toContain(name);

    // A body at the limit is read (and then judged on its content).
    const atLimit = JSON.stringify({ teamId, name: 'n'.repeat(300), systemPrompt: 'x' });
    const padded = atLimit.slice(0, -1) + ',"description":"' + 'd'.repeat(BODY_LIMIT - atLimit.length - 17) + '"}';
    expect(Buffer.byteLength(padded)).toBe(BODY_LIMIT);
    const judged = await s.request('POST', '/api/v1/autousers', { key: worker, rawBody: padded, headers: { 'Content-Type': 'application/json' } });
    expectStripeError(judged, 400, 'invalid_request_error');
  });

  it('answers an oversized chunked body (no Content-Length) with 413', async () => {
    const name = `chunked ${randomUUID()}`;
    const url = new URL('/api/projects', s.url);
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(url, {
        method: 'POST',
        headers: { Authorization: `Bearer ${worker}`, 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
      });
      req.on('response', (r) => {
        let body = '';
        r.setEncoding('utf8');
        r.on('data', (c) => (body += c));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.write(`{"name":${JSON.stringify(name)},"padding":"`);
      for (let i = 0; i < 8; i++) req.write('p'.repeat(4096));
      req.end('"}');
    });
    expect(res.status).toBe(413);
    expect(Object.keys(JSON.parse(res.body))).toEqual(['error']);
    expect(await projectNames()).not.toContain(name);
  });
});

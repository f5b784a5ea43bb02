/**
 * Autonomis agents (seed 003) over real HTTP, GraphQL and graphql-ws: create
 * (one or many, all or nothing, tier limit), keys (scoped to the agent's chat,
 * rotation), deploys that reach online or fail with a reason (pushed over the
 * deployProgress subscription), ping against a local OpenAI-compatible
 * server, connect, templates, tool config and the runtime log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestServer, type TestResponse, type TestServer } from './helpers/server.js';
import { createTestDatabase, testDatabaseKind } from './helpers/database.js';
import { startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { authenticate } from '../src/modules/auth/service.js';
import { resolveAgent } from '../src/modules/agents/lookup.js';
import { composeSystemPrompt, effectiveTemplates } from '../src/modules/agents/templates.js';
import { expectPlainError } from './helpers/errors.js';

const FAST = { RATE_LIMIT_PER_MINUTE: '100000' };
const WAIT_MS = 15_000; // upper bound for a deploy to finish

let s: TestServer;
let other: { teamId: string; key: string };
let fake: FakeOpenAI;
let withOpenAI: TestServer;
const clients: Client[] = [];

beforeAll(async () => {
  [s, fake] = await Promise.all([startTestServer(FAST), startFakeOpenAI()]);
  withOpenAI = await startTestServer({ ...FAST, OPENAI_API_KEY: 'sk-test-fake', OPENAI_BASE_URL: fake.url, AGENT_CHECK_TIMEOUT_MS: '3000' });
  other = await s.createTeam('agents other team');
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await s?.close();
  await withOpenAI?.close();
  await fake?.close();
});

let n = 0;
async function newUser(server: TestServer = s, body: Record<string, unknown> = {}, key?: string): Promise<{ id: string; username: string }> {
  const res = await server.request('POST', '/api/v1/users', { body: { username: `agent-user-${++n}`, ...body }, ...(key ? { key } : {}) });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

async function newAgent(user: string, body: Record<string, unknown>, server: TestServer = s) {
  const res = await server.request('POST', `/api/v1/users/${user}/agents`, { body });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

/** Polls the deploy status until the latest job has ended (upper bound WAIT_MS). */
async function settled(user: string, server: TestServer = s) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const res = await server.request('GET', `/api/v1/users/${user}/deploy/status`);
    expect(res.status, res.text).toBe(200);
    if (res.body.status === 'succeeded' || res.body.status === 'failed') return res.body;
    if (Date.now() > deadline) throw new Error(`deploy still ${res.body.status}: ${res.text}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const STEP_NAMES = ['validate-provider-and-model', 'render-templates', 'check-skills', 'go-online'];

describe('POST /users/{user}/agents', () => {
  it('creates one agent from an object: 201 with its key shown once, then deploys it online', async () => {
    const u = await newUser();
    const a = await newAgent(u.username, { name: 'manager' });
    expect(a).toMatchObject({ name: 'manager', userId: u.id, status: 'deploying', provider: null, model: null });
    expect(a.key).toMatch(/^pg_agent_[A-Za-z0-9_-]{32,}$/);
    expect(a.keyPrefix).toBe(a.key.slice(0, 16));
    // stored as sha256 only
    const row = await s.app.deps.prisma.agent.findUniqueOrThrow({ where: { id: a.id } });
    expect(row.keyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(a.key);

    const status = await settled(u.username);
    expect(status).toMatchObject({ status: 'succeeded', progress: 100, error: null, agents: [{ id: a.id, name: 'manager', status: 'online', error: null }] });
    expect(status.steps.map((st: any) => [st.name, st.status])).toEqual(STEP_NAMES.map((name) => [name, 'succeeded']));
    expect(status.steps[0].detail).toBe('embedded, model embedded-chat-v1');
    const got = await s.request('GET', `/api/v1/users/${u.id}/agents/manager`);
    expect(got.body).toMatchObject({ id: a.id, status: 'online' });
    expect(got.body).not.toHaveProperty('key');
  });

  it('creates several from an array, all or nothing', async () => {
    const u = await newUser();
    const res = await s.request('POST', `/api/v1/users/${u.id}/agents`, { body: [{ name: 'a' }, { name: 'b', provider: 'embedded', model: 'embedded-chat-v1' }] });
    expect(res.status, res.text).toBe(201);
    expect(Array.isArray(res.body)).toBe(true);
    expect(res.body.map((x: any) => x.name)).toEqual(['a', 'b']);
    expect(new Set(res.body.map((x: any) => x.key)).size).toBe(2);
    // one name taken: nothing is created
    expectPlainError(await s.request('POST', `/api/v1/users/${u.id}/agents`, { body: [{ name: 'c' }, { name: 'a' }] }), 409, 'agent already exists');
    expectPlainError(await s.request('POST', `/api/v1/users/${u.id}/agents`, { body: [{ name: 'd' }, { name: 'd' }] }), 409, 'agent already exists');
    expectPlainError(await s.request('POST', `/api/v1/users/${u.id}/agents`, { body: { name: 'b' } }), 409, 'agent already exists');
    const list = await s.request('GET', `/api/v1/users/${u.id}/agents`);
    expect(list.body.map((x: any) => x.name)).toEqual(['a', 'b']);
    // the same name for another user is fine
    const u2 = await newUser();
    await newAgent(u2.id, { name: 'a' });
  });

  it('enforces the tier’s agent limit with a 403 naming it, counting the whole request', async () => {
    const u = await newUser();
    expectPlainError(
      await s.request('POST', `/api/v1/users/${u.id}/agents`, { body: [{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'd' }] }),
      403,
      'agent limit reached: the free tier allows 3 agents (the user has 0)',
    );
    expect((await s.request('GET', `/api/v1/users/${u.id}/agents`)).body).toEqual([]);
    await newAgent(u.id, { name: 'a' });
    await newAgent(u.id, { name: 'b' });
    await newAgent(u.id, { name: 'c' });
    expectPlainError(await s.request('POST', `/api/v1/users/${u.id}/agents`, { body: { name: 'd' } }), 403, 'agent limit reached: the free tier allows 3 agents (the user has 3)');
    expect((await s.request('PUT', `/api/v1/users/${u.id}/tier`, { body: { tier: 'pro' } })).status).toBe(200);
    await newAgent(u.id, { name: 'd' });
  });

  it('validates the body', async () => {
    const u = await newUser();
    const post = (body: unknown) => s.request('POST', `/api/v1/users/${u.id}/agents`, { body });
    expectPlainError(await post({}), 400, 'name is required');
    expectPlainError(await s.request('POST', `/api/v1/users/${u.id}/agents`), 400, 'name is required');
    expectPlainError(await post({ name: '' }), 400, 'name is required');
    expectPlainError(await post({ name: 'x'.repeat(65) }), 400, 'name must be at most 64 characters');
    expectPlainError(await post({ name: '../etc' }), 400, 'name may contain only letters, digits, ".", "_" and "-", and must start with a letter or digit');
    expect((await post({ name: 7 })).status).toBe(400);
    expectPlainError(await post({ name: 'ok', provider: 'anthropic' }), 400, 'provider must be one of openai, embedded');
    expectPlainError(await post({ name: 'ok', model: 5 }), 400, 'model must be a string');
    expectPlainError(await post({ name: 'ok', color: 'red' }), 400, 'unknown agent key: color');
    expectPlainError(await post([]), 400, 'at least one agent is required');
    expectPlainError(await post(Array.from({ length: 101 }, (_, i) => ({ name: `n${i}` }))), 400, 'at most 100 agents per request');
    expectPlainError(await post('manager'), 400, 'Request body must be a JSON object');
    const theirPersona = await s.request('POST', '/api/v1/autousers', { key: other.key, body: { name: 'Hidden', systemPrompt: 'secret soul', teamId: other.teamId } });
    expect(theirPersona.status).toBe(201);
    expectPlainError(await post({ name: 'ok', personaId: theirPersona.body.id }), 400, `personaId ${theirPersona.body.id} does not name a persona visible to this team`);
    expect((await s.request('GET', `/api/v1/users/${u.id}/agents`)).body).toEqual([]);
  });

  it('answers user not found / agent not found, also for another team’s user and agent', async () => {
    const theirs = await newUser(s, {}, other.key);
    const theirAgent = await s.request('POST', `/api/v1/users/${theirs.id}/agents`, { key: other.key, body: { name: 'spy' } });
    expect(theirAgent.status).toBe(201);
    expectPlainError(await s.request('POST', '/api/v1/users/ghost/agents', { body: { name: 'x' } }), 404, 'user not found');
    expectPlainError(await s.request('GET', `/api/v1/users/${theirs.id}/agents`), 404, 'user not found');
    expectPlainError(await s.request('POST', `/api/v1/users/${theirs.id}/agents`, { body: { name: 'x' } }), 404, 'user not found');
    const mine = await newUser();
    for (const ref of ['ghost', theirAgent.body.id]) {
      expectPlainError(await s.request('GET', `/api/v1/users/${mine.id}/agents/${ref}`), 404, 'agent not found');
      expectPlainError(await s.request('DELETE', `/api/v1/users/${mine.id}/agents/${ref}`), 404, 'agent not found');
      expectPlainError(await s.request('POST', `/api/v1/users/${mine.id}/agents/${ref}/rotate-key`), 404, 'agent not found');
      expectPlainError(await s.request('GET', `/api/v1/users/${mine.id}/agents/${ref}/ping`), 404, 'agent not found');
      expectPlainError(await s.request('GET', `/api/v1/users/${mine.id}/agents/${ref}/connect`), 404, 'agent not found');
      expectPlainError(await s.request('GET', `/api/v1/users/${mine.id}/agents/${ref}/templates`), 404, 'agent not found');
      expectPlainError(await s.request('PUT', `/api/v1/users/${mine.id}/agents/${ref}/templates`, { body: { 'SOUL.md': 'x' } }), 404, 'agent not found');
      expectPlainError(await s.request('PATCH', `/api/v1/users/${mine.id}/agents/${ref}/config`, { body: { tools: { files: true } } }), 404, 'agent not found');
    }
    expectPlainError(await s.request('GET', `/api/v1/users/${theirs.id}/deploy/status`), 404, 'user not found');
    expectPlainError(await s.request('GET', `/api/v1/users/${theirs.id}/logs`), 404, 'user not found');
    expectPlainError(await s.request('GET', `/api/v1/users/${theirs.id}/agent-templates`), 404, 'user not found');
    // their agent is untouched
    expect((await s.request('GET', `/api/v1/users/${theirs.id}/agents/spy`, { key: other.key })).status).toBe(200);
  });

  it('needs agent:write to change and agent:read to read', async () => {
    const u = await newUser();
    await newAgent(u.id, { name: 'bot' });
    const reader = await s.createKey(['agent:read']);
    const none = await s.createKey(['persona:read']);
    const base = `/api/v1/users/${u.id}/agents`;
    for (const [method, path, body] of [
      ['POST', base, { name: 'x' }],
      ['DELETE', `${base}/bot`],
      ['POST', `${base}/bot/rotate-key`],
      ['PUT', `${base}/bot/templates`, { 'SOUL.md': 'x' }],
      ['PATCH', `${base}/bot/config`, { tools: { files: true } }],
      ['PUT', `/api/v1/users/${u.id}/agent-templates`, { 'SOUL.md': 'x' }],
    ] as const) {
      expectPlainError(await s.request(method, path, { key: reader.key, body }), 403, 'This API key lacks the required scope: agent:write');
    }
    for (const path of [base, `${base}/bot`, `${base}/bot/ping`, `${base}/bot/connect`, `${base}/bot/templates`, `/api/v1/users/${u.id}/agent-templates`, `/api/v1/users/${u.id}/deploy/status`, `/api/v1/users/${u.id}/logs`]) {
      expect((await s.request('GET', path, { key: reader.key })).status, path).toBe(200);
      expectPlainError(await s.request('GET', path, { key: none.key }), 403, 'This API key lacks the required scope: agent:read');
    }
  });

  it('deletes an agent', async () => {
    const u = await newUser();
    const a = await newAgent(u.id, { name: 'temp' });
    const res = await s.request('DELETE', `/api/v1/users/${u.id}/agents/${a.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: a.id, name: 'temp', deleted: true });
    expectPlainError(await s.request('GET', `/api/v1/users/${u.id}/agents/temp`), 404, 'agent not found');
    expect(await s.app.deps.prisma.agent.count({ where: { id: a.id } })).toBe(0);
  });
});

describe('agent keys', () => {
  it('authenticate only the chat of their own agent: every other route refuses them', async () => {
    const u = await newUser();
    const [mine, theirs] = (await s.request('POST', `/api/v1/users/${u.id}/agents`, { body: [{ name: 'mine' }, { name: 'sibling' }] })).body;
    const key = mine.key as string;
    const base = `/api/v1/users/${u.id}`;
    const refused: [string, string, unknown?][] = [
      ['GET', '/api/v1/me'],
      ['GET', '/api/v1/users'],
      ['POST', '/api/v1/users', { username: 'by-agent' }],
      ['GET', base],
      ['DELETE', base],
      ['PUT', `${base}/tier`, { tier: 'pro' }],
      ['GET', `${base}/agents`],
      ['POST', `${base}/agents`, { name: 'spawn' }],
      ['GET', `${base}/agents/mine`],
      ['DELETE', `${base}/agents/mine`],
      ['POST', `${base}/agents/mine/rotate-key`],
      ['GET', `${base}/agents/mine/ping`],
      ['GET', `${base}/agents/mine/connect`],
      ['GET', `${base}/agents/mine/templates`],
      ['PUT', `${base}/agents/mine/templates`, { 'SOUL.md': 'x' }],
      ['PATCH', `${base}/agents/mine/config`, { tools: { files: true } }],
      ['GET', `${base}/agents/sibling`],
      ['GET', `${base}/agent-templates`],
      ['GET', `${base}/deploy/status`],
      ['GET', `${base}/logs`],
      ['GET', '/api/v1/autousers'],
      ['GET', '/api/projects'],
      ['GET', '/api/v1/api-keys'],
    ];
    for (const [method, path, body] of refused) {
      for (const headers of [{ 'X-API-Key': key }, { Authorization: `Bearer ${key}` }] as Record<string, string>[]) {
        const res = await s.request(method, path, { key: null, headers, body });
        expect([401, 404], `${method} ${path}: ${res.status} ${res.text}`).toContain(res.status);
      }
    }
    // nothing changed
    expect((await s.request('GET', `${base}/agents`)).body.map((a: any) => a.name)).toEqual(['mine', 'sibling']);
    // GraphQL: the key authenticates, but no agent data can be read with it
    const q = await s.graphql(`{ agentUsers(first: 5) { edges { node { id } } } }`, {}, { key });
    expect(q.status).toBe(200);
    expect(q.body.data).toBeNull();
    expect(q.body.errors?.[0].message).toBe('Invalid or missing API key');

    // The lookup chat routes go through finds this agent for its own key and no other.
    const actor = await authenticate(s.app.deps, key);
    expect(actor).toMatchObject({ agentId: mine.id, scopes: new Set(['agent:chat']) });
    const ctx = { deps: s.app.deps, actor, requestId: 'test' };
    expect((await resolveAgent(ctx, u.username, 'mine')).id).toBe(mine.id);
    expect((await resolveAgent(ctx, u.id, mine.id)).id).toBe(mine.id);
    await expect(resolveAgent(ctx, u.id, 'sibling')).rejects.toThrow('agent not found');
    await expect(resolveAgent(ctx, u.id, theirs.id)).rejects.toThrow('agent not found');
    const otherUser = await newUser();
    await newAgent(otherUser.id, { name: 'mine' });
    await expect(resolveAgent(ctx, otherUser.id, 'mine')).rejects.toThrow('user not found');
  });

  it('rotate-key returns a new key; the old one stops working at once', async () => {
    const u = await newUser();
    const a = await newAgent(u.id, { name: 'rotor' });
    const alive = (key: string) => s.graphql('{ __typename }', {}, { key });
    expect((await alive(a.key)).status).toBe(200);
    const res = await s.request('POST', `/api/v1/users/${u.id}/agents/rotor/rotate-key`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.key).toMatch(/^pg_agent_/);
    expect(res.body.key).not.toBe(a.key);
    expect(res.body.keyPrefix).toBe(res.body.key.slice(0, 16));
    expect((await alive(a.key)).status).toBe(401);
    await expect(authenticate(s.app.deps, a.key)).rejects.toThrow('Invalid or missing API key');
    expect((await alive(res.body.key)).status).toBe(200);
    expect((await authenticate(s.app.deps, res.body.key)).agentId).toBe(a.id);
    // deleting the agent kills its key too
    await s.request('DELETE', `/api/v1/users/${u.id}/agents/rotor`);
    expect((await alive(res.body.key)).status).toBe(401);
  });
});

describe('deploys', () => {
  it('fails with a clear reason when provider openai has no key configured anywhere, and never hangs', async () => {
    const u = await newUser();
    const a = await newAgent(u.id, { name: 'needs-key', provider: 'openai' });
    const status = await settled(u.id);
    expect(status.status).toBe('failed');
    expect(status.error).toBe('needs-key: validate-provider-and-model failed: provider openai has no API key configured (set OPENAI_API_KEY)');
    expect(status.agents).toEqual([{ id: a.id, name: 'needs-key', status: 'failed', error: 'validate-provider-and-model: provider openai has no API key configured (set OPENAI_API_KEY)' }]);
    expect(status.steps.map((st: any) => st.status)).toEqual(['failed', 'skipped', 'skipped', 'skipped']);
    expect(status.progress).toBe(100);
    expect((await s.request('GET', `/api/v1/users/${u.id}/agents/needs-key`)).body.status).toBe('failed');
    const ping = await s.request('GET', `/api/v1/users/${u.id}/agents/needs-key/ping`);
    expect(ping.body).toMatchObject({ online: false, status: 'failed', error: 'provider openai has no API key configured (set OPENAI_API_KEY)' });
    // the failure is in the runtime log
    const logs = await s.request('GET', `/api/v1/users/${u.id}/logs?level=error`);
    expect(logs.body.some((l: any) => l.agent === 'needs-key' && l.message.includes('provider openai has no API key configured'))).toBe(true);
  });

  it('goes online against an OpenAI-compatible server that offers the model, and fails for a model it does not offer', async () => {
    const u = await newUser(withOpenAI);
    const before = fake.requests.length;
    await newAgent(u.id, { name: 'gpt' }, withOpenAI);
    const ok = await settled(u.id, withOpenAI);
    expect(ok.status, JSON.stringify(ok)).toBe('succeeded');
    expect(ok.steps[0].detail).toMatch(/^openai, model gpt-4o-mini offered \(the provider answered in \d+ ms\)$/);
    const calls = fake.requests.slice(before);
    expect(calls.some((r) => r.method === 'GET' && r.path === '/v1/models' && r.headers.authorization === 'Bearer sk-test-fake')).toBe(true);

    await newAgent(u.id, { name: 'imaginary', model: 'gpt-99' }, withOpenAI);
    const bad = await settled(u.id, withOpenAI);
    expect(bad.status).toBe('failed');
    expect(bad.error).toBe('imaginary: validate-provider-and-model failed: model gpt-99 is not offered by the provider');

    const ping = await withOpenAI.request('GET', `/api/v1/users/${u.id}/agents/gpt/ping`);
    expect(ping.status).toBe(200);
    expect(ping.body).toMatchObject({ online: true, status: 'online', provider: 'openai', model: 'gpt-4o-mini', error: null });
    expect(typeof ping.body.latencyMs).toBe('number');
    fake.failWith(500);
    try {
      const down = await withOpenAI.request('GET', `/api/v1/users/${u.id}/agents/gpt/ping`);
      expect(down.body).toMatchObject({ online: false, status: 'online', error: 'the provider answered status 500' });
      fake.failWith(401);
      const rejected = await withOpenAI.request('GET', `/api/v1/users/${u.id}/agents/gpt/ping`);
      expect(rejected.body).toMatchObject({ online: false, error: 'the provider rejected the API key' });
      expect(rejected.text).not.toContain('sk-fake');
    } finally {
      fake.failWith(null);
    }
    // embedded agents on the same server stay available
    await newAgent(u.id, { name: 'local', provider: 'embedded' }, withOpenAI);
    expect((await settled(u.id, withOpenAI)).status).toBe('succeeded');
  });

  it('reports 404 before the first deploy', async () => {
    const u = await newUser();
    expectPlainError(await s.request('GET', `/api/v1/users/${u.id}/deploy/status`), 404, 'no deploy yet');
    expectPlainError(await s.request('GET', `/api/v1/users/nobody/deploy/status`), 404, 'user not found');
  });

  it('pushes progress over the graphql-ws deployProgress subscription until the job ends', async () => {
    const u = await newUser();
    const c = createClient({ url: s.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${s.adminKey}` }, retryAttempts: 0 });
    clients.push(c);
    const events: any[] = [];
    let failure: unknown = null;
    let wake: () => void = () => {};
    const stop = c.subscribe(
      { query: `subscription($user: ID!) { deployProgress(user: $user) { id status progress error steps { name agent status detail } agents { name status } } }`, variables: { user: u.username } },
      { next: (v) => (events.push(v), wake()), error: (e) => ((failure = e), wake()), complete: () => wake() },
    );
    // The subscription is live once a probe deploy (templates change on an agent) reaches it.
    const first = await newAgent(u.id, { name: 'probe' });
    const deadline = Date.now() + WAIT_MS;
    const until = async (pred: () => boolean) => {
      while (!pred()) {
        if (failure) throw new Error(`subscription failed: ${JSON.stringify(failure)}`);
        if (Date.now() > deadline) throw new Error(`no such event; got ${JSON.stringify(events)}`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, 50);
          wake = () => (clearTimeout(t), r());
        });
      }
    };
    // If the probe's deploy finished before the subscription was live, redeploy until an event arrives.
    while (!events.length) {
      if (Date.now() > deadline) throw new Error('subscription never became live');
      await s.request('PUT', `/api/v1/users/${u.id}/agents/probe/templates`, { body: { 'USER.md': `probe ${Date.now()}` } });
      await settled(u.id);
    }
    await settled(u.id);
    events.length = 0;

    const created = await newAgent(u.id, { name: 'watched' });
    await until(() => events.some((e) => e.data?.deployProgress?.status === 'succeeded' && e.data.deployProgress.steps.some((st: any) => st.agent === 'watched')));
    stop();
    const mine = events.map((e) => e.data.deployProgress).filter((d) => d.steps.some((st: any) => st.agent === 'watched'));
    const progress = mine.map((d) => d.progress);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress); // never goes back
    expect(progress[progress.length - 1]).toBe(100);
    expect(mine.some((d) => d.status === 'running' && d.progress < 100)).toBe(true);
    const last = mine[mine.length - 1];
    expect(last).toMatchObject({ status: 'succeeded', error: null, agents: [{ name: 'watched', status: 'online' }] });
    expect(last.steps.map((st: any) => st.name)).toEqual(STEP_NAMES);
    // each step was pushed as running before it ended
    for (const name of STEP_NAMES) expect(mine.some((d) => d.steps.find((st: any) => st.name === name)?.status === 'running'), name).toBe(true);
    expect(created.id).toBeTruthy();
    expect(first.id).toBeTruthy();
  });

  it('refuses to subscribe to another team’s user or without the read scope', async () => {
    const theirs = await newUser(s, {}, other.key);
    const none = await s.createKey(['persona:read']);
    for (const [key, user, message] of [
      [s.adminKey, theirs.id, 'user not found'],
      [none.key, theirs.id, 'This API key lacks the required scope: agent:read'],
    ]) {
      const c = createClient({ url: s.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${key}` }, retryAttempts: 0 });
      clients.push(c);
      const result = await new Promise<any>((resolve) => {
        const got: any[] = [];
        c.subscribe(
          { query: `subscription($user: ID!) { deployProgress(user: $user) { id } }`, variables: { user } },
          { next: (v) => got.push(v), error: (e) => resolve({ error: e }), complete: () => resolve({ got }) },
        );
      });
      const errors = result.error ?? result.got[0]?.errors;
      expect(JSON.stringify(errors)).toContain(message);
    }
  });
});

describe('templates', () => {
  it('user defaults and agent overrides merge, null removes, and the effective template follows override > persona (SOUL.md) > default > built-in', async () => {
    const persona = await s.request('POST', '/api/v1/autousers', { body: { name: 'Captain', systemPrompt: 'You are Captain, a calm ship captain.', teamId: (await s.request('GET', '/api/v1/me')).body.team.id } });
    expect(persona.status).toBe(201);
    const u = await newUser();
    await newAgent(u.id, { name: 'cap', personaId: persona.body.id });
    await newAgent(u.id, { name: 'plain' });
    const eff = async (agent: string) => (await s.request('GET', `/api/v1/users/${u.id}/agents/${agent}/templates?effective=true`)).body;

    expect((await eff('cap'))['SOUL.md']).toEqual({ content: 'You are Captain, a calm ship captain.', source: 'persona', shadowed: [] });
    expect((await eff('plain'))['SOUL.md'].source).toBe('built-in');
    expect((await eff('plain'))['HEARTBEAT.md'].content).toContain('# HEARTBEAT');

    expect((await s.request('GET', `/api/v1/users/${u.id}/agent-templates`)).body).toEqual({});
    const put = await s.request('PUT', `/api/v1/users/${u.id}/agent-templates`, { body: { 'SOUL.md': 'team soul', 'USER.md': 'the user is Dana' } });
    expect(put.status, put.text).toBe(200);
    expect(put.body).toEqual({ 'SOUL.md': 'team soul', 'USER.md': 'the user is Dana' });
    expect((await s.request('PUT', `/api/v1/users/${u.id}/agent-templates`, { body: { 'TOOLS.md': 'use tools well' } })).body).toEqual({
      'SOUL.md': 'team soul',
      'USER.md': 'the user is Dana',
      'TOOLS.md': 'use tools well',
    });
    // a user-level SOUL.md does not replace the persona an agent embodies: it shows as shadowed
    expect((await eff('cap'))['SOUL.md']).toEqual({ content: 'You are Captain, a calm ship captain.', source: 'persona', shadowed: ['user'] });
    expect((await eff('plain'))['SOUL.md']).toEqual({ content: 'team soul', source: 'user', shadowed: [] });

    const over = await s.request('PUT', `/api/v1/users/${u.id}/agents/cap/templates`, { body: { 'SOUL.md': 'only cap', 'HEARTBEAT.md': 'check the deck' } });
    expect(over.status).toBe(200);
    expect(over.body).toEqual({ 'SOUL.md': 'only cap', 'HEARTBEAT.md': 'check the deck' });
    expect((await s.request('GET', `/api/v1/users/${u.id}/agents/cap/templates`)).body).toEqual({ 'SOUL.md': 'only cap', 'HEARTBEAT.md': 'check the deck' });
    expect(await eff('cap')).toMatchObject({
      'SOUL.md': { content: 'only cap', source: 'agent', shadowed: ['persona', 'user'] },
      'USER.md': { content: 'the user is Dana', source: 'user' },
      'HEARTBEAT.md': { content: 'check the deck', source: 'agent' },
    });
    expect((await eff('plain'))['SOUL.md'].source).toBe('user');

    // null removes: the agent falls back to the persona (the default stays shadowed), then to the persona alone
    expect((await s.request('PUT', `/api/v1/users/${u.id}/agents/cap/templates`, { body: { 'SOUL.md': null } })).body).toEqual({ 'HEARTBEAT.md': 'check the deck' });
    expect((await eff('cap'))['SOUL.md']).toMatchObject({ source: 'persona', shadowed: ['user'] });
    await s.request('PUT', `/api/v1/users/${u.id}/agent-templates`, { body: { 'SOUL.md': null } });
    expect((await eff('cap'))['SOUL.md']).toEqual({ content: 'You are Captain, a calm ship captain.', source: 'persona', shadowed: [] });

    // a template change redeploys the agent
    expect((await settled(u.id)).status).toBe('succeeded');
  });

  it('validates names, types and sizes', async () => {
    const u = await newUser();
    await newAgent(u.id, { name: 't' });
    for (const path of [`/api/v1/users/${u.id}/agent-templates`, `/api/v1/users/${u.id}/agents/t/templates`]) {
      expectPlainError(await s.request('PUT', path, { body: { 'NOTES.md': 'x' } }), 400, 'unknown template: NOTES.md (valid: SOUL.md, USER.md, TOOLS.md, HEARTBEAT.md)');
      expectPlainError(await s.request('PUT', path, { body: { 'SOUL.md': 5 } }), 400, 'SOUL.md must be a string, or null to remove it');
      expectPlainError(await s.request('PUT', path, { body: { 'SOUL.md': 'é'.repeat(32 * 1024 + 1) } }), 400, 'SOUL.md must be at most 65536 bytes');
      expect((await s.request('PUT', path, { body: { 'SOUL.md': 'x'.repeat(64 * 1024) } })).status).toBe(200);
      expectPlainError(await s.request('PUT', path, { body: {} }), 400, 'body must name at least one template (SOUL.md, USER.md, TOOLS.md, HEARTBEAT.md)');
      expectPlainError(await s.request('PUT', path, { body: ['SOUL.md'] }), 400, 'Request body must be a JSON object');
    }
    expectPlainError(await s.request('GET', `/api/v1/users/${u.id}/agents/t/templates?effective=maybe`), 400, 'effective must be true or false');
  });

  it('composes the system prompt in the documented order: SOUL, USER, TOOLS, skills, HEARTBEAT', async () => {
    const u = await newUser();
    const a = await newAgent(u.id, { name: 'composer' });
    await s.request('PUT', `/api/v1/users/${u.id}/agent-templates`, { body: { 'USER.md': 'USER PART', 'TOOLS.md': '' } });
    await s.request('PUT', `/api/v1/users/${u.id}/agents/composer/templates`, { body: { 'SOUL.md': 'SOUL PART', 'HEARTBEAT.md': 'HEARTBEAT PART' } });
    const ctx = { deps: s.app.deps, actor: await authenticate(s.app.deps, s.adminKey), requestId: 'test' };
    const agent = await s.app.deps.prisma.agent.findUniqueOrThrow({ where: { id: a.id } });
    const prompt = await composeSystemPrompt(ctx, agent, { skills: [{ name: 'weather', description: 'Looks up\nthe weather.' }] });
    expect(prompt).toBe('SOUL PART\n\nUSER PART\n\n## Skills\n- weather: Looks up the weather.\n\nHEARTBEAT PART');
    const noSkills = await composeSystemPrompt(ctx, agent, { skills: [] });
    expect(noSkills).toBe('SOUL PART\n\nUSER PART\n\nHEARTBEAT PART');
    expect((await effectiveTemplates(ctx, agent))['TOOLS.md']).toEqual({ content: '', source: 'user', shadowed: [] });
  });
});

describe('PATCH …/config', () => {
  it('merges the tool config, returns it defaulted and redeploys', async () => {
    const u = await newUser();
    const a = await newAgent(u.id, { name: 'tooled' });
    expect(a.config).toEqual({ tools: { files: false, http: { enabled: false, allowPrivateNetworks: false, allowedHosts: [] } } });
    await settled(u.id);
    const jobBefore = (await s.request('GET', `/api/v1/users/${u.id}/deploy/status`)).body.id;
    const path = `/api/v1/users/${u.id}/agents/tooled/config`;
    const r1 = await s.request('PATCH', path, { body: { tools: { files: true } } });
    expect(r1.status, r1.text).toBe(200);
    expect(r1.body).toEqual({ tools: { files: true, http: { enabled: false, allowPrivateNetworks: false, allowedHosts: [] } } });
    const r2 = await s.request('PATCH', path, { body: { tools: { http: { enabled: true, allowedHosts: ['api.example.com', '*.example.org'] } } } });
    expect(r2.body).toEqual({ tools: { files: true, http: { enabled: true, allowPrivateNetworks: false, allowedHosts: ['api.example.com', '*.example.org'] } } });
    const r3 = await s.request('PATCH', path, { body: { tools: { http: { enabled: true, allowPrivateNetworks: true } } } });
    expect(r3.body.tools.http).toEqual({ enabled: true, allowPrivateNetworks: true, allowedHosts: ['api.example.com', '*.example.org'] });
    expect((await s.request('GET', `/api/v1/users/${u.id}/agents/tooled`)).body.config).toEqual(r3.body);
    const after = await settled(u.id);
    expect(after.id).not.toBe(jobBefore);
    expect(after.status).toBe('succeeded');
  });

  it('rejects unknown keys and wrong types', async () => {
    const u = await newUser();
    await newAgent(u.id, { name: 'strict' });
    const patch = (body: unknown) => s.request('PATCH', `/api/v1/users/${u.id}/agents/strict/config`, { body });
    expectPlainError(await patch({}), 400, 'tools is required');
    expectPlainError(await patch({ tools: { files: true }, extra: 1 }), 400, 'unknown config key: extra');
    expectPlainError(await patch({ tools: { shell: true } }), 400, 'unknown tools key: shell');
    expectPlainError(await patch({ tools: { http: { enabled: true, proxy: 'x' } } }), 400, 'unknown tools.http key: proxy');
    expectPlainError(await patch({ tools: { files: 'yes' } }), 400, 'tools.files must be a boolean');
    expectPlainError(await patch({ tools: { http: { allowedHosts: [] } } }), 400, 'tools.http.enabled must be a boolean');
    expectPlainError(await patch({ tools: { http: { enabled: true, allowedHosts: ['http://x/'] } } }), 400, 'tools.http.allowedHosts entries must be host names (optionally *.example.com or host:port)');
    expectPlainError(await patch({ tools: { http: { enabled: true, allowedHosts: 'x' } } }), 400, 'tools.http.allowedHosts must be an array of host names');
    expect((await s.request('GET', `/api/v1/users/${u.id}/agents/strict`)).body.config.tools.files).toBe(false);
  });
});

describe('ping and connect', () => {
  it('ping: an embedded agent is online once deployed', async () => {
    const u = await newUser();
    await newAgent(u.id, { name: 'pinger' });
    await settled(u.id);
    const res = await s.request('GET', `/api/v1/users/${u.id}/agents/pinger/ping`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ online: true, status: 'online', provider: 'embedded', error: null });
    expect(Number.isInteger(res.body.latencyMs)).toBe(true);
  });

  it('connect: absolute URLs from the request’s host, the subscription to use and how to authenticate', async () => {
    const u = await newUser();
    const a = await newAgent(u.id, { name: 'gw' });
    const res = await s.request('GET', `/api/v1/users/${u.id}/agents/gw/connect`);
    expect(res.status).toBe(200);
    const host = new URL(s.url).host;
    expect(res.body.http.chat).toBe(`http://${host}/api/v1/users/${u.username}/agents/gw/chat`);
    expect(res.body.sse.url).toBe(`http://${host}/api/v1/users/${u.username}/agents/gw/chat/stream`);
    expect(res.body.graphql).toMatchObject({ http: `http://${host}/graphql`, ws: `ws://${host}/graphql`, protocol: 'graphql-transport-ws', variables: { user: u.id, agent: a.id } });
    expect(res.body.graphql.subscription).toMatch(/^subscription /);
    expect(res.body.auth.header).toBe('X-API-Key');
    expect(res.body.auth.keys[0]).toContain(a.keyPrefix);
    expect(res.text).not.toContain(a.key);
    const proxied = await s.request('GET', `/api/v1/users/${u.id}/agents/gw/connect`, { headers: { 'X-Forwarded-Host': 'agents.example.com', 'X-Forwarded-Proto': 'https' } });
    expect(proxied.body.http.chat).toBe(`https://agents.example.com/api/v1/users/${u.username}/agents/gw/chat`);
    expect(proxied.body.graphql.ws).toBe('wss://agents.example.com/graphql');
    expectPlainError(await s.request('GET', `/api/v1/users/${u.id}/agents/gw/connect`, { headers: { 'X-Forwarded-Host': 'evil.com/<script>' } }), 400, 'the Host header is not a valid host');
  });
});

describe('GET /users/{user}/logs', () => {
  it('returns the runtime log newest first, filtered by level, since and limit', async () => {
    const u = await newUser();
    await newAgent(u.id, { name: 'logger' });
    await newAgent(u.id, { name: 'broken', provider: 'openai' });
    await settled(u.id);
    const all = await s.request('GET', `/api/v1/users/${u.id}/logs`);
    expect(all.status).toBe(200);
    expect(all.body.length).toBeGreaterThan(4);
    for (const e of all.body) expect(Object.keys(e).sort()).toEqual(['agent', 'data', 'level', 'message', 'time']);
    const times = all.body.map((e: any) => Date.parse(e.time));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(all.body.some((e: any) => e.agent === 'logger' && e.message.startsWith('deploy go-online'))).toBe(true);
    expect(all.body.some((e: any) => e.agent === null && e.message.startsWith('deploy failed'))).toBe(true);

    const errors = await s.request('GET', `/api/v1/users/${u.id}/logs?level=error`);
    expect(errors.body.length).toBeGreaterThan(0);
    expect(errors.body.every((e: any) => e.level === 'error')).toBe(true);
    const warnUp = await s.request('GET', `/api/v1/users/${u.id}/logs?level=warn`);
    expect(warnUp.body.every((e: any) => e.level === 'warn' || e.level === 'error')).toBe(true);
    expect(warnUp.body.length).toBe(errors.body.length);

    expect((await s.request('GET', `/api/v1/users/${u.id}/logs?limit=2`)).body).toEqual(all.body.slice(0, 2));
    const future = new Date(Date.now() + 3600_000).toISOString();
    expect((await s.request('GET', `/api/v1/users/${u.id}/logs?since=${future}`)).body).toEqual([]);
    const cut = all.body[2].time;
    const since = await s.request('GET', `/api/v1/users/${u.id}/logs?since=${encodeURIComponent(cut)}`);
    expect(since.body.length).toBeGreaterThanOrEqual(3);
    expect(since.body.every((e: any) => Date.parse(e.time) >= Date.parse(cut))).toBe(true);

    const logs = (q: string) => s.request('GET', `/api/v1/users/${u.id}/logs?${q}`);
    for (const q of ['limit=0', 'limit=1001', 'limit=abc', 'limit=1.5']) expectPlainError(await logs(q), 400, 'limit must be an integer between 1 and 1000');
    expectPlainError(await logs('level=verbose'), 400, 'level must be one of debug, info, warn, error');
    for (const q of ['since=yesterday', 'since=2024-13-45T00:00:00Z', 'since=']) expectPlainError(await logs(q), 400, 'since must be an ISO 8601 date-time');
    expectPlainError(await s.request('GET', '/api/v1/users/nobody/logs'), 404, 'user not found');
  });
});

describe('GraphQL', () => {
  it('creates agents (keys once), reads them with persona, templates and tool config, and changes them', async () => {
    const u = await newUser();
    const teamId = (await s.request('GET', '/api/v1/me')).body.team.id;
    const persona = await s.request('POST', '/api/v1/autousers', { body: { name: 'Graph Persona', systemPrompt: 'GRAPH SOUL', teamId } });
    const created = await s.graphql(
      `mutation($user: ID!, $agents: [CreateAgentInput!]!) { createAgents(user: $user, agents: $agents) { __typename ... on MutationCreateAgentsSuccess { data { key agent { id name status persona { name } user { username } } } } ... on Error { message } } }`,
      { user: u.username, agents: [{ name: 'g1', personaId: persona.body.id }, { name: 'g2', provider: 'embedded' }] },
    );
    const data = created.body.data.createAgents.data;
    expect(data.map((d: any) => d.agent.name)).toEqual(['g1', 'g2']);
    expect(data[0].key).toMatch(/^pg_agent_/);
    expect(data[0].agent.persona).toEqual({ name: 'Graph Persona' });
    expect(data[1].agent.persona).toBeNull();

    const dup = await s.graphql(`mutation($user: ID!) { createAgents(user: $user, agents: [{ name: "g1" }]) { __typename ... on Error { message } } }`, { user: u.id });
    expect(dup.body.data.createAgents).toEqual({ __typename: 'ConflictError', message: 'agent already exists' });

    const id = data[0].agent.id;
    const read = await s.graphql(`query($id: ID!) { agent(id: $id) { name provider model templates { name source content } toolConfig { files http { enabled allowedHosts } } } }`, { id });
    expect(read.body.data.agent.templates.map((t: any) => [t.name, t.source])).toEqual([
      ['SOUL.md', 'persona'],
      ['USER.md', 'built-in'],
      ['TOOLS.md', 'built-in'],
      ['HEARTBEAT.md', 'built-in'],
    ]);
    expect(read.body.data.agent.templates[0].content).toBe('GRAPH SOUL');
    expect(read.body.data.agent.toolConfig).toEqual({ files: false, http: { enabled: false, allowedHosts: [] } });

    const tpl = await s.graphql(`mutation($id: ID!) { setAgentTemplates(user: "${u.username}", agent: $id, templates: { soul: "OVERRIDE", user: null }) { ... on MutationSetAgentTemplatesSuccess { data { templates { name source content } } } } }`, { id });
    expect(tpl.body.data.setAgentTemplates.data.templates[0]).toEqual({ name: 'SOUL.md', source: 'agent', content: 'OVERRIDE' });
    const def = await s.graphql(`mutation { setUserAgentTemplates(user: "${u.username}", templates: { heartbeat: "BEAT" }) { ... on MutationSetUserAgentTemplatesSuccess { data { defaultTemplates { name content } } } } }`);
    expect(def.body.data.setUserAgentTemplates.data.defaultTemplates).toEqual([{ name: 'HEARTBEAT.md', content: 'BEAT' }]);
    const badTpl = await s.graphql(`mutation { setAgentTemplates(user: "${u.username}", agent: "g1", templates: {}) { __typename ... on Error { message } } }`);
    expect(badTpl.body.data.setAgentTemplates.__typename).toBe('ValidationError');

    const cfg = await s.graphql(`mutation { updateAgentConfig(user: "${u.username}", agent: "g1", tools: { files: true, http: { enabled: true, allowedHosts: ["example.com"] } }) { ... on MutationUpdateAgentConfigSuccess { data { toolConfig { files http { enabled allowPrivateNetworks allowedHosts } } } } } }`);
    expect(cfg.body.data.updateAgentConfig.data.toolConfig).toEqual({ files: true, http: { enabled: true, allowPrivateNetworks: false, allowedHosts: ['example.com'] } });

    const rot = await s.graphql(`mutation { rotateAgentKey(user: "${u.username}", agent: "g1") { ... on MutationRotateAgentKeySuccess { data { key agent { id } } } } }`);
    const newKey = rot.body.data.rotateAgentKey.data.key;
    expect(newKey).not.toBe(data[0].key);
    expect((await s.graphql('{ __typename }', {}, { key: data[0].key })).status).toBe(401);

    const status = await settled(u.id);
    const viaUser = await s.graphql(`query($ref: ID!) { agentUser(ref: $ref) { deployStatus { id status progress agents { name status } } } }`, { ref: u.id });
    expect(viaUser.body.data.agentUser.deployStatus).toMatchObject({ id: status.id, status: status.status, progress: 100 });

    const node = await s.graphql(`query($id: ID!) { node(id: $id) { __typename ... on Agent { name } } }`, { id });
    expect(node.body.data.node).toEqual({ __typename: 'Agent', name: 'g1' });
    const theirs = await s.graphql(`query($id: ID!) { agent(id: $id) { name } }`, { id }, { key: other.key });
    expect(theirs.body.data.agent).toBeNull();

    const del = await s.graphql(`mutation { deleteAgent(user: "${u.username}", agent: "g2") { __typename ... on MutationDeleteAgentSuccess { data { name } } } }`);
    expect(del.body.data.deleteAgent.data).toEqual({ name: 'g2' });
    const gone = await s.graphql(`mutation { deleteAgent(user: "${u.username}", agent: "g2") { __typename ... on Error { message } } }`);
    expect(gone.body.data.deleteAgent).toEqual({ __typename: 'NotFoundError', message: 'agent not found' });
    const limit = await s.graphql(`mutation { createAgents(user: "${u.username}", agents: [{ name: "x1" }, { name: "x2" }, { name: "x3" }]) { __typename ... on Error { message code } } }`);
    expect(limit.body.data.createAgents).toEqual({ __typename: 'OperationError', message: 'agent limit reached: the free tier allows 3 agents (the user has 1)', code: 'tier_limit_agents' });
  });
});

describe('deploys are durable jobs', () => {
  it('a deploy queued by a process that runs no jobs is run by the next process on the same database; the user’s deploys run in order', async () => {
    const kind = testDatabaseKind();
    const dir = await mkdtemp(path.join(tmpdir(), 'personagraph-deploy-'));
    const shared = kind === 'pglite' ? { url: `pglite:${dir}`, drop: async () => {} } : await createTestDatabase();
    const apiOnly = await startTestServer({ ...FAST, DATABASE_URL: shared.url, JOB_CONCURRENCY: '0' });
    let worker: TestServer | null = null;
    try {
      const u = await newUser(apiOnly);
      await newAgent(u.id, { name: 'first' }, apiOnly);
      await newAgent(u.id, { name: 'second' }, apiOnly);
      await new Promise((r) => setTimeout(r, 300));
      const waiting = await apiOnly.request('GET', `/api/v1/users/${u.id}/deploy/status`);
      expect(waiting.body.status).toBe('queued');
      await apiOnly.close();

      worker = await startTestServer({ ...FAST, DATABASE_URL: shared.url, JOB_POLL_MS: '50' });
      const done = await settled(u.id, worker);
      expect(done.status).toBe('succeeded');
      const agents = await worker.request('GET', `/api/v1/users/${u.id}/agents`);
      expect(agents.body.map((a: any) => [a.name, a.status])).toEqual([['first', 'online'], ['second', 'online']]);
      const jobs = await worker.app.deps.prisma.deployJob.findMany({ where: { userId: u.id }, orderBy: { createdAt: 'asc' } });
      expect(jobs.map((j) => j.status)).toEqual(['succeeded', 'succeeded']);
      // in order: the second deploy started after the first had finished
      expect(jobs[1]!.updatedAt.getTime()).toBeGreaterThanOrEqual(jobs[0]!.updatedAt.getTime());
      const logs = await worker.request('GET', `/api/v1/users/${u.id}/logs?limit=100`);
      const started = (logs.body as any[]).filter((l) => /^deploy (started|succeeded)/.test(l.message)).reverse().map((l) => l.message.split(':')[0]);
      expect(started).toEqual(['deploy started', 'deploy succeeded', 'deploy started', 'deploy succeeded']);
    } finally {
      await worker?.close();
      await shared.drop();
    }
  });
});

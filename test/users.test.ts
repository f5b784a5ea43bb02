/**
 * Autonomis users and plans (seed 003) over real HTTP and GraphQL: create,
 * list, get with agents, change tier (and the limit that then blocks new
 * agents), delete with every row of the user's data gone, scopes, other teams.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestResponse, type TestServer } from './helpers/server.js';
import { expectPlainError } from './helpers/errors.js';

let s: TestServer;
let other: { teamId: string; key: string };

beforeAll(async () => {
  s = await startTestServer({ RATE_LIMIT_PER_MINUTE: '100000' });
  other = await s.createTeam('users other team');
});
afterAll(async () => {
  await s?.close();
});

let n = 0;
async function newUser(body: Record<string, unknown> = {}, key?: string) {
  const res = await s.request('POST', '/api/v1/users', { body: { username: `user-${++n}`, ...body }, ...(key ? { key } : {}) });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

describe('POST /api/v1/users', () => {
  it('creates a user on the free tier with its limits', async () => {
    const res = await s.request('POST', '/api/v1/users', { body: { username: 'alice', email: 'alice@example.com' } });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ username: 'alice', email: 'alice@example.com', tier: 'free', limits: { agents: 3 } });
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    const pro = await s.request('POST', '/api/v1/users', { body: { username: 'pro.user_1-x', tier: 'pro' } });
    expect(pro.status).toBe(201);
    expect(pro.body).toMatchObject({ tier: 'pro', email: null, limits: { agents: 25 } });
  });

  it('refuses a duplicate username in the team with 409, and another team may use it', async () => {
    await newUser({ username: 'twice' });
    expectPlainError(await s.request('POST', '/api/v1/users', { body: { username: 'twice' } }), 409, 'user already exists');
    expect((await s.request('POST', '/api/v1/users', { key: other.key, body: { username: 'twice' } })).status).toBe(201);
  });

  it('validates the body', async () => {
    const post = (body: unknown) => s.request('POST', '/api/v1/users', { body });
    expectPlainError(await post({}), 400, 'username is required');
    expectPlainError(await s.request('POST', '/api/v1/users'), 400, 'username is required');
    expectPlainError(await post({ username: '' }), 400, 'username is required');
    expectPlainError(await post({ username: 'x'.repeat(65) }), 400, 'username must be at most 64 characters');
    expectPlainError(await post({ username: 'Alice' }), 400, 'username may contain only a-z, 0-9, ".", "_" and "-"');
    expectPlainError(await post({ username: 'a/b' }), 400, 'username may contain only a-z, 0-9, ".", "_" and "-"');
    expect((await post({ username: 42 })).status).toBe(400);
    expectPlainError(await post({ username: 'ok-name', email: 'not-an-email' }), 400, 'email must be a valid email address');
    expectPlainError(await post({ username: 'ok-name', tier: 'platinum' }), 400, 'tier must be one of free, pro, enterprise');
    expectPlainError(await post([{ username: 'arr' }]), 400, 'Request body must be a JSON object');
    // nothing was created by the refused requests
    const list = await s.request('GET', '/api/v1/users');
    expect(list.body.map((u: any) => u.username)).not.toContain('ok-name');
  });

  it('needs agent:write; agent:read may read', async () => {
    const reader = await s.createKey(['agent:read']);
    expectPlainError(await s.request('POST', '/api/v1/users', { key: reader.key, body: { username: 'nope' } }), 403, 'This API key lacks the required scope: agent:write');
    expect((await s.request('GET', '/api/v1/users', { key: reader.key })).status).toBe(200);
    const none = await s.createKey(['persona:read']);
    expectPlainError(await s.request('GET', '/api/v1/users', { key: none.key }), 403, 'This API key lacks the required scope: agent:read');
    expect((await s.request('GET', '/api/v1/users', { key: null })).status).toBe(401);
  });
});

describe('GET /api/v1/users and /api/v1/users/{user}', () => {
  it('lists the team’s users as a plain array, oldest first, never another team’s', async () => {
    const a = await newUser();
    const theirs = await newUser({}, other.key);
    const list = await s.request('GET', '/api/v1/users');
    expect(list.status).toBe(200);
    expect(Array.isArray(list.body)).toBe(true);
    const ids = list.body.map((u: any) => u.id);
    expect(ids).toContain(a.id);
    expect(ids).not.toContain(theirs.id);
    const times = list.body.map((u: any) => Date.parse(u.createdAt));
    expect([...times].sort((x, y) => x - y)).toEqual(times);
  });

  it('gets a user by id or username, with their agents', async () => {
    const u = await newUser();
    const made = await s.request('POST', `/api/v1/users/${u.username}/agents`, { body: [{ name: 'one' }, { name: 'two' }] });
    expect(made.status, made.text).toBe(201);
    for (const ref of [u.id, u.username]) {
      const res = await s.request('GET', `/api/v1/users/${ref}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: u.id, username: u.username, tier: 'free' });
      expect(res.body.agents.map((a: any) => a.name)).toEqual(['one', 'two']);
      expect(res.body.agents[0]).not.toHaveProperty('key');
      expect(res.body.agents[0]).not.toHaveProperty('keyHash');
    }
  });

  it('answers {"error":"user not found"} for unknown users and other teams’ users', async () => {
    const theirs = await newUser({}, other.key);
    for (const ref of ['nobody', theirs.id, theirs.username === 'nobody' ? 'x' : 'no-such-user']) {
      expectPlainError(await s.request('GET', `/api/v1/users/${ref}`), 404, 'user not found');
    }
    expectPlainError(await s.request('GET', `/api/v1/users/${theirs.id}`), 404, 'user not found');
    expectPlainError(await s.request('DELETE', `/api/v1/users/${theirs.id}`), 404, 'user not found');
    expectPlainError(await s.request('PUT', `/api/v1/users/${theirs.id}/tier`, { body: { tier: 'pro' } }), 404, 'user not found');
    // and it is still there for its own team
    expect((await s.request('GET', `/api/v1/users/${theirs.id}`, { key: other.key })).status).toBe(200);
  });
});

describe('PUT /api/v1/users/{user}/tier', () => {
  it('changes the plan; unknown tiers are 400 listing the valid ones', async () => {
    const u = await newUser();
    const res = await s.request('PUT', `/api/v1/users/${u.id}/tier`, { body: { tier: 'enterprise' } });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ tier: 'enterprise', limits: { agents: 500 } });
    expectPlainError(await s.request('PUT', `/api/v1/users/${u.id}/tier`, { body: { tier: 'gold' } }), 400, 'tier must be one of free, pro, enterprise');
    expectPlainError(await s.request('PUT', `/api/v1/users/${u.id}/tier`, { body: {} }), 400, 'tier is required');
    expectPlainError(await s.request('PUT', `/api/v1/users/${u.id}/tier`, { body: { tier: 3 } }), 400, 'tier is required');
    expectPlainError(await s.request('PUT', `/api/v1/users/nobody-here/tier`, { body: { tier: 'pro' } }), 404, 'user not found');
    const reader = await s.createKey(['agent:read']);
    expect((await s.request('PUT', `/api/v1/users/${u.id}/tier`, { key: reader.key, body: { tier: 'free' } })).status).toBe(403);
    expect((await s.request('GET', `/api/v1/users/${u.id}`)).body.tier).toBe('enterprise');
  });

  it('a downgrade below current usage is allowed, then blocks new agents naming the limit', async () => {
    const u = await newUser({ tier: 'pro' });
    const made = await s.request('POST', `/api/v1/users/${u.id}/agents`, { body: [1, 2, 3, 4].map((i) => ({ name: `a${i}` })) });
    expect(made.status, made.text).toBe(201);
    const down = await s.request('PUT', `/api/v1/users/${u.id}/tier`, { body: { tier: 'free' } });
    expect(down.status).toBe(200);
    expect((await s.request('GET', `/api/v1/users/${u.id}/agents`)).body).toHaveLength(4);
    expectPlainError(
      await s.request('POST', `/api/v1/users/${u.id}/agents`, { body: { name: 'a5' } }),
      403,
      'agent limit reached: the free tier allows 3 agents (the user has 4)',
    );
    // deleting two brings the user under the limit again
    await s.request('DELETE', `/api/v1/users/${u.id}/agents/a1`);
    await s.request('DELETE', `/api/v1/users/${u.id}/agents/a2`);
    expect((await s.request('POST', `/api/v1/users/${u.id}/agents`, { body: { name: 'a5' } })).status).toBe(201);
  });
});

describe('DELETE /api/v1/users/{user}', () => {
  it('removes the user and every row of their data, leaving other users’ data alone', async () => {
    const prisma = s.app.deps.prisma;
    const teamId = (await s.request('GET', '/api/v1/me')).body.team.id;
    const seed = async () => {
      const u = await newUser();
      const made = await s.request('POST', `/api/v1/users/${u.id}/agents`, { body: [{ name: 'x' }, { name: 'y' }] });
      expect(made.status).toBe(201);
      const agentId = made.body[0].id;
      await s.request('PUT', `/api/v1/users/${u.id}/agents/x/templates`, { body: { 'SOUL.md': 'be x' } });
      // Rows of the modules other engineers build (secrets, files, skills, chat), written as they store them.
      await prisma.secret.create({ data: { teamId, userId: u.id, name: 'TOKEN', keyId: 'k1', ciphertext: 'sealed' } });
      await prisma.agentFile.create({ data: { teamId, agentId, path: 'notes.md', contentType: 'text/markdown', size: 2, sha256: 'ab', bytes: Buffer.from('hi') } });
      await prisma.skill.create({ data: { teamId, userId: u.id, slug: 'greet', name: 'greet', description: 'says hi', content: 'x', sha256: 'y', source: 'custom' } });
      const conversation = await prisma.conversation.create({ data: { teamId, agentId, name: 'default', createdBy: 'migration' } });
      await prisma.chatMessage.create({ data: { teamId, agentId, conversationId: conversation.id, role: 'user', content: 'hello' } });
      const run = await prisma.chatRun.create({ data: { teamId, userId: u.id, agentId, provider: 'embedded', model: 'm' } });
      await prisma.chatRunEvent.create({ data: { runId: run.id, seq: 1, type: 'delta', data: { delta: 'hi' } } });
      await prisma.agentLog.create({ data: { teamId, userId: u.id, agentId, level: 'info', message: 'hello' } });
      return { u, agentIds: made.body.map((a: any) => a.id) as string[], runId: run.id };
    };
    const victim = await seed();
    const bystander = await seed();
    const counts = async (x: { u: any; agentIds: string[]; runId: string }) => ({
      user: await prisma.agentUser.count({ where: { id: x.u.id } }),
      agents: await prisma.agent.count({ where: { userId: x.u.id } }),
      files: await prisma.agentFile.count({ where: { agentId: { in: x.agentIds } } }),
      secrets: await prisma.secret.count({ where: { userId: x.u.id } }),
      skills: await prisma.skill.count({ where: { userId: x.u.id } }),
      messages: await prisma.chatMessage.count({ where: { agentId: { in: x.agentIds } } }),
      runs: await prisma.chatRun.count({ where: { userId: x.u.id } }),
      runEvents: await prisma.chatRunEvent.count({ where: { runId: x.runId } }),
      deployJobs: await prisma.deployJob.count({ where: { userId: x.u.id } }),
      logs: await prisma.agentLog.count({ where: { userId: x.u.id } }),
    });
    const before = await counts(victim);
    for (const [table, c] of Object.entries(before)) expect(c, table).toBeGreaterThan(0);

    const res = await s.request('DELETE', `/api/v1/users/${victim.u.username}`);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ id: victim.u.id, username: victim.u.username, deleted: true });

    const after = await counts(victim);
    for (const [table, c] of Object.entries(after)) expect(c, table).toBe(0);
    const still = await counts(bystander);
    for (const [table, c] of Object.entries(still)) expect(c, table).toBeGreaterThan(0);

    expectPlainError(await s.request('GET', `/api/v1/users/${victim.u.id}`), 404, 'user not found');
    expectPlainError(await s.request('DELETE', `/api/v1/users/${victim.u.id}`), 404, 'user not found');
  });

  it('needs agent:write', async () => {
    const u = await newUser();
    const reader = await s.createKey(['agent:read']);
    expect((await s.request('DELETE', `/api/v1/users/${u.id}`, { key: reader.key })).status).toBe(403);
    expect((await s.request('GET', `/api/v1/users/${u.id}`)).status).toBe(200);
  });
});

describe('GraphQL', () => {
  it('creates, lists, reads (with limits and agents), changes tier and deletes users', async () => {
    const created = await s.graphql(
      `mutation($input: CreateAgentUserInput!) { createAgentUser(input: $input) { __typename ... on MutationCreateAgentUserSuccess { data { id username email tier limits { agents monthlyTokens } } } ... on Error { message } } }`,
      { input: { username: 'graph-gail', email: 'gail@example.com' } },
    );
    const user = created.body.data.createAgentUser.data;
    expect(user).toMatchObject({ username: 'graph-gail', email: 'gail@example.com', tier: 'free', limits: { agents: 3, monthlyTokens: 200000 } });

    const dup = await s.graphql(`mutation { createAgentUser(input: { username: "graph-gail" }) { __typename ... on Error { message } } }`);
    expect(dup.body.data.createAgentUser).toEqual({ __typename: 'ConflictError', message: 'user already exists' });

    await s.request('POST', `/api/v1/users/graph-gail/agents`, { body: { name: 'helper' } });
    const read = await s.graphql(`query($ref: ID!) { agentUser(ref: $ref) { id username agents { name status user { username } } } }`, { ref: 'graph-gail' });
    expect(read.body.data.agentUser).toMatchObject({ id: user.id, agents: [{ name: 'helper', user: { username: 'graph-gail' } }] });

    const list = await s.graphql(`{ agentUsers(first: 100) { edges { node { username } } } }`);
    expect(list.body.data.agentUsers.edges.map((e: any) => e.node.username)).toContain('graph-gail');

    const node = await s.graphql(`query($id: ID!) { node(id: $id) { __typename ... on AgentUser { username } } }`, { id: user.id });
    expect(node.body.data.node).toEqual({ __typename: 'AgentUser', username: 'graph-gail' });

    const bad = await s.graphql(`mutation { setAgentUserTier(user: "graph-gail", tier: "gold") { __typename ... on Error { message } } }`);
    expect(bad.body.data.setAgentUserTier).toEqual({ __typename: 'ValidationError', message: 'tier must be one of free, pro, enterprise' });
    const good = await s.graphql(`mutation { setAgentUserTier(user: "graph-gail", tier: "pro") { ... on MutationSetAgentUserTierSuccess { data { tier limits { agents } } } } }`);
    expect(good.body.data.setAgentUserTier.data).toEqual({ tier: 'pro', limits: { agents: 25 } });

    const theirs = await s.graphql(`query($ref: ID!) { agentUser(ref: $ref) { id } }`, { ref: 'graph-gail' }, { key: other.key });
    expect(theirs.body.data.agentUser).toBeNull();

    const del = await s.graphql(`mutation { deleteAgentUser(user: "graph-gail") { __typename ... on MutationDeleteAgentUserSuccess { data { username agents { name } } } } }`);
    expect(del.body.data.deleteAgentUser.data).toEqual({ username: 'graph-gail', agents: [{ name: 'helper' }] });
    const gone = await s.graphql(`mutation { deleteAgentUser(user: "graph-gail") { __typename ... on Error { message } } }`);
    expect(gone.body.data.deleteAgentUser).toEqual({ __typename: 'NotFoundError', message: 'user not found' });
  });

  it('refuses without the scope', async () => {
    const none = await s.createKey(['persona:read']);
    const res = await s.graphql(`{ agentUsers(first: 5) { edges { node { id } } } }`, {}, { key: none.key });
    expect(res.body.errors?.[0].message).toBe('This API key lacks the required scope: agent:read');
    const w = await s.graphql(`mutation { createAgentUser(input: { username: "zed" }) { __typename ... on ForbiddenError { scope } } }`, {}, { key: none.key });
    expect(w.body.data.createAgentUser).toEqual({ __typename: 'ForbiddenError', scope: 'agent:write' });
  });
});

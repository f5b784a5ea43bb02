/**
 * GET /api/v1/users/{user}/usage (seed 003) and the `usage` query: this
 * month's (UTC) prompt and completion tokens by agent and model, with the
 * plan's monthly limit and what remains; tokens counted with the cl100k
 * tokenizer when the provider reports none; bad references and scopes.
 */
import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';
import { startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';

let s: TestServer;
let fake: FakeOpenAI;
const tokenizer = new Tiktoken(cl100k);

beforeAll(async () => {
  fake = await startFakeOpenAI();
  s = await startTestServer({ RATE_LIMIT_PER_MINUTE: '100000', OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'sk-test-usage-000000000000' });
});
afterAll(async () => {
  await s?.close();
  await fake?.close();
});

const say = (content: string) => ({ messages: [{ role: 'user', content }] });

async function chat(user: string, agent: string, content: string): Promise<string> {
  const res = await s.request('POST', `/api/v1/users/${user}/agents/${agent}/chat`, { body: say(content) });
  expect(res.status, res.text).toBe(200);
  return res.body.message as string;
}

describe('GET /api/v1/users/{user}/usage', () => {
  it('sums this month’s tokens by agent and model, against the plan’s limit', async () => {
    const u = (await s.request('POST', '/api/v1/users', { body: { username: 'counter' } })).body.id as string;
    for (const body of [
      { name: 'scribe', provider: 'embedded' },
      { name: 'oracle', provider: 'openai', model: 'gpt-4o-mini' },
    ]) {
      expect((await s.request('POST', `/api/v1/users/${u}/agents`, { body })).status).toBe(201);
    }
    const empty = await s.request('GET', `/api/v1/users/counter/usage`);
    expect(empty.status, empty.text).toBe(200);
    expect(empty.body).toMatchObject({ tier: 'free', limit: 200_000, used: 0, remaining: 200_000, promptTokens: 0, completionTokens: 0, byAgent: [] });
    expect(empty.body.month).toBe(new Date().toISOString().slice(0, 7));

    // The embedded model reports usage counted with the tokenizer: its completion is exactly the reply's cl100k tokens.
    const reply = await chat(u, 'scribe', 'Summarise the harbour rules for me.');
    await chat(u, 'scribe', 'And the fishing season?');
    fake.chat.reply = 'Calm seas ahead.';
    fake.chat.reportUsage = true;
    await chat(u, 'oracle', 'Forecast?'); // the server reports 11 prompt + 3 completion
    fake.chat.reportUsage = false;
    await chat(u, 'oracle', 'Again?'); // none reported: counted
    fake.chat.reportUsage = true;

    // A run from last month does not count.
    const agentRow = await s.app.deps.prisma.agent.findFirstOrThrow({ where: { userId: u, name: 'scribe' } });
    const now = new Date();
    await s.app.deps.prisma.chatRun.create({
      data: {
        teamId: agentRow.teamId,
        userId: u,
        agentId: agentRow.id,
        provider: 'embedded',
        model: 'embedded-chat-v1',
        status: 'done',
        promptTokens: 90_000,
        completionTokens: 90_000,
        createdAt: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1) - 1000),
      },
    });

    const res = await s.request('GET', `/api/v1/users/${u}/usage`);
    expect(res.status).toBe(200);
    const rows = res.body.byAgent as { agent: string; model: string; promptTokens: number; completionTokens: number; totalTokens: number }[];
    expect(rows.map((r) => `${r.agent}/${r.model}`)).toEqual(['oracle/gpt-4o-mini', 'scribe/embedded-chat-v1']);
    const oracle = rows[0]!;
    expect(oracle.completionTokens).toBe(3 + tokenizer.encode('Calm seas ahead.').length);
    expect(oracle.promptTokens).toBeGreaterThan(11);
    const runs = await s.app.deps.prisma.chatRun.findMany({ where: { userId: u, createdAt: { gte: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)) } } });
    const scribeRuns = runs.filter((r) => r.agentId === agentRow.id);
    expect(rows[1]).toMatchObject({
      promptTokens: scribeRuns.reduce((n, r) => n + r.promptTokens, 0),
      completionTokens: scribeRuns.reduce((n, r) => n + r.completionTokens, 0),
    });
    expect(scribeRuns.map((r) => r.completionTokens)).toContain(tokenizer.encode(reply).length);
    const used = runs.reduce((n, r) => n + r.promptTokens + r.completionTokens, 0);
    expect(res.body).toMatchObject({ used, totalTokens: used, remaining: 200_000 - used });
    expect(res.body.promptTokens + res.body.completionTokens).toBe(used);
    for (const r of rows) expect(r.totalTokens).toBe(r.promptTokens + r.completionTokens);

    // A bigger plan raises the limit.
    expect((await s.request('PUT', `/api/v1/users/${u}/tier`, { body: { tier: 'pro' } })).status).toBe(200);
    expect((await s.request('GET', `/api/v1/users/${u}/usage`)).body).toMatchObject({ tier: 'pro', limit: 5_000_000, remaining: 5_000_000 - used });

    // The graph answers the same report.
    const gql = await s.graphql(
      `query($u: ID!) { usage(user: $u) { month tier limit used remaining promptTokens completionTokens byAgent { agent model promptTokens completionTokens totalTokens } } }`,
      { u: 'counter' },
    );
    const again = (await s.request('GET', `/api/v1/users/${u}/usage`)).body;
    expect(gql.body.data.usage).toEqual({
      month: again.month,
      tier: again.tier,
      limit: again.limit,
      used: again.used,
      remaining: again.remaining,
      promptTokens: again.promptTokens,
      completionTokens: again.completionTokens,
      byAgent: again.byAgent.map(({ agentId: _id, ...r }: Record<string, unknown>) => r),
    });
  });

  it('unknown and foreign users are 404; reading usage needs agent:read', async () => {
    const missing = await s.request('GET', '/api/v1/users/nobody-here/usage');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: 'user not found' });
    const u = (await s.request('POST', '/api/v1/users', { body: { username: 'private-usage' } })).body.id as string;
    const other = await s.createTeam('usage other team');
    const foreign = await s.request('GET', `/api/v1/users/${u}/usage`, { key: other.key });
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual({ error: 'user not found' });
    const chatOnly = (await s.createKey(['agent:chat'])).key;
    const denied = await s.request('GET', `/api/v1/users/${u}/usage`, { key: chatOnly });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toContain('agent:read');
  });
});

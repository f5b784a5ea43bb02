/**
 * EvalStudio connectors, scenarios, evals, evaluator types, the LLM catalog
 * and /api/status over real HTTP: shapes, every documented error message,
 * 404 for other teams, scopes, connector test and invoke against a local
 * LangGraph server and an OpenAI-compatible one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestResponse, type TestServer } from './helpers/server.js';
import { startFakeLangGraph, type FakeLangGraph } from './helpers/fake-langgraph.js';
import { startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { expectPlainError } from './helpers/errors.js';

let s: TestServer;
let lg: FakeLangGraph;
let fake: FakeOpenAI;
let other: { teamId: string; key: string };

beforeAll(async () => {
  [s, lg, fake] = await Promise.all([startTestServer({ RATE_LIMIT_PER_MINUTE: '100000', OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' }), startFakeLangGraph(), startFakeOpenAI()]);
  other = await s.createTeam('eval crud other team');
});
afterAll(async () => {
  await s?.close();
  await lg?.close();
  await fake?.close();
});

let seq = 0;
async function newProject(key?: string): Promise<string> {
  const res = await s.request('POST', '/api/projects', { body: { name: `eval crud ${++seq}` }, ...(key ? { key } : {}) });
  expect(res.status, res.text).toBe(201);
  return res.body.id;
}
const lgConnector = (name = `lg-${++seq}`) => ({ name, type: 'langgraph', baseUrl: lg.url, headers: { 'X-Team': 'qa' }, config: { assistantId: 'agent' } });

describe('connectors', () => {
  it('creates, lists as a plain array, reads, updates partially (headers and config replaced whole) and deletes', async () => {
    const pid = await newProject();
    const created = await s.request('POST', `/api/projects/${pid}/connectors`, { body: lgConnector('support bot') });
    expect(created.status, created.text).toBe(201);
    // Header values are secrets: shown masked (like user secrets), sent in full (test/secret-hosts.test.ts).
    expect(created.body).toMatchObject({ name: 'support bot', type: 'langgraph', baseUrl: lg.url, headers: { 'X-Team': '**' }, config: { assistantId: 'agent' } });
    const id = created.body.id;
    const list = await s.request('GET', `/api/projects/${pid}/connectors`);
    expect(list.body.map((c: any) => c.id)).toEqual([id]);
    expect((await s.request('GET', `/api/projects/${pid}/connectors/${id}`)).body).toEqual(created.body);

    const renamed = await s.request('PUT', `/api/projects/${pid}/connectors/${id}`, { body: { name: 'renamed' } });
    expect(renamed.body).toMatchObject({ name: 'renamed', headers: { 'X-Team': '**' }, config: { assistantId: 'agent' } });
    const replaced = await s.request('PUT', `/api/projects/${pid}/connectors/${id}`, { body: { headers: { Authorization: 'Bearer t' }, config: { assistantId: 'other', configurable: { lang: 'fr' } } } });
    expect(replaced.body.headers).toEqual({ Authorization: '********' });
    expect(replaced.body.config).toEqual({ assistantId: 'other', configurable: { lang: 'fr' } });

    const del = await s.request('DELETE', `/api/projects/${pid}/connectors/${id}`);
    expect(del.status).toBe(204);
    expectPlainError(await s.request('GET', `/api/projects/${pid}/connectors/${id}`), 404, 'Connector not found');
    expectPlainError(await s.request('DELETE', `/api/projects/${pid}/connectors/${id}`), 404, 'Connector not found');
  });

  it('answers every documented error', async () => {
    const pid = await newProject();
    const post = (body: unknown) => s.request('POST', `/api/projects/${pid}/connectors`, { body });
    expectPlainError(await post({}), 400, 'Name is required');
    expectPlainError(await post({ name: '  ', type: 'http', baseUrl: fake.url }), 400, 'Name is required');
    expectPlainError(await post({ name: 'x' }), 400, 'Type is required');
    expectPlainError(await post({ name: 'x', type: 'http' }), 400, 'Base URL is required');
    expectPlainError(await post({ name: 'x', type: 'langgraph', baseUrl: '' }), 400, 'Base URL is required');
    expectPlainError(await post({ name: 'x', type: 'soap', baseUrl: fake.url }), 400, 'Type must be one of langgraph, http, agent');
    expectPlainError(await post({ name: 'x', type: 'langgraph', baseUrl: lg.url }), 400, 'config.assistantId is required for langgraph connectors');
    expectPlainError(await post({ name: 'x', type: 'agent' }), 400, 'config.agentId is required for agent connectors');
    expectPlainError(await post({ name: 'x', type: 'agent', config: { agentId: 'nope' } }), 404, 'Agent not found');
    expect((await post(lgConnector('twice'))).status).toBe(201);
    const dup = await post(lgConnector('twice'));
    expect(dup.status).toBe(409);
    expect(dup.body.error).toBe('Connector with name already exists');
    expectPlainError(await s.request('GET', `/api/projects/${pid}/connectors/ffffffff-0000-4000-8000-000000000000`), 404, 'Connector not found');
    expectPlainError(await s.request('PUT', `/api/projects/${pid}/connectors/nope`, { body: { name: 'y' } }), 404, 'Connector not found');
    expectPlainError(await s.request('POST', `/api/projects/${pid}/connectors/nope/test`), 404, 'Connector not found');
    expectPlainError(await s.request('GET', '/api/projects/ffffffff-0000-4000-8000-000000000000/connectors'), 404, 'Project not found');
  });

  it('refuses private addresses unless the server allows them', async () => {
    const strict = await startTestServer({ RATE_LIMIT_PER_MINUTE: '100000' });
    try {
      const pid = (await strict.request('POST', '/api/projects', { body: { name: 'strict' } })).body.id;
      const res = await strict.request('POST', `/api/projects/${pid}/connectors`, { body: { name: 'x', type: 'http', baseUrl: 'http://169.254.169.254/v1' } });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(/^Base URL .*metadata|^Base URL .*refused/);
      const local = await strict.request('POST', `/api/projects/${pid}/connectors`, { body: { name: 'y', type: 'http', baseUrl: fake.url } });
      expect(local.status).toBe(400);
    } finally {
      await strict.close();
    }
  });

  it('GET /connectors/types maps each type to a description', async () => {
    const pid = await newProject();
    const res = await s.request('GET', `/api/projects/${pid}/connectors/types`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['agent', 'http', 'langgraph']);
    for (const v of Object.values(res.body)) expect(typeof v).toBe('string');
  });

  it('test calls GET {baseUrl}/info; invoke sends messages with persona headers over connector headers', async () => {
    const pid = await newProject();
    const c = (await s.request('POST', `/api/projects/${pid}/connectors`, { body: lgConnector() })).body;
    const test = await s.request('POST', `/api/projects/${pid}/connectors/${c.id}/test`);
    expect(test.status).toBe(200);
    expect(test.body).toMatchObject({ success: true, latencyMs: expect.any(Number) });
    expect(lg.requests.at(-1)).toMatchObject({ method: 'GET', path: '/info' });

    const persona = (await s.request('POST', `/api/projects/${pid}/personas`, { body: { name: 'p', headers: { 'x-team': 'persona', 'X-User-Language': 'fr' } } })).body;
    const inv = await s.request('POST', `/api/projects/${pid}/connectors/${c.id}/invoke`, {
      body: { messages: [{ role: 'user', content: 'Where is my order?' }], personaId: persona.id },
    });
    expect(inv.status).toBe(200);
    expect(inv.body).toMatchObject({ success: true, threadId: expect.any(String), tokensUsage: { input_tokens: 10, output_tokens: 5, total_tokens: 15 } });
    expect(inv.body.messages).toEqual([{ role: 'assistant', content: 'Thanks for your message about: Where is my order?' }]);
    const wire = lg.requests.at(-1)!;
    expect(wire.headers['x-team']).toBe('persona');
    expect(wire.headers['x-user-language']).toBe('fr');
    expect(wire.headers['content-type']).toBe('application/json');
    expect(wire.body).toMatchObject({ assistant_id: 'agent', multitask_strategy: 'enqueue', if_not_exists: 'create', input: { messages: [{ role: 'user', content: 'Where is my order?' }] } });

    expectPlainError(await s.request('POST', `/api/projects/${pid}/connectors/${c.id}/invoke`, { body: {} }), 400, 'Messages array is required');
    expectPlainError(await s.request('POST', `/api/projects/${pid}/connectors/${c.id}/invoke`, { body: { messages: [] } }), 400, 'Messages array is required');
    expectPlainError(await s.request('POST', `/api/projects/${pid}/connectors/${c.id}/invoke`, { body: { messages: 'hi' } }), 400, 'Messages array is required');

    lg.failWith(500);
    try {
      const failed = await s.request('POST', `/api/projects/${pid}/connectors/${c.id}/invoke`, { body: { messages: [{ role: 'user', content: 'hi' }] } });
      expect(failed.status).toBe(200);
      expect(failed.body).toMatchObject({ success: false, messages: [], error: 'HTTP 500: the graph failed' });
      expect((await s.request('POST', `/api/projects/${pid}/connectors/${c.id}/test`)).body).toMatchObject({ success: false, error: 'HTTP 500' });
    } finally {
      lg.failWith(null);
    }
  });

  it('an http connector calls an OpenAI-compatible chat completions endpoint', async () => {
    const pid = await newProject();
    fake.content.chatReply = (body) => `You sent ${(body.messages as unknown[]).length} message(s) to ${String(body.model)}`;
    const c = (await s.request('POST', `/api/projects/${pid}/connectors`, { body: { name: 'openai-ish', type: 'http', baseUrl: fake.url, headers: { Authorization: 'Bearer sk-test' }, config: { model: 'gpt-4o-mini' } } })).body;
    const inv = await s.request('POST', `/api/projects/${pid}/connectors/${c.id}/invoke`, { body: { messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }, { role: 'user', content: 'again' }] } });
    expect(inv.body).toMatchObject({ success: true, messages: [{ role: 'assistant', content: 'You sent 3 message(s) to gpt-4o-mini' }], tokensUsage: { input_tokens: 21 } });
    const wire = fake.requests.at(-1)!;
    expect(wire.path).toBe('/v1/chat/completions');
    expect(wire.headers.authorization).toBe('Bearer sk-test');
    fake.content.chatReply = null;
  });

  it('another team gets 404; a key without eval scopes gets 403', async () => {
    const pid = await newProject();
    const c = (await s.request('POST', `/api/projects/${pid}/connectors`, { body: lgConnector() })).body;
    expectPlainError(await s.request('GET', `/api/projects/${pid}/connectors/${c.id}`, { key: other.key }), 404, 'Project not found');
    const theirs = await newProject(other.key);
    expectPlainError(await s.request('GET', `/api/projects/${theirs}/connectors/${c.id}`, { key: other.key }), 404, 'Connector not found');
    const { key } = await s.createKey(['eval:read']);
    expect((await s.request('GET', `/api/projects/${pid}/connectors`, { key })).status).toBe(200);
    const denied = await s.request('POST', `/api/projects/${pid}/connectors`, { key, body: lgConnector() });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toContain('eval:write');
    const personaOnly = await s.createKey(['persona:read']);
    expect((await s.request('GET', `/api/projects/${pid}/connectors`, { key: personaOnly.key })).body.error).toContain('eval:read');
  });
});

describe('scenarios', () => {
  it('CRUD with defaults, partial PUT, and the simulated user’s prompt', async () => {
    const pid = await newProject();
    const persona = (await s.request('POST', `/api/projects/${pid}/personas`, { body: { name: 'Impatient Ivy', description: 'In a hurry', systemPrompt: 'You hate waiting.' } })).body;
    const res = await s.request('POST', `/api/projects/${pid}/scenarios`, {
      body: { name: 'refund', instructions: 'Ask for a refund for a broken kettle.', successCriteria: 'The agent explains the refund policy', personaIds: [persona.id], messages: [{ role: 'user', content: 'Hi' }] },
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ name: 'refund', maxMessages: 10, failureCriteriaMode: 'on_max_messages', evaluators: [], personaIds: [persona.id], messages: [{ role: 'user', content: 'Hi' }] });
    const id = res.body.id;
    const upd = await s.request('PUT', `/api/projects/${pid}/scenarios/${id}`, { body: { maxMessages: 4, failureCriteria: 'The agent is rude', failureCriteriaMode: 'every_turn' } });
    expect(upd.body).toMatchObject({ name: 'refund', maxMessages: 4, failureCriteriaMode: 'every_turn', instructions: 'Ask for a refund for a broken kettle.' });

    const prompt = await s.request('GET', `/api/projects/${pid}/scenarios/${id}/prompt?personaId=${persona.id}`);
    expect(prompt.status).toBe(200);
    expect(prompt.body.messages).toEqual([{ role: 'user', content: 'Hi' }]);
    for (const part of ['Impatient Ivy', 'In a hurry', 'You hate waiting.', 'Ask for a refund']) expect(prompt.body.systemPrompt).toContain(part);
    // The simulated user is not given the criteria (issue 19: it recited them, and an agent echoing it passed).
    expect(prompt.body.systemPrompt).not.toContain('The agent explains the refund policy');
    expect(prompt.body.systemPrompt).not.toContain('The agent is rude');
    const bare = await s.request('GET', `/api/projects/${pid}/scenarios/${id}/prompt`);
    expect(bare.body.systemPrompt).not.toContain('Impatient Ivy');
    expectPlainError(await s.request('GET', `/api/projects/${pid}/scenarios/${id}/prompt?personaId=nope`), 404, 'Persona not found');

    expect((await s.request('GET', `/api/projects/${pid}/scenarios`)).body.map((x: any) => x.id)).toEqual([id]);
    expect((await s.request('DELETE', `/api/projects/${pid}/scenarios/${id}`)).status).toBe(204);
    expectPlainError(await s.request('GET', `/api/projects/${pid}/scenarios/${id}`), 404, 'Scenario not found');
  });

  it('answers its errors: name, duplicates, unknown ids, bad evaluator configs', async () => {
    const pid = await newProject();
    const post = (body: unknown) => s.request('POST', `/api/projects/${pid}/scenarios`, { body });
    expectPlainError(await post({}), 400, 'Name is required');
    expect((await post({ name: 'same' })).status).toBe(201);
    const dup = await post({ name: 'same' });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toBe('Scenario with name already exists');
    expectPlainError(await post({ name: 'm', maxMessages: 0 }), 400, 'maxMessages must be an integer between 1 and 100');
    expectPlainError(await post({ name: 'f', failureCriteriaMode: 'sometimes' }), 400, 'failureCriteriaMode must be on_max_messages or every_turn');
    expectPlainError(await post({ name: 'p', personaIds: ['ghost'] }), 404, 'Persona not found: ghost');
    const bad = await post({ name: 'e', evaluators: [{ type: 'regex', config: { pattern: '(' } }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^Invalid config for evaluator "regex"/);
    expect((await post({ name: 'e2', evaluators: [{ type: 'contains' }] })).body.error).toMatch(/^Invalid config for evaluator "contains"/);
    // An unknown type is accepted here (it fails the run instead).
    expect((await post({ name: 'custom', evaluators: [{ type: 'my-plugin' }] })).status).toBe(201);
    expectPlainError(await s.request('PUT', `/api/projects/${pid}/scenarios/nope`, { body: {} }), 404, 'Scenario not found');
    expectPlainError(await s.request('DELETE', `/api/projects/${pid}/scenarios/nope`), 404, 'Scenario not found');
  });
});

describe('evals', () => {
  it('CRUD, ?expand=true, and every error', async () => {
    const pid = await newProject();
    const c = (await s.request('POST', `/api/projects/${pid}/connectors`, { body: lgConnector() })).body;
    const s1 = (await s.request('POST', `/api/projects/${pid}/scenarios`, { body: { name: 'one', successCriteria: 'x' } })).body;
    const s2 = (await s.request('POST', `/api/projects/${pid}/scenarios`, { body: { name: 'two', successCriteria: 'y' } })).body;
    const post = (body: unknown) => s.request('POST', `/api/projects/${pid}/evals`, { body });
    expectPlainError(await post({}), 400, 'Name is required');
    expectPlainError(await post({ name: 'e' }), 400, 'Connector ID is required');
    expectPlainError(await post({ name: 'e', connectorId: c.id }), 400, 'At least one Scenario ID is required');
    expectPlainError(await post({ name: 'e', connectorId: c.id, scenarioIds: [] }), 400, 'At least one Scenario ID is required');
    expectPlainError(await post({ name: 'e', connectorId: 'nope', scenarioIds: [s1.id] }), 404, 'Connector not found');
    expectPlainError(await post({ name: 'e', connectorId: c.id, scenarioIds: [s1.id, 'nope'] }), 404, 'Scenario not found');
    const ev = await post({ name: 'nightly', connectorId: c.id, scenarioIds: [s2.id, s1.id] });
    expect(ev.status, ev.text).toBe(201);
    expect(ev.body).toMatchObject({ name: 'nightly', connectorId: c.id, scenarioIds: [s2.id, s1.id] });
    const dup = await post({ name: 'nightly', connectorId: c.id, scenarioIds: [s1.id] });
    expect(dup.status).toBe(409);
    const expanded = await s.request('GET', `/api/projects/${pid}/evals/${ev.body.id}?expand=true`);
    expect(expanded.body.scenarios.map((x: any) => x.name)).toEqual(['two', 'one']);
    expect(expanded.body.connector).toMatchObject({ id: c.id, type: 'langgraph' });
    expect((await s.request('GET', `/api/projects/${pid}/evals/${ev.body.id}`)).body.scenarios).toBeUndefined();
    const upd = await s.request('PUT', `/api/projects/${pid}/evals/${ev.body.id}`, { body: { scenarioIds: [s1.id] } });
    expect(upd.body).toMatchObject({ name: 'nightly', scenarioIds: [s1.id] });
    expectPlainError(await s.request('PUT', `/api/projects/${pid}/evals/${ev.body.id}`, { body: { scenarioIds: [] } }), 400, 'At least one Scenario ID is required');
    expect((await s.request('GET', `/api/projects/${pid}/evals`)).body).toHaveLength(1);
    expect((await s.request('DELETE', `/api/projects/${pid}/evals/${ev.body.id}`)).status).toBe(204);
    expectPlainError(await s.request('GET', `/api/projects/${pid}/evals/${ev.body.id}`), 404, 'Eval not found');
  });
});

describe('evaluator types, LLM catalog, status', () => {
  it('lists evaluator types with kind, config schema, builtin and auto', async () => {
    const pid = await newProject();
    const res = await s.request('GET', `/api/projects/${pid}/evaluator-types`);
    expect(res.status).toBe(200);
    const byType = Object.fromEntries(res.body.map((t: any) => [t.type, t]));
    expect(Object.keys(byType).sort()).toEqual(['contains', 'json-schema', 'jsonpath', 'regex', 'token-usage', 'tool-call-count']);
    expect(byType['token-usage']).toMatchObject({ kind: 'metric', auto: true, builtin: true });
    expect(byType.contains).toMatchObject({ kind: 'assertion', auto: false, label: expect.any(String), description: expect.any(String), configSchema: { type: 'object' } });
  });

  it('answers the LLM catalog and status', async () => {
    const all = await s.request('GET', '/api/llm-providers/models');
    expect(all.status).toBe(200);
    expect(all.body.openai).toContain('gpt-4o-mini');
    expect(all.body.embedded).toContain('embedded-judge-v1');
    expect((await s.request('GET', '/api/llm-providers/openai/models')).body).toEqual(all.body.openai);
    expectPlainError(await s.request('GET', '/api/llm-providers/cohere/models'), 400, 'Invalid provider type');
    const status = await s.request('GET', '/api/status', { key: null });
    expect(status.status).toBe(200);
    expect(status.body).toEqual({ name: 'personagraph', version: expect.any(String), status: 'ok', timestamp: expect.any(String), node: process.version });
  });
});

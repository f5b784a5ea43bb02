/**
 * EvalStudio runs end to end over real HTTP, executed by the job queue:
 * against an internal agent (embedded models), a local fake LangGraph server
 * (only unseen messages each turn, one thread per run, persona headers over
 * connector headers on the wire), an OpenAI-compatible endpoint with an
 * OpenAI-compatible judge and simulated user; run errors, retry and cancel,
 * the per-project concurrency limit, execution results and webhook events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestResponse, type TestServer } from './helpers/server.js';
import { defaultReply, startFakeLangGraph, type FakeLangGraph } from './helpers/fake-langgraph.js';
import { startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { expectPlainError } from './helpers/errors.js';
import { waitRun } from './helpers/evals.js';

let s: TestServer;
let lg: FakeLangGraph;
let fake: FakeOpenAI;
let agentUser: string;

beforeAll(async () => {
  [s, lg, fake] = await Promise.all([
    startTestServer({ RATE_LIMIT_PER_MINUTE: '100000', OUTBOUND_ALLOWED_HOSTS: '127.0.0.1', JOB_POLL_MS: '50', JOB_CONCURRENCY: '4' }),
    startFakeLangGraph(),
    startFakeOpenAI(),
  ]);
  agentUser = (await s.request('POST', '/api/v1/users', { body: { username: 'eval-agents', tier: 'enterprise' } })).body.id;
});
afterAll(async () => {
  await s?.close();
  await lg?.close();
  await fake?.close();
});

let seq = 0;
async function post(path: string, body: unknown) {
  const res = await s.request('POST', path, { body });
  expect(res.status, `${path}: ${res.text}`).toBe(201);
  return res.body;
}
const newProject = async () => (await post('/api/projects', { name: `eval runs ${++seq}` })).id as string;
const persona = (pid: string, body: Record<string, unknown>) => post(`/api/projects/${pid}/personas`, body);
const scenario = (pid: string, body: Record<string, unknown>) => post(`/api/projects/${pid}/scenarios`, { name: `scenario ${++seq}`, ...body });
const lgConnector = (pid: string, extra: Record<string, unknown> = {}) =>
  post(`/api/projects/${pid}/connectors`, { name: `lg ${++seq}`, type: 'langgraph', baseUrl: lg.url, config: { assistantId: 'support' }, ...extra });


async function playground(pid: string, body: Record<string, unknown>) {
  const run = await post(`/api/projects/${pid}/runs/playground`, body);
  return waitRun(s, pid, run.id);
}

describe('a run against an internal agent (embedded models, offline)', () => {
  it('converses in the persona’s voice, judges heuristically, runs evaluators, keeps the agent’s history clean, and aggregates per execution', async () => {
    const pid = await newProject();
    const agent = (await s.request('POST', `/api/v1/users/${agentUser}/agents`, { body: { name: `support-${++seq}`, provider: 'embedded' } })).body;
    const connector = await post(`/api/projects/${pid}/connectors`, { name: 'our agent', type: 'agent', config: { agentId: agent.id } });
    expect(connector.baseUrl).toBe(`agent://${agent.id}`);
    const ivy = await persona(pid, { name: 'Impatient Ivy', description: 'Always in a hurry', systemPrompt: 'You want quick answers.' });
    const polly = await persona(pid, { name: 'Polite Polly', description: 'Very polite and friendly' });
    const sc = await scenario(pid, {
      instructions: 'Ask about the refund policy for a broken kettle.',
      successCriteria: 'The agent talks about the refund policy',
      evaluators: [{ type: 'contains', config: { value: 'refund' } }],
      personaIds: [ivy.id, polly.id],
    });
    const lonely = await scenario(pid, { instructions: 'Ask about delivery times.', successCriteria: 'delivery times' });
    const ev = await post(`/api/projects/${pid}/evals`, { name: 'agent eval', connectorId: connector.id, scenarioIds: [sc.id, lonely.id] });

    const started = await s.request('POST', `/api/projects/${pid}/runs`, { body: { evalId: ev.id } });
    expect(started.status, started.text).toBe(201);
    expect(started.body).toHaveLength(3);
    const executionId = started.body[0].executionId;
    expect(Number.isInteger(executionId)).toBe(true);
    for (const r of started.body) expect(r).toMatchObject({ status: 'queued', evalId: ev.id, connectorId: connector.id, executionId, messages: [] });
    expect(started.body.map((r: any) => [r.scenarioId, r.personaId ?? null])).toEqual([
      [sc.id, ivy.id],
      [sc.id, polly.id],
      [lonely.id, null],
    ]);

    const runs = await Promise.all(started.body.map((r: any) => waitRun(s, pid, r.id)));
    for (const run of runs) {
      expect(run.status, run.error).toBe('completed');
      // The embedded agent only talks about what the user said: that met the criteria under the old keyword judge
      // (issue 19's bug); the judge now discounts echoes and cannot tell, so no run passes.
      expect(run.result).toMatchObject({ success: false, verdict: 'inconclusive', score: 0 });
      expect(run.result.reason).toMatch(/^Max messages \(\d+\) reached; the judge could not tell .*Heuristic verdict from the embedded judge/);
      expect(run.messages[0].role).toBe('system');
      expect(run.messages[1]).toMatchObject({ role: 'user', metadata: { provider: 'embedded' } });
      expect(run.messages[2].role).toBe('assistant');
      expect(run.messages[2].content).toContain('embedded model');
      expect(run.output).toMatchObject({ messageCount: 10, maxMessagesReached: true, totalLatencyMs: expect.any(Number), avgLatencyMs: expect.any(Number), evaluation: { decision: 'inconclusive', successMet: false } });
      expect(run.output.metrics['token-usage']).toBeGreaterThan(0);
      expect(run.output.metrics['tool-call-count']).toBe(0);
      expect(run.startedAt && run.completedAt && run.latencyMs !== undefined).toBeTruthy();
    }
    const [ivyRun, pollyRun] = runs;
    expect(ivyRun.messages[0].content).toContain('Impatient Ivy');
    expect(ivyRun.messages[1].content).toContain('refund policy');
    // Two personas, two voices for the same request.
    expect(ivyRun.messages[1].content).not.toBe(pollyRun.messages[1].content);
    expect(ivyRun.output.evaluatorResults.find((r: any) => r.type === 'contains')).toMatchObject({ kind: 'assertion', passed: true });
    // Each run was its own conversation: nothing was added to the agent's kept history.
    expect(await s.app.deps.prisma.chatMessage.count({ where: { agentId: agent.id } })).toBe(0);

    const summary = await s.request('GET', `/api/projects/${pid}/executions/${executionId}`);
    expect(summary.status).toBe(200);
    // Inconclusive runs count as not passed.
    expect(summary.body).toMatchObject({ executionId, evalId: ev.id, runs: 3, completed: 3, passed: 0, failed: 3, passRate: 0, statusCounts: { completed: 3 } });
    expect(summary.body.byPersona).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ personaId: ivy.id, personaName: 'Impatient Ivy', runs: 1, passRate: 0 }),
        expect.objectContaining({ personaId: null, runs: 1 }),
      ]),
    );
    expect(summary.body.byScenario).toEqual(expect.arrayContaining([expect.objectContaining({ scenarioId: sc.id, runs: 2, passed: 0 })]));
    expect(summary.body.tokens.total_tokens).toBeGreaterThan(0);
    expectPlainError(await s.request('GET', `/api/projects/${pid}/executions/999`), 404, 'Execution not found');

    // Filters and webhook events.
    expect((await s.request('GET', `/api/projects/${pid}/runs?personaId=${ivy.id}`)).body.map((r: any) => r.id)).toEqual([ivyRun.id]);
    expect((await s.request('GET', `/api/projects/${pid}/runs?evalId=${ev.id}`)).body).toHaveLength(3);
    expect((await s.request('GET', `/api/projects/${pid}/runs?scenarioId=${lonely.id}`)).body).toHaveLength(1);
    const events = await s.app.deps.prisma.webhookEvent.findMany({ where: { type: 'run.completed' } });
    expect(events.map((e) => (e.payload as any).runId)).toEqual(expect.arrayContaining(runs.map((r) => r.id)));

    // A second start gets the next execution id.
    const again = await s.request('POST', `/api/projects/${pid}/runs`, { body: { evalId: ev.id } });
    expect(again.body[0].executionId).toBe(executionId + 1);
    await Promise.all(again.body.map((r: any) => waitRun(s, pid, r.id)));
  });
});

describe('a run against a LangGraph server', () => {
  it('sends only unseen messages on one thread per run, with persona headers over connector headers, until maxMessages', async () => {
    const pid = await newProject();
    const c = await lgConnector(pid, { headers: { 'X-Tenant': 'connector', Authorization: 'Bearer conn' } });
    const p = await persona(pid, { name: 'Techie', description: 'A precise engineer', headers: { 'x-tenant': 'persona', 'X-Lang': 'de' } });
    const sc = await scenario(pid, {
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello! How can I help?' },
      ],
      instructions: 'Find out the warranty length of the X200 drill.',
      successCriteria: 'The agent states the warranty is twenty four months',
      maxMessages: 6,
    });
    lg.reply = () => [{ type: 'ai', content: 'Please hold while I check.', usage_metadata: { input_tokens: 3, output_tokens: 2, total_tokens: 5 } }];
    const before = lg.requests.length;
    try {
      const run = await playground(pid, { scenarioId: sc.id, connectorId: c.id, personaId: p.id });
      expect(run.status, run.error).toBe('completed');
      expect(run.result.success).toBe(false);
      // "Please hold" states no warranty length: the embedded judge cannot tell, and says so.
      expect(run.result).toMatchObject({ verdict: 'inconclusive', score: 0 });
      expect(run.result.reason).toMatch(/^Max messages \(6\) reached; the judge could not tell whether the success criteria were met/);
      expect(run.output).toMatchObject({ maxMessagesReached: true, messageCount: 6, tokensUsage: { total_tokens: 10 } });
      expect(run.output.metrics['token-usage']).toBe(10);
      const calls = lg.requests.slice(before).filter((r) => r.path.endsWith('/runs/wait'));
      expect(calls).toHaveLength(2);
      expect(new Set(calls.map((r) => r.threadId))).toEqual(new Set([run.threadId]));
      // First call: the seed turns and the first simulated-user turn; then only the new user turn.
      expect(calls[0]!.body.input.messages.map((m: any) => m.role)).toEqual(['user', 'assistant', 'user']);
      expect(calls[1]!.body.input.messages).toEqual([{ role: 'user', content: run.messages.filter((m: any) => m.role === 'user').at(-1).content }]);
      for (const call of calls) {
        expect(call.headers['x-tenant']).toBe('persona');
        expect(call.headers['x-lang']).toBe('de');
        expect(call.headers.authorization).toBe('Bearer conn');
        expect(call.body).toMatchObject({ assistant_id: 'support', multitask_strategy: 'enqueue', if_not_exists: 'create' });
      }
      // The thread on the server holds the whole conversation exactly once.
      expect(lg.threads.get(run.threadId)!.map((m) => m.type)).toEqual(['human', 'ai', 'human', 'ai', 'human', 'ai']);
      // The simulated user pursued its instructions and kept pressing, without reciting the success criteria (issue 19:
      // it used to push the criteria's words, which an agent echoing them turned into a pass).
      const userTurns = run.messages.filter((m: any) => m.role === 'user' && m.metadata).map((m: any) => m.content);
      expect(userTurns[0]).toContain('warranty length of the X200 drill');
      for (const t of userTurns) expect(t).not.toMatch(/twenty four months/i);
    } finally {
      lg.reply = defaultReply;
    }
  });

  it('keeps tool calls in the transcript and counts them; stops early on failure in every_turn mode', async () => {
    const pid = await newProject();
    const c = await lgConnector(pid);
    lg.reply = () => [
      { type: 'ai', content: '', tool_calls: [{ id: 'call_1', name: 'lookup_order', args: { id: 42 } }] },
      { type: 'tool', content: '{"status":"lost"}', tool_call_id: 'call_1', name: 'lookup_order' },
      { type: 'ai', content: 'Your order is lost, deal with it.' },
    ];
    try {
      const sc = await scenario(pid, { instructions: 'Ask where order 42 is.', successCriteria: 'order delivered tomorrow', failureCriteria: 'order lost deal', failureCriteriaMode: 'every_turn', maxMessages: 10 });
      const run = await playground(pid, { scenarioId: sc.id, connectorId: c.id });
      expect(run.status, run.error).toBe('completed');
      expect(run.result.success).toBe(false);
      expect(run.result.reason).toMatch(/^Failure criteria was triggered\./);
      expect(run.output.messageCount).toBe(3);
      expect(run.messages.map((m: any) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant']);
      expect(run.messages[2].tool_calls).toEqual([{ id: 'call_1', type: 'function', function: { name: 'lookup_order', arguments: '{"id":42}' } }]);
      expect(run.output.metrics['tool-call-count']).toBe(1);
    } finally {
      lg.reply = defaultReply;
    }
  });
});

describe('an http connector with an OpenAI-compatible simulated user and judge', () => {
  it('uses the persona’s model and temperature, the evaluation model, and treats an unparseable verdict as inconclusive', async () => {
    const pid = await newProject();
    const cfg = await s.request('PUT', `/api/projects/${pid}/config`, {
      body: { llmSettings: { provider: 'openai', apiKey: 'sk-eval-0000000000000', baseUrl: fake.url, models: { evaluation: 'judge-model', persona: 'persona-model' } } },
    });
    expect(cfg.status, cfg.text).toBe(200);
    let verdict = '{"successMet": true, "failureMet": false, "confidence": 0.9, "reasoning": "The refund policy was explained."}';
    fake.content.chatReply = (body) => {
      if (body.response_format) return verdict;
      const system = (body.messages as { role: string; content: string }[])[0]!.content;
      if (system.startsWith('You are role-playing')) return 'I want my money back for the kettle.';
      return 'Our refund policy gives you 30 days.';
    };
    try {
      const c = await post(`/api/projects/${pid}/connectors`, { name: 'bot', type: 'http', baseUrl: fake.url, headers: { Authorization: 'Bearer sk-bot' }, config: { model: 'bot-model' } });
      const p = await persona(pid, { name: 'Carl', config: { model: 'carl-model', temperature: 1.3 } });
      const sc = await scenario(pid, { instructions: 'Get a refund.', successCriteria: 'The agent explains the refund policy', maxMessages: 4 });
      const before = fake.requests.length;
      const run = await playground(pid, { scenarioId: sc.id, connectorId: c.id, personaId: p.id });
      expect(run.status, run.error).toBe('completed');
      expect(run.result).toEqual({ success: true, verdict: 'pass', score: 0.9, reason: 'The refund policy was explained.' });
      expect(run.messages.slice(1).map((m: any) => [m.role, m.content])).toEqual([
        ['user', 'I want my money back for the kettle.'],
        ['assistant', 'Our refund policy gives you 30 days.'],
      ]);
      const reqs = fake.requests.slice(before).filter((r) => r.path === '/v1/chat/completions');
      const user = reqs.find((r) => r.body.model === 'carl-model')!;
      expect(user.body.temperature).toBe(1.3);
      const bot = reqs.find((r) => r.body.model === 'bot-model')!;
      expect(bot.headers.authorization).toBe('Bearer sk-bot');
      expect((bot.body.messages as any[]).map((m) => m.role)).toEqual(['user']);
      expect(reqs.find((r) => r.body.model === 'judge-model')!.body.response_format).toEqual({ type: 'json_object' });

      verdict = 'the kettle seems fine to me';
      const unsure = await playground(pid, { scenarioId: sc.id, connectorId: c.id });
      expect(unsure.status, unsure.error).toBe('completed');
      expect(unsure.result).toMatchObject({ success: false, verdict: 'inconclusive' });
      expect(unsure.output.evaluation).toMatchObject({ decision: 'inconclusive', reasoning: expect.stringMatching(/^Inconclusive/) });
      expect(unsure.output.maxMessagesReached).toBe(true);
    } finally {
      fake.content.chatReply = null;
    }
  });
});

describe('run errors, retry and cancel', () => {
  it('errors with the documented messages, and retries only from error', async () => {
    const pid = await newProject();
    const c = await lgConnector(pid);
    const bare = await scenario(pid, { instructions: 'Say hi.' });
    const noCriteria = await playground(pid, { scenarioId: bare.id, connectorId: c.id });
    expect(noCriteria).toMatchObject({ status: 'error', error: 'Scenario must have success/failure criteria or evaluators defined' });
    const custom = await scenario(pid, { successCriteria: 'x', evaluators: [{ type: 'my-plugin' }] });
    expect(await playground(pid, { scenarioId: custom.id, connectorId: c.id })).toMatchObject({ status: 'error', error: 'Unknown evaluator type: "my-plugin"' });
    expect((await s.app.deps.prisma.webhookEvent.findMany({ where: { type: 'run.failed' } })).map((e) => (e.payload as any).runId)).toContain(noCriteria.id);

    const good = await scenario(pid, { instructions: 'Ask for help.', successCriteria: 'thanks message', maxMessages: 2 });
    lg.failWith(503);
    let failed;
    try {
      failed = await playground(pid, { scenarioId: good.id, connectorId: c.id });
    } finally {
      lg.failWith(null);
    }
    expect(failed).toMatchObject({ status: 'error', error: 'HTTP 503: the graph failed' });
    const retried = await s.request('POST', `/api/projects/${pid}/runs/${failed.id}/retry`);
    expect(retried.status, retried.text).toBe(200);
    expect(retried.body).toMatchObject({ status: 'queued', messages: [] });
    expect(retried.body.error).toBeUndefined();
    expect(retried.body.threadId).not.toBe(failed.threadId);
    const done = await waitRun(s, pid, failed.id);
    expect(done.status, done.error).toBe('completed');
    expect(done.result).toMatchObject({ success: true, verdict: 'pass' });
    expect(lg.threads.has(done.threadId)).toBe(true);
    expectPlainError(await s.request('POST', `/api/projects/${pid}/runs/${failed.id}/retry`), 400, 'Cannot retry run with status "completed". Only runs with system errors can be retried.');

    // An empty reply is an error too.
    lg.reply = () => [{ type: 'ai', content: '' }];
    try {
      expect(await playground(pid, { scenarioId: good.id, connectorId: c.id })).toMatchObject({ status: 'error', error: 'The connector returned an empty reply' });
    } finally {
      lg.reply = defaultReply;
    }
  });

  it('cancels a running run; a finished one cannot be cancelled; PUT is partial; DELETE removes it', async () => {
    const pid = await newProject();
    const c = await lgConnector(pid);
    const sc = await scenario(pid, { instructions: 'Ask for help.', successCriteria: 'thanks message' });
    lg.hold();
    let run;
    try {
      const started = lg.requests.filter((r) => r.path.endsWith('/runs/wait')).length;
      run = await post(`/api/projects/${pid}/runs/playground`, { scenarioId: sc.id, connectorId: c.id });
      await lg.waitForRuns(started + 1);
      expect((await s.request('GET', `/api/projects/${pid}/runs/${run.id}`)).body.status).toBe('running');
      const cancelled = await s.request('POST', `/api/projects/${pid}/runs/${run.id}/cancel`);
      expect(cancelled.status, cancelled.text).toBe(200);
      expect(cancelled.body).toMatchObject({ status: 'error', error: 'Run cancelled' });
    } finally {
      lg.release();
    }
    await s.app.deps.jobs.idle();
    expect((await s.request('GET', `/api/projects/${pid}/runs/${run.id}`)).body).toMatchObject({ status: 'error', error: 'Run cancelled' });
    const again = await s.request('POST', `/api/projects/${pid}/runs/${run.id}/cancel`);
    expect(again.status).toBe(409);

    const put = await s.request('PUT', `/api/projects/${pid}/runs/${run.id}`, { body: { result: { success: true, score: 1, reason: 'checked by hand' } } });
    expect(put.body).toMatchObject({ status: 'error', result: { success: true, reason: 'checked by hand' } });
    expectPlainError(await s.request('PUT', `/api/projects/${pid}/runs/${run.id}`, { body: { status: 'done' } }), 400, 'status must be one of queued, pending, running, completed, error');
    expect((await s.request('DELETE', `/api/projects/${pid}/runs/${run.id}`)).status).toBe(204);
    expectPlainError(await s.request('GET', `/api/projects/${pid}/runs/${run.id}`), 404, 'Run not found');
    expectPlainError(await s.request('DELETE', `/api/projects/${pid}/runs/${run.id}`), 404, 'Run not found');
    expectPlainError(await s.request('POST', `/api/projects/${pid}/runs/${run.id}/retry`), 404, 'Run not found');
  });

  it('answers bad starts with the documented errors', async () => {
    const pid = await newProject();
    const c = await lgConnector(pid);
    const sc = await scenario(pid, { successCriteria: 'x' });
    expectPlainError(await s.request('POST', `/api/projects/${pid}/runs`, { body: {} }), 400, 'Eval ID is required');
    expectPlainError(await s.request('POST', `/api/projects/${pid}/runs`, { body: { evalId: 'nope' } }), 404, 'Eval not found');
    const pg = (body: unknown) => s.request('POST', `/api/projects/${pid}/runs/playground`, { body });
    expectPlainError(await pg({ connectorId: c.id }), 400, 'Scenario ID is required');
    expectPlainError(await pg({ scenarioId: sc.id }), 400, 'Connector ID is required');
    expectPlainError(await pg({ scenarioId: 'nope', connectorId: c.id }), 404, 'Scenario not found');
    expectPlainError(await pg({ scenarioId: sc.id, connectorId: 'nope' }), 404, 'Connector not found');
    expectPlainError(await pg({ scenarioId: sc.id, connectorId: c.id, personaId: 'nope' }), 404, 'Persona not found');
    expectPlainError(await s.request('GET', `/api/projects/${pid}/runs/nope`), 404, 'Run not found');
    expectPlainError(await s.request('GET', `/api/projects/${pid}/runs?status=weird`), 400, 'status must be one of queued, pending, running, completed, error');
    const { key } = await s.createKey(['eval:read']);
    const denied = await s.request('POST', `/api/projects/${pid}/runs/playground`, { key, body: { scenarioId: sc.id, connectorId: c.id } });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toContain('eval:write');
  });
});

describe('concurrency', () => {
  it('never runs more than the project’s maxConcurrency at once', async () => {
    const pid = await newProject();
    expect((await s.request('PUT', `/api/projects/${pid}/config`, { body: { maxConcurrency: 1 } })).status).toBe(200);
    const c = await lgConnector(pid);
    const personas = await Promise.all(['A', 'B', 'C'].map((n) => persona(pid, { name: `p${n}` })));
    const sc = await scenario(pid, { instructions: 'Ask for help.', successCriteria: 'thanks message', maxMessages: 2, personaIds: personas.map((p) => p.id) });
    const ev = await post(`/api/projects/${pid}/evals`, { name: 'limited', connectorId: c.id, scenarioIds: [sc.id] });
    lg.delayMs = 120;
    lg.maxInFlight = 0;
    try {
      const started = await s.request('POST', `/api/projects/${pid}/runs`, { body: { evalId: ev.id } });
      expect(started.body).toHaveLength(3);
      const runs = await Promise.all(started.body.map((r: any) => waitRun(s, pid, r.id)));
      expect(runs.map((r) => r.status)).toEqual(['completed', 'completed', 'completed']);
      expect(lg.maxInFlight).toBe(1);
      const spans = runs.map((r) => [Date.parse(r.startedAt), Date.parse(r.completedAt)] as const).sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
    } finally {
      lg.delayMs = 0;
    }
  });
});

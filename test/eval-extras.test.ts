/**
 * What EvalStudio users expect beyond runs (issue 19): comparing two
 * executions of an eval, exporting an execution's transcripts (JSON, CSV),
 * a run's typed transcript and verdict in the graph, and generating a
 * project's personas from a description (embedded generator, and an
 * OpenAI-compatible server). Over REST and GraphQL, with bad input, another
 * team's ids and keys without the scope.
 *
 * Runs here are judged by `contains` assertions only (no criteria, so no
 * judge): whether a run passes is set by the scenario, not by a heuristic.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';
import { startFakeLangGraph, defaultReply, type FakeLangGraph } from './helpers/fake-langgraph.js';
import { startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { expectPlainError } from './helpers/errors.js';
import { waitRun } from './helpers/evals.js';
import { ExecutionComparisonBody } from '../src/modules/evals/service.js';
import { GeneratedPersonasBody } from '../src/modules/personas/service.js';

let s: TestServer;
let lg: FakeLangGraph;
let fake: FakeOpenAI;

beforeAll(async () => {
  [s, lg, fake] = await Promise.all([
    startTestServer({ RATE_LIMIT_PER_MINUTE: '100000', OUTBOUND_ALLOWED_HOSTS: '127.0.0.1', JOB_POLL_MS: '50' }),
    startFakeLangGraph(),
    startFakeOpenAI(),
  ]);
});
afterAll(async () => {
  await s?.close();
  await lg?.close();
  await fake?.close();
});

let seq = 0;
async function call(method: string, path: string, body?: unknown, status = 201, key?: string) {
  const res = await s.request(method, path, { body, key });
  expect(res.status, `${method} ${path}: ${res.text}`).toBe(status);
  return res.body;
}
const post = (path: string, body: unknown) => call('POST', path, body);
const put = (path: string, body: unknown) => call('PUT', path, body, 200);

const passes = [{ type: 'contains', config: { value: 'Thanks' } }];
const fails = [{ type: 'contains', config: { value: 'zzz-never-said' } }];

/** Starts the eval and waits for every run; returns the execution id. */
async function execute(pid: string, evalId: string): Promise<number> {
  const runs = await post(`/api/projects/${pid}/runs`, { evalId });
  for (const r of runs) await waitRun(s, pid, r.id);
  return runs[0].executionId;
}

/**
 * Two executions of one eval. Base: S1 × {Ann, Bo} pass, S2 × Ann fails, S3 × Ann passes.
 * Head: S1 × Ann fails (Bo removed), S2 × {Ann, Bo, @Cy} pass (two added), S3 × Ann passes.
 */
async function twoExecutions() {
  const pid = (await post('/api/projects', { name: `extras ${++seq}` })).id as string;
  const connector = await post(`/api/projects/${pid}/connectors`, { name: 'lg', type: 'langgraph', baseUrl: lg.url, config: { assistantId: 'a' } });
  const persona = async (name: string) => (await post(`/api/projects/${pid}/personas`, { name, systemPrompt: `You are ${name}.` })).id as string;
  const ids = { ann: await persona('Ann'), bo: await persona('Bo'), cy: await persona('@Cy, "the" tester') };
  const scenario = async (name: string, evaluators: unknown[], personaIds: string[]) =>
    (await post(`/api/projects/${pid}/scenarios`, { name, instructions: 'Ask about your order.', maxMessages: 2, evaluators, personaIds })).id as string;
  const s1 = await scenario('S1', passes, [ids.ann, ids.bo]);
  const s2 = await scenario('S2', fails, [ids.ann]);
  const s3 = await scenario('S3', passes, [ids.ann]);
  const ev = await post(`/api/projects/${pid}/evals`, { name: 'checkout', connectorId: connector.id, scenarioIds: [s1, s2, s3] });
  const base = await execute(pid, ev.id);
  await put(`/api/projects/${pid}/scenarios/${s1}`, { evaluators: fails, personaIds: [ids.ann] });
  await put(`/api/projects/${pid}/scenarios/${s2}`, { evaluators: passes, personaIds: [ids.ann, ids.bo, ids.cy] });
  const head = await execute(pid, ev.id);
  return { pid, connector, ids, s1, s2, s3, evalId: ev.id as string, base, head };
}

let fx: Awaited<ReturnType<typeof twoExecutions>>;

describe('comparing two executions of an eval', () => {
  beforeAll(async () => {
    fx = await twoExecutions();
  }, 600_000);

  it('answers pass rates, changes per scenario × persona, latency and tokens (REST)', async () => {
    const { pid, evalId, base, head, ids, s1, s2, s3 } = fx;
    const c = await call('GET', `/api/projects/${pid}/evals/${evalId}/compare?base=${base}&head=${head}`, undefined, 200);
    expect(ExecutionComparisonBody.safeParse(c).error).toBeUndefined(); // the body the route declares (OpenAPI)
    expect(c.base).toMatchObject({ executionId: base, runs: 4, completed: 4, passed: 3, failed: 1, passRate: 0.75 });
    expect(c.head).toMatchObject({ executionId: head, runs: 5, completed: 5, passed: 4, failed: 1, passRate: 0.8 });
    expect(c.delta.passRate).toBe(0.05);
    expect(c.changes).toEqual({ passToFail: 1, failToPass: 1, unchanged: 1, changed: 0, added: 2, removed: 1 });
    const pair = (scenarioId: string, personaId: string) => c.scenarios.find((x: any) => x.scenarioId === scenarioId && x.personaId === personaId);
    expect(pair(s1, ids.ann)).toMatchObject({ scenarioName: 'S1', personaName: 'Ann', change: 'pass_to_fail', base: { outcome: 'pass' }, head: { outcome: 'fail' } });
    expect(pair(s1, ids.bo)).toMatchObject({ change: 'removed', head: null, latencyDeltaMs: null, tokensDelta: null });
    expect(pair(s2, ids.ann)).toMatchObject({ change: 'fail_to_pass', base: { outcome: 'fail' }, head: { outcome: 'pass' } });
    expect(pair(s2, ids.bo)).toMatchObject({ change: 'added', base: null });
    expect(pair(s2, ids.cy)).toMatchObject({ change: 'added', personaName: '@Cy, "the" tester' });
    expect(pair(s3, ids.ann)).toMatchObject({ change: 'unchanged', base: { outcome: 'pass' }, head: { outcome: 'pass' } });
    expect(c.scenarios).toHaveLength(6);
    // The fake LangGraph reports 10 + 5 tokens per reply, one reply per run.
    expect(c.base.tokens).toEqual({ input_tokens: 40, output_tokens: 20, total_tokens: 60 });
    expect(c.head.tokens).toEqual({ input_tokens: 50, output_tokens: 25, total_tokens: 75 });
    expect(c.delta.tokens).toEqual({ input_tokens: 10, output_tokens: 5, total_tokens: 15 });
    expect(pair(s3, ids.ann).tokensDelta).toEqual({ input_tokens: 0, output_tokens: 0, total_tokens: 0 });
    // Latency: median and p95 over each execution's runs, as the runs report it.
    for (const side of ['base', 'head'] as const) {
      const runs = (await call('GET', `/api/projects/${pid}/runs?executionId=${c[side].executionId}`, undefined, 200)) as any[];
      const ms = runs.map((r) => r.latencyMs as number).sort((a, b) => a - b);
      expect(c[side].latency.medianMs).toBe(ms[Math.ceil(ms.length / 2) - 1]);
      expect(c[side].latency.p95Ms).toBe(ms[Math.ceil(ms.length * 0.95) - 1]);
    }
    expect(c.delta.medianLatencyMs).toBe(c.head.latency.medianMs - c.base.latency.medianMs);
    expect(c.delta.p95LatencyMs).toBe(c.head.latency.p95Ms - c.base.latency.p95Ms);
  });

  it('answers the same through GraphQL, with typed errors for bad and foreign ids', async () => {
    const { pid, evalId, base, head } = fx;
    const q = `query($p: ID!, $e: ID!, $b: Int!, $h: Int!) { compareExecutions(projectId: $p, evalId: $e, base: $b, head: $h) {
      __typename ... on QueryCompareExecutionsSuccess { data { evalId base { passRate tokens { totalTokens } latency { medianMs p95Ms } } head { passRate }
        delta { passRate tokens { totalTokens } } changes { passToFail failToPass unchanged changed added removed }
        scenarios { scenarioName personaName change base { outcome runId } head { outcome } } } }
      ... on Error { message code } } }`;
    const ok = await s.graphql(q, { p: pid, e: evalId, b: base, h: head });
    const data = ok.body.data.compareExecutions.data;
    const rest = await call('GET', `/api/projects/${pid}/evals/${evalId}/compare?base=${base}&head=${head}`, undefined, 200);
    expect(data).toMatchObject({ evalId, base: { passRate: 0.75, tokens: { totalTokens: 60 } }, head: { passRate: 0.8 }, delta: { passRate: 0.05, tokens: { totalTokens: 15 } } });
    expect(data.changes).toEqual(rest.changes);
    expect(data.scenarios.map((x: any) => x.change)).toEqual(rest.scenarios.map((x: any) => x.change));

    const bad = await s.graphql(q, { p: pid, e: evalId, b: 0, h: head });
    expect(bad.body.data.compareExecutions).toMatchObject({ __typename: 'ValidationError', message: 'base must be a positive integer (an execution id)' });
    const missing = await s.graphql(q, { p: pid, e: evalId, b: base, h: 999 });
    expect(missing.body.data.compareExecutions).toMatchObject({ __typename: 'NotFoundError', code: 'execution_not_found' });
    const other = await s.createTeam(`extras other ${seq}`);
    const foreign = await s.graphql(q, { p: pid, e: evalId, b: base, h: head }, { key: other.key });
    expect(foreign.body.data.compareExecutions).toMatchObject({ __typename: 'NotFoundError' });
    const narrow = await s.createKey(['persona:read']);
    const refused = await s.graphql(q, { p: pid, e: evalId, b: base, h: head }, { key: narrow.key });
    expect(refused.body.data.compareExecutions).toMatchObject({ __typename: 'ForbiddenError' });
    expect(refused.body.data.compareExecutions.message).toMatch(/eval:read/);
  });

  it('refuses bad ids (400), executions of another eval or team and unknown ones (404), keys without eval:read (403)', async () => {
    const { pid, evalId, base, head, connector, s3 } = fx;
    const url = (b: string, h: string, e = evalId, p = pid) => `/api/projects/${p}/evals/${e}/compare?base=${b}&head=${h}`;
    expectPlainError(await s.request('GET', url('abc', String(head))), 400, 'base must be a positive integer (an execution id)');
    expectPlainError(await s.request('GET', url('0', String(head))), 400, 'base must be a positive integer (an execution id)');
    expectPlainError(await s.request('GET', url(String(base), '-2')), 400, 'head must be a positive integer (an execution id)');
    expectPlainError(await s.request('GET', `/api/projects/${pid}/evals/${evalId}/compare?base=${base}`), 400, 'head is required');
    expectPlainError(await s.request('GET', url(String(base), '999')), 404, 'Execution not found: head 999 is not an execution of this eval');
    // An execution of another eval of the same project.
    const other = await post(`/api/projects/${pid}/evals`, { name: 'other', connectorId: connector.id, scenarioIds: [s3] });
    const otherExecution = await execute(pid, other.id);
    expectPlainError(await s.request('GET', url(String(base), String(otherExecution))), 404, /^Execution not found/);
    expectPlainError(await s.request('GET', url(String(base), String(head), 'no-such-eval')), 404, 'Eval not found');
    // Another team sees neither the project nor the eval; its own project does not reach ours.
    const team = await s.createTeam(`extras rest ${seq}`);
    expectPlainError(await s.request('GET', url(String(base), String(head)), { key: team.key }), 404, 'Project not found');
    const theirs = (await call('POST', '/api/projects', { name: 'theirs' }, 201, team.key)).id;
    expectPlainError(await s.request('GET', url(String(base), String(head), evalId, theirs), { key: team.key }), 404, 'Eval not found');
    const narrow = await s.createKey(['persona:read']);
    expectPlainError(await s.request('GET', url(String(base), String(head)), { key: narrow.key }), 403, /eval:read/);
  });
});

/** A minimal RFC 4180 reader: quoted fields, doubled quotes, CRLF rows. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(cell), (cell = '');
    else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell), rows.push(row), (row = []), (cell = ''), i++;
    } else cell += ch;
  }
  expect(quoted, 'an unterminated quoted field').toBe(false);
  expect(cell, 'the file ends with CRLF').toBe('');
  return rows;
}

describe('exporting an execution’s transcripts', () => {
  const tricky = '=HYPERLINK("http://evil.example","Thanks"), click\nsecond line, "quoted"';
  let pid: string;
  let executionId: number;

  beforeAll(async () => {
    pid = (await post('/api/projects', { name: `export ${++seq}` })).id;
    const connector = await post(`/api/projects/${pid}/connectors`, { name: 'lg', type: 'langgraph', baseUrl: lg.url, config: { assistantId: 'a' } });
    const ann = (await post(`/api/projects/${pid}/personas`, { name: '+Ann, "quoted"' })).id;
    const bo = (await post(`/api/projects/${pid}/personas`, { name: 'Bo' })).id;
    const sc = (await post(`/api/projects/${pid}/scenarios`, { name: '@refund', instructions: 'Ask for a refund.', maxMessages: 2, evaluators: passes, personaIds: [ann, bo] })).id;
    const ev = await post(`/api/projects/${pid}/evals`, { name: 'x', connectorId: connector.id, scenarioIds: [sc] });
    lg.reply = () => [{ type: 'ai', content: tricky, usage_metadata: { input_tokens: 3, output_tokens: 4, total_tokens: 7 } }];
    try {
      executionId = await execute(pid, ev.id);
    } finally {
      lg.reply = defaultReply;
    }
  }, 600_000);

  it('downloads JSON with every run, its verdict and typed messages', async () => {
    const res = await s.request('GET', `/api/projects/${pid}/executions/${executionId}/export`);
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="execution-${executionId}-transcripts.json"`);
    const doc = res.body;
    expect(doc).toMatchObject({ projectId: pid, executionId });
    expect(doc.runs).toHaveLength(2);
    for (const run of doc.runs) {
      expect(run).toMatchObject({ status: 'completed', scenarioName: '@refund', tokens: { total_tokens: 7 }, verdict: { success: true } });
      expect(run.verdict.evaluators).toContainEqual(expect.objectContaining({ type: 'contains', kind: 'assertion', passed: true }));
      expect(run.verdict.evaluators).toContainEqual(expect.objectContaining({ type: 'token-usage', kind: 'metric', value: 7 }));
      expect(run.messages.map((m: any) => m.role)).toEqual(['system', 'user', 'assistant']);
      const reply = run.messages[2];
      expect(reply).toMatchObject({ index: 2, content: tricky, tokensUsage: { input_tokens: 3, output_tokens: 4, total_tokens: 7 }, latencyMs: expect.any(Number) });
      for (const m of run.messages) expect(Date.parse(m.createdAt)).not.toBeNaN();
      const stored = await call('GET', `/api/projects/${pid}/runs/${run.id}`, undefined, 200);
      expect(run.messages.map((m: any) => m.content)).toEqual(stored.messages.map((m: any) => m.content));
    }
  });

  it('downloads CSV that reads back to the same transcripts, quoted and guarded against formulas', async () => {
    const res = await s.request('GET', `/api/projects/${pid}/executions/${executionId}/export?format=csv`);
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="execution-${executionId}-transcripts.csv"`);
    const rows = parseCsv(res.text);
    const [header, ...data] = rows;
    expect(header).toEqual(['execution_id', 'run_id', 'scenario', 'persona', 'run_status', 'success', 'score', 'reason', 'message_index', 'role', 'content', 'tool_calls', 'tool_call_id', 'created_at', 'input_tokens', 'output_tokens', 'total_tokens', 'latency_ms']);
    for (const r of data) expect(r).toHaveLength(header!.length);
    const json = (await s.request('GET', `/api/projects/${pid}/executions/${executionId}/export?format=json`)).body;
    const messages = json.runs.flatMap((run: any) => run.messages.map((m: any) => ({ run, m })));
    expect(data).toHaveLength(messages.length);
    const col = (name: string) => header!.indexOf(name);
    data.forEach((r, i) => {
      const { run, m } = messages[i];
      expect(r[col('run_id')]).toBe(run.id);
      expect(r[col('role')]).toBe(m.role);
      // Text that a spreadsheet would evaluate (= + - @) reads back with a leading apostrophe, and only that.
      const guarded = /^[=+\-@]/.test(m.content) ? `'${m.content}` : m.content;
      expect(r[col('content')]).toBe(guarded);
      expect(r[col('created_at')]).toBe(m.createdAt);
      expect(r[col('scenario')]).toBe("'@refund");
    });
    const replies = data.filter((r) => r[col('role')] === 'assistant');
    expect(replies).toHaveLength(2);
    for (const r of replies) {
      expect(r[col('content')]).toBe(`'${tricky}`);
      expect(r.slice(col('input_tokens'), col('total_tokens') + 1)).toEqual(['3', '4', '7']);
      expect(r[col('success')]).toBe('true');
    }
    expect(new Set(data.map((r) => r[col('persona')]))).toEqual(new Set(["'+Ann, \"quoted\"", 'Bo']));
  });

  it('serves the same file through GraphQL', async () => {
    const q = `query($p: ID!, $x: Int!, $f: EvalExportFormat) { evalExecution(projectId: $p, executionId: $x) { export(format: $f) { format filename contentType content } } }`;
    const csv = await s.graphql(q, { p: pid, x: executionId, f: 'csv' });
    const rest = await s.request('GET', `/api/projects/${pid}/executions/${executionId}/export?format=csv`);
    expect(csv.body.data.evalExecution.export).toEqual({ format: 'csv', filename: `execution-${executionId}-transcripts.csv`, contentType: 'text/csv; charset=utf-8', content: rest.text });
    const json = await s.graphql(q, { p: pid, x: executionId });
    const doc = JSON.parse(json.body.data.evalExecution.export.content);
    expect(json.body.data.evalExecution.export.format).toBe('json');
    expect({ ...doc, exportedAt: null }).toEqual({ ...(await s.request('GET', `/api/projects/${pid}/executions/${executionId}/export`)).body, exportedAt: null });
  });

  it('refuses a bad format or id (400), an unknown or foreign execution (404) and keys without eval:read (403)', async () => {
    const url = (x: string | number, q = '') => `/api/projects/${pid}/executions/${x}/export${q}`;
    expectPlainError(await s.request('GET', url(executionId, '?format=xlsx')), 400, 'format must be json or csv');
    expectPlainError(await s.request('GET', url('abc')), 400, 'executionId must be a positive integer (an execution id)');
    expectPlainError(await s.request('GET', url(0)), 400, 'executionId must be a positive integer (an execution id)');
    expectPlainError(await s.request('GET', url(999)), 404, 'Execution not found');
    const team = await s.createTeam(`export other ${seq}`);
    expectPlainError(await s.request('GET', url(executionId), { key: team.key }), 404, 'Project not found');
    const narrow = await s.createKey(['persona:read']);
    expectPlainError(await s.request('GET', url(executionId), { key: narrow.key }), 403, /eval:read/);
    const g = await s.graphql(`{ evalExecution(projectId: "${pid}", executionId: ${executionId}) { export { content } } }`, {}, { key: team.key });
    expect(g.body.data.evalExecution).toBeNull();
  });
});

describe('a run’s transcript and verdict as typed GraphQL', () => {
  it('gives each message’s role, content, tool calls, time, tokens and latency, and the judge’s and evaluators’ reasons', async () => {
    const pid = (await post('/api/projects', { name: `typed ${++seq}` })).id;
    const connector = await post(`/api/projects/${pid}/connectors`, { name: 'lg', type: 'langgraph', baseUrl: lg.url, config: { assistantId: 'a' } });
    const sc = await post(`/api/projects/${pid}/scenarios`, {
      name: 'lookup', instructions: 'Ask for your order status.', maxMessages: 2, successCriteria: 'The assistant reports the order status as shipped.', evaluators: passes,
    });
    lg.reply = () => [
      { type: 'ai', content: '', tool_calls: [{ id: 'call_1', name: 'lookup_order', args: { id: 42 } }] },
      { type: 'tool', content: '{"status":"shipped"}', tool_call_id: 'call_1', name: 'lookup_order' },
      { type: 'ai', content: 'Thanks for waiting: order 42 has shipped.', usage_metadata: { input_tokens: 20, output_tokens: 9, total_tokens: 29 } },
    ];
    let runId: string;
    try {
      runId = (await post(`/api/projects/${pid}/runs/playground`, { scenarioId: sc.id, connectorId: connector.id })).id;
      await waitRun(s, pid, runId);
    } finally {
      lg.reply = defaultReply;
    }
    const res = await s.graphql(
      `query($id: ID!) { evalRun(id: $id) {
        transcript { index role content toolCalls { id name arguments } toolCallId name createdAt tokenUsage { inputTokens outputTokens totalTokens } latencyMs generatedBy { provider model } }
        without: transcript(includeSystem: false) { role }
        verdict { success score reason judge { successMet failureMet reasoning provider } evaluators { type label kind passed value reason } } } }`,
      { id: runId! },
    );
    expect(res.body.errors).toBeUndefined();
    const run = res.body.data.evalRun;
    expect(run.transcript.map((m: any) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant']);
    expect(run.transcript.map((m: any) => m.index)).toEqual([0, 1, 2, 3, 4]);
    expect(run.without.map((m: any) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(run.transcript[1]).toMatchObject({ generatedBy: { provider: 'embedded' }, toolCalls: [] });
    expect(run.transcript[2]).toMatchObject({ content: '', toolCalls: [{ id: 'call_1', name: 'lookup_order', arguments: '{"id":42}' }], tokenUsage: null, latencyMs: null });
    expect(run.transcript[3]).toMatchObject({ role: 'tool', content: '{"status":"shipped"}', toolCallId: 'call_1', name: 'lookup_order' });
    expect(run.transcript[4]).toMatchObject({ tokenUsage: { inputTokens: 20, outputTokens: 9, totalTokens: 29 }, latencyMs: expect.any(Number) });
    for (const m of run.transcript) expect(Date.parse(m.createdAt)).not.toBeNaN();
    const stored = await call('GET', `/api/projects/${pid}/runs/${runId!}`, undefined, 200);
    expect(run.transcript.map((m: any) => m.content)).toEqual(stored.messages.map((m: any) => m.content));
    expect(run.verdict).toMatchObject({ success: stored.result.success, score: stored.result.score, reason: stored.result.reason });
    expect(run.verdict.judge).toMatchObject({ provider: 'embedded', reasoning: expect.stringMatching(/\S/) });
    expect(run.verdict.evaluators).toContainEqual({ type: 'contains', label: expect.any(String), kind: 'assertion', passed: true, value: null, reason: expect.stringMatching(/\S/) });
    expect(run.verdict.evaluators.some((e: any) => e.kind === 'metric' && typeof e.value === 'number')).toBe(true);
  }, 300_000);
});

describe('generating personas from a description', () => {
  const description = 'A support assistant for an online shoe store: returns, refunds, sizing advice and delivery tracking.';
  const newProject = async () => (await post('/api/projects', { name: `generate ${++seq}` })).id as string;

  it('writes varied, plausible personas offline, the same ones for the same description, and creates them (REST)', async () => {
    const pid = await newProject();
    const res = await post(`/api/projects/${pid}/personas/generate`, { description, count: 6 });
    expect(GeneratedPersonasBody.safeParse(res).error).toBeUndefined(); // the body the route declares (OpenAPI)
    expect(res).toMatchObject({ provider: 'embedded', model: 'embedded-persona-generator-v1' });
    expect(res.personas).toHaveLength(6);
    const names = res.personas.map((p: any) => p.name);
    expect(new Set(names).size).toBe(6);
    expect(new Set(res.personas.map((p: any) => p.systemPrompt)).size).toBe(6);
    for (const p of res.personas) {
      expect(p.name).toMatch(/^[a-z-]+$/);
      expect(p.systemPrompt).toMatch(/^You are [A-Z]/);
      expect(p.systemPrompt).toContain('online shoe store');
      expect(p.systemPrompt).toMatch(/returns|refunds|sizing|delivery|tracking|advice|shoe|store|support/);
      expect(p.description.length).toBeGreaterThan(20);
    }
    const listed = await call('GET', `/api/projects/${pid}/personas`, undefined, 200);
    expect(listed.map((p: any) => p.id).sort()).toEqual(res.personas.map((p: any) => p.id).sort());

    // Deterministic: the same description in another project gives the same personas; another description others.
    const again = await post(`/api/projects/${await newProject()}/personas/generate`, { description, count: 6 });
    const strip = (ps: any[]) => ps.map(({ name, description: d, systemPrompt }) => ({ name, d, systemPrompt }));
    expect(strip(again.personas)).toEqual(strip(res.personas));
    const other = await post(`/api/projects/${await newProject()}/personas/generate`, { description: 'A banking chatbot for mortgage applications and card disputes.', count: 6 });
    expect(strip(other.personas)).not.toEqual(strip(res.personas));
    expect(other.personas.map((p: any) => p.systemPrompt).join(' ')).toMatch(/mortgage|card|disputes|banking|applications/);

    // Generating again in the same project keeps every name unique.
    const second = await post(`/api/projects/${pid}/personas/generate`, { description, count: 2 });
    expect(second.personas.map((p: any) => p.name)).toEqual(names.slice(0, 2).map((n: string) => `${n}-2`));
    // Without count: 5.
    expect((await post(`/api/projects/${await newProject()}/personas/generate`, { description })).personas).toHaveLength(5);
  });

  it('refuses bad input (400), another team’s project (404) and keys without persona:write (403), creating nothing', async () => {
    const pid = await newProject();
    const url = `/api/projects/${pid}/personas/generate`;
    for (const count of [0, 21, 2.5, '3', null]) {
      expectPlainError(await s.request('POST', url, { body: { description, count } }), 400, 'count must be an integer from 1 to 20');
    }
    expectPlainError(await s.request('POST', url, { body: { count: 2 } }), 400, 'Description is required');
    expectPlainError(await s.request('POST', url, { body: { description: '   ', count: 2 } }), 400, 'Description is required');
    expectPlainError(await s.request('POST', url, { body: { description: 'x'.repeat(4001) } }), 400, 'Description must be at most 4000 characters');
    const team = await s.createTeam(`generate other ${seq}`);
    expectPlainError(await s.request('POST', url, { body: { description }, key: team.key }), 404, 'Project not found');
    const narrow = await s.createKey(['persona:read', 'eval:write']);
    expectPlainError(await s.request('POST', url, { body: { description }, key: narrow.key }), 403, /persona:write/);
    expect(await call('GET', `/api/projects/${pid}/personas`, undefined, 200)).toEqual([]);
  });

  it('generates through GraphQL, with typed errors', async () => {
    const pid = await newProject();
    const m = `mutation($p: ID!, $d: String!, $n: Int) { generatePersonas(projectId: $p, description: $d, count: $n) {
      __typename ... on MutationGeneratePersonasSuccess { data { provider model personas { id name systemPrompt project { id } } } }
      ... on Error { message code } } }`;
    const ok = await s.graphql(m, { p: pid, d: description, n: 3 });
    const data = ok.body.data.generatePersonas.data;
    expect(data).toMatchObject({ provider: 'embedded', model: 'embedded-persona-generator-v1' });
    expect(data.personas).toHaveLength(3);
    for (const p of data.personas) expect(p.project.id).toBe(pid);
    const rest = await post(`/api/projects/${await newProject()}/personas/generate`, { description, count: 3 });
    expect(data.personas.map((p: any) => p.systemPrompt)).toEqual(rest.personas.map((p: any) => p.systemPrompt));
    expect((await s.graphql(m, { p: pid, d: description, n: 50 })).body.data.generatePersonas).toMatchObject({ __typename: 'ValidationError', message: 'count must be an integer from 1 to 20' });
    const team = await s.createTeam(`generate gql ${seq}`);
    expect((await s.graphql(m, { p: pid, d: description }, { key: team.key })).body.data.generatePersonas).toMatchObject({ __typename: 'NotFoundError' });
  });

  describe('with an OpenAI-compatible provider', () => {
    let pid: string;
    beforeAll(async () => {
      pid = await newProject();
      await put(`/api/projects/${pid}/config`, { llmSettings: { provider: 'openai', apiKey: 'sk-test-generate-0123456789', baseUrl: fake.url, models: { persona: 'gpt-4o-mini' } } });
    });
    afterAll(() => {
      fake.content.chatReply = null;
    });
    const asked = () => fake.requests.filter((r) => r.path === '/v1/chat/completions' && r.body.stream !== true);

    it('asks the model for JSON and creates the personas it wrote', async () => {
      const before = asked().length;
      fake.content.chatReply = JSON.stringify({
        personas: [
          { name: 'hurried-hana', description: 'Wants a refund fast.', systemPrompt: 'You are Hana. You want your refund today.' },
          { name: 'careful-carl', description: 'Checks sizes twice.', systemPrompt: 'You are Carl. You ask about exact sizes.' },
        ],
      });
      const res = await post(`/api/projects/${pid}/personas/generate`, { description, count: 2 });
      expect(res).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini' });
      expect(res.personas.map((p: any) => [p.name, p.description, p.systemPrompt])).toEqual([
        ['hurried-hana', 'Wants a refund fast.', 'You are Hana. You want your refund today.'],
        ['careful-carl', 'Checks sizes twice.', 'You are Carl. You ask about exact sizes.'],
      ]);
      const req = asked().slice(before);
      expect(req).toHaveLength(1);
      expect(req[0]!.body).toMatchObject({ model: 'gpt-4o-mini', response_format: { type: 'json_object' } });
      expect(JSON.stringify(req[0]!.body.messages)).toContain('online shoe store');
      expect(JSON.stringify(req[0]!.body.messages)).toContain('exactly 2 personas');
    });

    it('rejects a malformed or incomplete answer with a clear error and creates nothing', async () => {
      const before = (await call('GET', `/api/projects/${pid}/personas`, undefined, 200)).length;
      const m = `mutation($p: ID!, $d: String!, $n: Int) { generatePersonas(projectId: $p, description: $d, count: $n) { __typename ... on Error { message code } } }`;
      const cases: [string, string][] = [
        ['here are some personas: hana, carl', 'The LLM provider returned malformed JSON'],
        ['{"people": []}', 'The LLM provider returned personas in an unexpected shape: personas must be an array'],
        ['{"personas": [{"name": "only-one", "systemPrompt": "You are One."}]}', 'The LLM provider returned 1 personas; 2 were asked for'],
        ['{"personas": [{"name": "a", "systemPrompt": "You are A."}, {"name": "b"}]}', 'The LLM provider returned personas in an unexpected shape: personas[1]: systemPrompt is missing'],
        ['{"personas": [{"name": "", "systemPrompt": "You are A."}, {"name": "b", "systemPrompt": "x"}]}', 'The LLM provider returned personas in an unexpected shape: personas[0]: name is empty'],
      ];
      for (const [reply, message] of cases) {
        fake.content.chatReply = reply;
        const g = await s.graphql(m, { p: pid, d: description, n: 2 });
        expect(g.body.data.generatePersonas, reply).toMatchObject({ __typename: 'OperationError', code: 'provider_error', message });
        // REST: a bad gateway, worded as EvalStudio words every 5xx.
        expectPlainError(await s.request('POST', `/api/projects/${pid}/personas/generate`, { body: { description, count: 2 } }), 502, 'internal server error');
      }
      expect(await call('GET', `/api/projects/${pid}/personas`, undefined, 200)).toHaveLength(before);
    });
  });
});

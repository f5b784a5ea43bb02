/**
 * EvalStudio runs in the graph: mutations to start an eval and a playground
 * run, retry and cancel; scenarios, evals, runs and connectors linked to
 * personas, projects and agents; results per execution; and a run's messages,
 * verdicts and status streamed live over graphql-ws (per run and per execution).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { startTestServer, type TestServer } from './helpers/server.js';
import { startFakeLangGraph, type FakeLangGraph } from './helpers/fake-langgraph.js';
import { waitRun } from './helpers/evals.js';

let s: TestServer;
let lg: FakeLangGraph;

beforeAll(async () => {
  [s, lg] = await Promise.all([startTestServer({ RATE_LIMIT_PER_MINUTE: '100000', OUTBOUND_ALLOWED_HOSTS: '127.0.0.1', JOB_POLL_MS: '50' }), startFakeLangGraph()]);
});
afterAll(async () => {
  await s?.close();
  await lg?.close();
});

let seq = 0;
async function post(path: string, body: unknown) {
  const res = await s.request('POST', path, { body });
  expect(res.status, `${path}: ${res.text}`).toBe(201);
  return res.body;
}

async function setup(personaNames: string[] = ['Ann']) {
  const pid = (await post('/api/projects', { name: `eval graph ${++seq}` })).id as string;
  const connector = await post(`/api/projects/${pid}/connectors`, { name: 'lg', type: 'langgraph', baseUrl: lg.url, config: { assistantId: 'a' } });
  const personas = [];
  for (const name of personaNames) personas.push(await post(`/api/projects/${pid}/personas`, { name }));
  const scenario = await post(`/api/projects/${pid}/scenarios`, { name: 'help', instructions: 'Ask for help.', successCriteria: 'thanks message', maxMessages: 4, personaIds: personas.map((p) => p.id) });
  const ev = await post(`/api/projects/${pid}/evals`, { name: 'e', connectorId: connector.id, scenarioIds: [scenario.id] });
  return { pid, connector, personas, scenario, ev };
}

function subscribe(query: string, variables: Record<string, unknown>) {
  const client: Client = createClient({ url: s.wsUrl, webSocketImpl: WebSocket, connectionParams: { apiKey: s.adminKey }, retryAttempts: 0 });
  const got: any[] = [];
  let notify: () => void = () => {};
  const done = new Promise<any[]>((resolve, reject) => {
    client.subscribe(
      { query, variables },
      {
        next: (v) => {
          if (v.errors) reject(new Error(JSON.stringify(v.errors)));
          got.push(Object.values(v.data as object)[0]);
          notify();
        },
        error: reject,
        complete: () => (void client.dispose(), resolve(got)),
      },
    );
  });
  /** Resolves once an event matching `pred` has arrived. */
  const until = async (pred: (e: any) => boolean) => {
    while (!got.some(pred)) await new Promise<void>((r) => (notify = r));
  };
  return { got, done, until };
}

const EVENT = 'type runId status error index role content verdict { successMet reasoning provider } result';

describe('an execution watched by eval before it starts', () => {
  it('receives every event of the next execution’s runs, from the first status, and ends when they have all ended', async () => {
    const { pid, ev } = await setup(['Di', 'Ed']);
    const sub = subscribe(
      `subscription($p: ID!, $e: ID!) { nextEvalExecutionEvents(projectId: $p, evalId: $e) { type evalId executionId event { ${EVENT} } } }`,
      { p: pid, e: ev.id },
    );
    await sub.until((e) => e.type === 'waiting');
    expect(sub.got).toEqual([{ type: 'waiting', evalId: ev.id, executionId: null, event: null }]);
    const started = await s.graphql(
      `mutation($p: ID!, $e: ID!) { startEval(projectId: $p, evalId: $e) { ... on MutationStartEvalSuccess { data { id executionId } } } }`,
      { p: pid, e: ev.id },
    );
    const runs: { id: string; executionId: number }[] = started.body.data.startEval.data;
    expect(runs).toHaveLength(2);
    const events = (await sub.done).slice(1);
    expect(events.every((e) => e.type === 'run' && e.executionId === runs[0]!.executionId)).toBe(true);
    for (const run of runs) {
      const mine = events.filter((e) => e.event.runId === run.id).map((e) => e.event);
      // From its first status (queued) to its last (completed), with every message of the stored transcript in order.
      expect(mine[0]).toMatchObject({ type: 'status', status: 'queued' });
      expect(mine.at(-1)).toMatchObject({ type: 'status', status: 'completed' });
      const stored = (await s.request('GET', `/api/projects/${pid}/runs/${run.id}`)).body;
      const messages = mine.filter((e) => e.type === 'message');
      expect(messages.map((e) => e.index)).toEqual(stored.messages.map((_: unknown, i: number) => i));
      expect(messages.map((e) => e.content)).toEqual(stored.messages.map((m: any) => m.content));
    }
  });

  it('refuses an eval of another team', async () => {
    const { pid, ev } = await setup();
    const other = await s.createTeam('watch-other');
    const res = await s.graphql(`subscription($p: ID!, $e: ID!) { nextEvalExecutionEvents(projectId: $p, evalId: $e) { type } }`, { p: pid, e: ev.id }, { key: other.key, headers: { accept: 'text/event-stream' } });
    expect(res.text).toMatch(/not found/i);
    expect(res.text).not.toContain(ev.id);
  });
});

describe('a run streamed live over graphql-ws', () => {
  it('sends the stored state, then each message, the verdict and the status as they happen', async () => {
    const { pid, connector, scenario, personas } = await setup();
    lg.hold();
    try {
      const before = lg.requests.filter((r) => r.path.endsWith('/runs/wait')).length;
      const started = await s.graphql(
        `mutation($p: ID!, $s: ID!, $c: ID!, $persona: ID) { startPlaygroundRun(projectId: $p, scenarioId: $s, connectorId: $c, personaId: $persona) {
          __typename ... on MutationStartPlaygroundRunSuccess { data { id status persona { name } scenario { name } connector { name } } } } }`,
        { p: pid, s: scenario.id, c: connector.id, persona: personas[0].id },
      );
      const run = started.body.data.startPlaygroundRun.data;
      expect(run).toMatchObject({ status: 'queued', persona: { name: 'Ann' }, scenario: { name: 'help' }, connector: { name: 'lg' } });
      await lg.waitForRuns(before + 1); // the agent is "thinking"
      const sub = subscribe(`subscription($r: ID!) { evalRunEvents(runId: $r) { ${EVENT} } }`, { r: run.id });
      await sub.until((e) => e.type === 'message' && e.role === 'user');
      expect(sub.got[0]).toMatchObject({ type: 'status', status: 'running' });
      expect(sub.got.some((e) => e.role === 'assistant')).toBe(false);
      lg.release();
      await sub.until((e) => e.type === 'message' && e.role === 'assistant');
      const events = await sub.done;
      const last = events.at(-1);
      expect(last).toMatchObject({ type: 'status', status: 'completed', result: { success: true } });
      expect(events.find((e) => e.type === 'verdict')).toMatchObject({ verdict: { successMet: true, provider: 'embedded' } });
      const messages = events.filter((e) => e.type === 'message');
      expect(messages.map((e) => e.index)).toEqual(messages.map((_, i) => i));
      const stored = (await s.request('GET', `/api/projects/${pid}/runs/${run.id}`)).body;
      expect(messages.map((e) => e.content)).toEqual(stored.messages.map((m: any) => m.content));
    } finally {
      lg.release();
    }
  });

  it('streams every run of an execution, and aggregates it in the graph', async () => {
    const { pid, ev, personas, scenario, connector } = await setup(['Bo', 'Cy']);
    lg.hold();
    let executionId: number;
    let sub;
    try {
      const started = await s.graphql(
        `mutation($p: ID!, $e: ID!) { startEval(projectId: $p, evalId: $e) { __typename ... on MutationStartEvalSuccess { data { id executionId status } } } }`,
        { p: pid, e: ev.id },
      );
      const runs = started.body.data.startEval.data;
      expect(runs).toHaveLength(2);
      executionId = runs[0].executionId;
      sub = subscribe(`subscription($p: ID!, $x: Int!) { evalExecutionEvents(projectId: $p, executionId: $x) { ${EVENT} } }`, { p: pid, x: executionId });
      // The subscription answers each run's current status first: it is listening.
      await sub.until((e) => e.type === 'status');
    } finally {
      lg.release();
    }
    const events = await sub!.done;
    const ends = events.filter((e) => e.type === 'status' && ['completed', 'error'].includes(e.status));
    expect(new Set(ends.map((e) => e.runId)).size).toBe(2);
    expect(events.some((e) => e.type === 'message' && e.role === 'assistant')).toBe(true);

    const q = await s.graphql(
      `query($p: ID!, $x: Int!) { project(id: $p) {
          evalConnectors { name evals { name } }
          scenarios { name personas { name } runs(first: 10) { edges { node { status persona { name } } } } }
          evals { name connector { type } scenarios { name } }
          evalExecution(executionId: $x) { executionId runs passed passRate byPersona { personaName runs passRate } byScenario { scenarioName runs } tokens { totalTokens } latency { totalMs } evalRuns { id } }
        } }`,
      { p: pid, x: executionId! },
    );
    expect(q.body.errors).toBeUndefined();
    const p = q.body.data.project;
    expect(p.evalConnectors).toEqual([{ name: connector.name, evals: [{ name: ev.name }] }]);
    expect(p.scenarios[0].personas.map((x: any) => x.name)).toEqual(['Bo', 'Cy']);
    expect(p.scenarios[0].runs.edges).toHaveLength(2);
    expect(p.evals[0]).toEqual({ name: ev.name, connector: { type: 'langgraph' }, scenarios: [{ name: scenario.name }] });
    expect(p.evalExecution).toMatchObject({ executionId: executionId!, runs: 2, passed: 2, passRate: 1, byScenario: [{ scenarioName: 'help', runs: 2 }] });
    expect(p.evalExecution.byPersona.map((x: any) => [x.personaName, x.passRate]).sort()).toEqual([
      ['Bo', 1],
      ['Cy', 1],
    ]);
    expect(p.evalExecution.evalRuns).toHaveLength(2);
    const viaPersona = await s.graphql(`query($id: ID!) { node(id: $id) { ... on Persona { evalRuns(first: 5) { edges { node { executionId success } } } } } }`, { id: personas[0].id });
    expect(viaPersona.body.data.node.evalRuns.edges).toEqual([{ node: { executionId: executionId!, success: true } }]);
  });
});

describe('mutations and links', () => {
  it('retry and cancel answer typed errors; agents list the connectors that test them', async () => {
    const { pid, scenario, connector } = await setup();
    const run = await post(`/api/projects/${pid}/runs/playground`, { scenarioId: scenario.id, connectorId: connector.id });
    await waitRun(s, pid, run.id, ['completed']);
    const retry = await s.graphql(`mutation($id: ID!) { retryRun(id: $id) { __typename ... on Error { message } } }`, { id: run.id });
    expect(retry.body.data.retryRun).toEqual({ __typename: 'ValidationError', message: 'Cannot retry run with status "completed". Only runs with system errors can be retried.' });
    const cancel = await s.graphql(`mutation($id: ID!) { cancelRun(id: $id) { __typename ... on Error { message } } }`, { id: run.id });
    expect(cancel.body.data.cancelRun).toEqual({ __typename: 'ConflictError', message: 'Cannot cancel run with status "completed"' });
    const missing = await s.graphql(`mutation { retryRun(id: "nope") { __typename ... on Error { message } } }`);
    expect(missing.body.data.retryRun).toEqual({ __typename: 'NotFoundError', message: 'Run not found' });
    const node = await s.graphql(`query($id: ID!) { node(id: $id) { __typename ... on EvalRun { status scenario { name } } } }`, { id: run.id });
    expect(node.body.data.node).toEqual({ __typename: 'EvalRun', status: 'completed', scenario: { name: 'help' } });

    const user = (await s.request('POST', '/api/v1/users', { body: { username: `g${++seq}` } })).body.id;
    const agent = (await s.request('POST', `/api/v1/users/${user}/agents`, { body: { name: 'tested', provider: 'embedded' } })).body;
    await post(`/api/projects/${pid}/connectors`, { name: 'to agent', type: 'agent', config: { agentId: agent.id } });
    const a = await s.graphql(`query($id: ID!) { node(id: $id) { ... on Agent { evalConnectors { name type } } } }`, { id: agent.id });
    expect(a.body.data.node.evalConnectors).toEqual([{ name: 'to agent', type: 'agent' }]);

    const { key } = await s.createKey(['persona:read']);
    const denied = await s.graphql(`query($id: ID!) { evalRun(id: $id) { id } }`, { id: run.id }, { key });
    expect(denied.body.errors?.[0]?.message).toContain('eval:read');
  });
});

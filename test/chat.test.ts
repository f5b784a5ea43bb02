/**
 * Chat (seed 003) over real HTTP, SSE and graphql-ws: the embedded model
 * offline and the real openai SDK against a local streaming server; numbered
 * events, resume after a dropped stream with nothing lost or repeated, two
 * subscribers receiving identical events, the kept conversation, usage and
 * quota, agent keys, and bad input.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { startTestServer, type TestResponse, type TestServer } from './helpers/server.js';
import { startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { expectPlainError } from './helpers/errors.js';
import { until } from './helpers/process.js';

let s: TestServer;
let fake: FakeOpenAI;
let user: string;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  // The operator lets tools reach the loopback test target (OUTBOUND_ALLOWED_HOSTS); an agent still has to opt in with allowPrivateNetworks.
  s = await startTestServer({ RATE_LIMIT_PER_MINUTE: '100000', CHAT_HEARTBEAT_MS: '100', OPENAI_BASE_URL: fake.url, OPENAI_API_KEY: 'sk-test-chat-000000000000', OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' });
  user = (await s.request('POST', '/api/v1/users', { body: { username: 'chatter', tier: 'enterprise' } })).body.id;
});
afterAll(async () => {
  await s?.close();
  await fake?.close();
});

let n = 0;
async function newAgent(body: Record<string, unknown> = {}, u = user) {
  const res = await s.request('POST', `/api/v1/users/${u}/agents`, { body: { name: `agent-${++n}`, provider: 'embedded', ...body } });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string; name: string; key: string };
}

const say = (content: string) => ({ messages: [{ role: 'user', content }] });

interface SseEvent {
  id: string | null;
  event: string;
  data: any;
}

/** Reads an SSE response; `stopAfter` aborts the connection after that many delta events. */
async function readSse(path: string, opts: { body?: unknown; headers?: Record<string, string>; stopAfter?: number } = {}) {
  const abort = new AbortController();
  const res = await fetch(s.url + path, {
    method: 'POST',
    headers: { 'X-API-Key': s.adminKey, 'Content-Type': 'application/json', ...opts.headers },
    body: JSON.stringify(opts.body ?? {}),
    signal: abort.signal,
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const events: SseEvent[] = [];
  let comments = 0;
  let buffer = '';
  let raw = '';
  const decoder = new TextDecoder();
  const reader = res.body!.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const piece = decoder.decode(value, { stream: true });
      buffer += piece;
      raw += piece;
      let i;
      while ((i = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (block.startsWith(':')) {
          comments++;
          continue;
        }
        const ev: SseEvent = { id: null, event: 'message', data: null };
        for (const line of block.split('\n')) {
          const [k, ...rest] = line.split(': ');
          const v = rest.join(': ');
          if (k === 'id') ev.id = v;
          else if (k === 'event') ev.event = v;
          else if (k === 'data') ev.data = JSON.parse(v);
        }
        events.push(ev);
        if (opts.stopAfter !== undefined && events.filter((e) => e.event === 'delta').length >= opts.stopAfter) {
          abort.abort();
          return { events, comments, raw };
        }
      }
    }
  } catch (err) {
    if (!abort.signal.aborted) throw err;
  }
  return { events, comments, raw };
}

describe('POST …/chat', () => {
  it('answers {message, agent} with the embedded model: in the persona’s voice, about what was asked, not an echo', async () => {
    const persona = await s.request('POST', '/api/v1/autousers', {
      body: { teamId: (await s.request('GET', '/api/v1/me')).body.team.id, name: 'Captain', systemPrompt: 'You are a retired sea captain who explains things with nautical metaphors.' },
    });
    const a = await newAgent({ personaId: persona.body.id });
    const res = await s.request('POST', `/api/v1/users/${user}/agents/${a.name}/chat`, { body: say('How should I organise my garden tools?') });
    expect(res.status, res.text).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['agent', 'message']);
    expect(res.body.agent).toBe(a.name);
    expect(res.body.message).toContain('retired sea captain');
    expect(res.body.message).toMatch(/organise garden tools/);
    expect(res.body.message).toContain('embedded');
    expect(res.body.message).not.toBe('How should I organise my garden tools?');

    // Deterministic: the same agent setup and conversation give the same reply.
    const twin = await newAgent({ personaId: persona.body.id });
    const again = await s.request('POST', `/api/v1/users/${user}/agents/${twin.name}/chat`, { body: say('How should I organise my garden tools?') });
    expect(again.body.message).toBe(res.body.message);

    // The conversation is kept: the next turn knows the earlier question.
    const next = await s.request('POST', `/api/v1/users/${user}/agents/${a.name}/chat`, { body: say('And what about the shed?') });
    expect(next.body.message).toMatch(/Earlier you asked about organise garden tools/);
    expect(await s.app.deps.prisma.chatMessage.count({ where: { agentId: a.id } })).toBe(4);
  });

  it('streams through the openai SDK from an OpenAI-compatible server, with the provider’s usage', async () => {
    fake.chat.reply = 'Ahoy there, sailor.';
    fake.chat.reportUsage = true;
    const a = await newAgent({ provider: 'openai', model: 'gpt-4o-mini' });
    const before = fake.requests.length;
    const res = await s.request('POST', `/api/v1/users/${user}/agents/${a.id}/chat`, { body: say('Greet me') });
    expect(res.status, res.text).toBe(200);
    expect(res.body.message).toBe('Ahoy there, sailor.');
    const sent = fake.requests.slice(before).find((r) => r.path === '/v1/chat/completions')!;
    expect(sent.headers.authorization).toBe('Bearer sk-test-chat-000000000000');
    expect(sent.body).toMatchObject({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true } });
    expect((sent.body.messages as any[])[0].role).toBe('system');
    expect((sent.body.messages as any[]).at(-1)).toEqual({ role: 'user', content: 'Greet me' });
    const run = await s.app.deps.prisma.chatRun.findFirstOrThrow({ where: { agentId: a.id } });
    expect([run.promptTokens, run.completionTokens]).toEqual([11, 3]); // as the server reported (3 chunks)

    // Without usage from the provider, tokens are counted with the tokenizer.
    fake.chat.reportUsage = false;
    await s.request('POST', `/api/v1/users/${user}/agents/${a.id}/chat`, { body: say('Again') });
    const counted = await s.app.deps.prisma.chatRun.findFirstOrThrow({ where: { agentId: a.id }, orderBy: { createdAt: 'desc' } });
    expect(counted.completionTokens).toBeGreaterThan(0);
    expect(counted.promptTokens).toBeGreaterThan(20);
    fake.chat.reportUsage = true;
  });

  it('bad input, unknown and foreign agents, scopes and the monthly token quota', async () => {
    const a = await newAgent();
    const p = `/api/v1/users/${user}/agents/${a.id}/chat`;
    expectPlainError(await s.request('POST', p, { body: {} }), 400, 'messages array is required');
    expectPlainError(await s.request('POST', p, { body: { messages: [] } }), 400, 'messages array is required');
    expectPlainError(await s.request('POST', p, { body: { messages: [{ role: 'system', content: 'x' }] } }), 400, /role must be user or assistant/);
    expectPlainError(await s.request('POST', p, { body: { messages: [{ role: 'user', content: '' }] } }), 400, /must not be empty/);
    expectPlainError(await s.request('POST', `/api/v1/users/${user}/agents/nobody/chat`, { body: say('hi') }), 404, 'agent not found');
    expectPlainError(await s.request('POST', `/api/v1/users/nobody/agents/${a.id}/chat`, { body: say('hi') }), 404, 'user not found');
    const other = await s.createTeam('chat other team');
    expectPlainError(await s.request('POST', p, { key: other.key, body: say('hi') }), 404, 'user not found');
    const reader = (await s.createKey(['agent:read'])).key;
    const denied = await s.request('POST', p, { key: reader, body: say('hi') });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toContain('agent:chat');

    const q = (await s.request('POST', '/api/v1/users', { body: { username: 'quota' } })).body.id;
    const qa = await newAgent({}, q);
    const agentRow = await s.app.deps.prisma.agent.findUniqueOrThrow({ where: { id: qa.id } });
    await s.app.deps.prisma.chatRun.create({
      data: { teamId: agentRow.teamId, userId: q, agentId: qa.id, provider: 'embedded', model: 'x', status: 'done', promptTokens: 150_000, completionTokens: 50_000 },
    });
    expectPlainError(await s.request('POST', `/api/v1/users/${q}/agents/${qa.id}/chat`, { body: say('hi') }), 429, /^monthly token quota reached/);
    const usage = await s.request('GET', `/api/v1/users/${q}/usage`);
    expect(usage.body).toMatchObject({ tier: 'free', limit: 200_000, used: 200_000, remaining: 0 });
  });

  it('a failing provider: a rejected key is a 400 that says so, a broken server a 502 "internal server error"; nothing leaks', async () => {
    const a = await newAgent({ provider: 'openai', model: 'gpt-4o-mini' });
    const p = `/api/v1/users/${user}/agents/${a.id}/chat`;
    try {
      fake.failWith(401);
      const rejected = await s.request('POST', p, { body: say('hi') });
      expectPlainError(rejected, 400, 'The LLM provider rejected the API key');
      expect(rejected.text).not.toMatch(/sk-|platform\.openai/);
      fake.failWith(500);
      expectPlainError(await s.request('POST', p, { body: say('hi') }), 502, 'internal server error');
    } finally {
      fake.failWith(null);
    }
    const runs = await s.app.deps.prisma.chatRun.findMany({ where: { agentId: a.id } });
    expect(runs.map((r) => r.status)).toEqual(['error', 'error']);
  });

  it('an agent key chats with its own agent only', async () => {
    const a = await newAgent();
    const b = await newAgent();
    const own = await s.request('POST', `/api/v1/users/${user}/agents/${a.id}/chat`, { key: a.key, body: say('hi') });
    expect(own.status, own.text).toBe(200);
    expect((await s.request('POST', `/api/v1/users/${user}/agents/${b.id}/chat`, { key: a.key, body: say('hi') })).status).toBe(404);
  });
});

describe('POST …/chat/stream (SSE)', () => {
  it('sends the run id, one numbered delta per token, then done with the whole message and usage; heartbeats while it waits', async () => {
    fake.chat.reply = 'one two three four five six seven eight';
    fake.chat.delayMs = 40;
    const a = await newAgent({ provider: 'openai', model: 'gpt-4o-mini' });
    const { events, comments } = await readSse(`/api/v1/users/${user}/agents/${a.id}/chat/stream`, { body: say('count') });
    expect(events[0]!.event).toBe('run');
    const rest = events.slice(1);
    expect(rest.map((e) => Number(e.id))).toEqual(rest.map((_, i) => i + 1));
    const deltas = rest.filter((e) => e.event === 'delta').map((e) => e.data.text).join('');
    const done = rest.at(-1)!;
    expect(done.event).toBe('done');
    expect(done.data.message).toBe(deltas);
    expect(deltas).toBe('one two three four five six seven eight');
    expect(done.data.usage).toEqual({ promptTokens: 11, completionTokens: 8, totalTokens: 19 });
    expect(comments).toBeGreaterThan(0); // ": ping" every CHAT_HEARTBEAT_MS (100 ms here) during a 320 ms stream
    fake.chat.delayMs = 0;
  });

  it('a client that drops mid-stream resumes from its last id with nothing lost or repeated, and the run went on', async () => {
    fake.chat.reply = Array.from({ length: 30 }, (_, i) => `w${i}`).join(' ');
    fake.chat.delayMs = 20;
    const a = await newAgent({ provider: 'openai', model: 'gpt-4o-mini' });
    const path = `/api/v1/users/${user}/agents/${a.id}/chat/stream`;
    const first = await readSse(path, { body: say('go'), stopAfter: 5 });
    const runId = first.events[0]!.data.runId as string;
    const seen = first.events.filter((e) => e.event === 'delta');
    const lastId = seen.at(-1)!.id!;
    const resumed = await readSse(`${path}?run=${runId}`, { headers: { 'Last-Event-ID': lastId } });
    const after = resumed.events.slice(1);
    expect(after[0]!.id).toBe(String(Number(lastId) + 1));
    const all = [...seen, ...after.filter((e) => e.event === 'delta')].map((e) => e.data.text).join('');
    expect(all).toBe(fake.chat.reply);
    expect(after.at(-1)!.data.message).toBe(fake.chat.reply);
    expect(await s.app.deps.prisma.chatRun.count({ where: { agentId: a.id } })).toBe(1); // resuming started nothing new
    fake.chat.delayMs = 0;
  });

  it('tokens that cannot be stored end the run with an error event after the last stored one: the stream ends, resume sees the same', async () => {
    fake.chat.reply = Array.from({ length: 12 }, (_, i) => `t${i}`).join(' ');
    fake.chat.delayMs = 15;
    const a = await newAgent({ provider: 'openai', model: 'gpt-4o-mini' });
    // The run's second batch of tokens fails to store (a database error mid-run); everything else goes through.
    const sql = s.app.deps.sql;
    const rows = sql.rows.bind(sql);
    let batches = 0;
    sql.rows = (async (name: string, text: string, params: unknown[]) => {
      if (name === 'chat_events_insert' && ++batches === 2) throw new Error('connection lost while storing tokens');
      return rows(name, text, params);
    }) as typeof sql.rows;
    try {
      const path = `/api/v1/users/${user}/agents/${a.id}/chat/stream`;
      const live = await readSse(path, { body: say('go') });
      const runId = live.events[0]!.data.runId as string;
      const after = live.events.slice(1);
      expect(after.map((e) => Number(e.id))).toEqual(after.map((_, i) => i + 1));
      expect(after.slice(0, -1).every((e) => e.event === 'delta')).toBe(true);
      expect(after.at(-1)).toMatchObject({ event: 'error', data: { error: 'internal server error', status: 500 } });
      const resumed = await readSse(`${path}?run=${runId}`, { headers: { 'Last-Event-ID': '0' } });
      expect(resumed.events.slice(1)).toEqual(after);
      const run = await s.app.deps.prisma.chatRun.findUniqueOrThrow({ where: { id: runId } });
      expect(run).toMatchObject({ status: 'error', error: 'internal server error' });
    } finally {
      sql.rows = rows;
      fake.chat.delayMs = 0;
    }
  });

  it('resuming an unknown or foreign run is 404', async () => {
    const a = await newAgent();
    expectPlainError(await s.request('POST', `/api/v1/users/${user}/agents/${a.id}/chat/stream?run=00000000-0000-4000-8000-000000000000`, { headers: { 'Last-Event-ID': '1' } }), 404, 'run not found');
  });
});

describe('GraphQL chat', () => {
  it('startChatRun, then two subscribers receive identical events; a late one with afterSeq gets the rest exactly once', async () => {
    fake.chat.reply = 'alpha beta gamma delta epsilon zeta eta theta';
    fake.chat.delayMs = 30;
    const a = await newAgent({ provider: 'openai', model: 'gpt-4o-mini' });
    const started = await s.graphql(
      `mutation($u: ID!, $a: ID!) { startChatRun(user: $u, agent: $a, messages: [{ role: "user", content: "go" }]) { __typename ... on MutationStartChatRunSuccess { data { id status } } ... on Error { message } } }`,
      { u: user, a: a.id },
    );
    const runId = started.body.data.startChatRun.data.id as string;
    const collect = (afterSeq?: number) =>
      new Promise<any[]>((resolve, reject) => {
        const c = createClient({ url: s.wsUrl, webSocketImpl: WebSocket, connectionParams: { apiKey: s.adminKey }, retryAttempts: 0 });
        const got: any[] = [];
        c.subscribe(
          { query: `subscription($r: ID!, $after: Int) { chatRunEvents(runId: $r, afterSeq: $after) { seq type delta message } }`, variables: { r: runId, after: afterSeq } },
          { next: (v) => got.push((v.data as any).chatRunEvents), error: reject, complete: () => (void c.dispose(), resolve(got)) },
        );
      });
    const [one, two] = await Promise.all([collect(), collect()]);
    expect(one).toEqual(two);
    expect(one.map((e) => e.seq)).toEqual(one.map((_, i) => i + 1));
    expect(one.at(-1)).toMatchObject({ type: 'done', message: fake.chat.reply });
    const late = await collect(3);
    expect(late).toEqual(one.slice(3));
    // The same subscription as the first two, after their stream ended: a stream of its own, replayed from the start.
    expect(await collect()).toEqual(one);
    const run = await s.graphql(`query($id: ID!) { chatRun(id: $id) { status message usage { totalTokens } } }`, { id: runId });
    expect(run.body.data.chatRun).toEqual({ status: 'done', message: fake.chat.reply, usage: { totalTokens: 19 } });
    fake.chat.delayMs = 0;
  });

  it('a subscriber whose client stops reading holds back no one else, and gets every event in order once it reads again', async () => {
    // ~6 MB of tokens: more than the kernel's socket buffers hold for a client that reads nothing, so the server
    // keeps the rest for that socket alone (src/graphql/ws.ts waits for it to drain) while the other reads on.
    fake.chat.reply = Array.from({ length: 250 }, (_, i) => `w${i}-${'x'.repeat(24_000)}`).join(' ');
    fake.holdChats(1);
    const a = await newAgent({ provider: 'openai', model: 'gpt-4o-mini' });
    const started = await s.graphql(
      `mutation($u: ID!, $a: ID!) { startChatRun(user: $u, agent: $a, messages: [{ role: "user", content: "big" }]) { ... on MutationStartChatRunSuccess { data { id } } } }`,
      { u: user, a: a.id },
    );
    const runId = started.body.data.startChatRun.data.id as string;
    /** A graphql-ws subscriber on a plain socket, which can stop reading (ws.pause) and start again. */
    const subscriber = async () => {
      const ws = new WebSocket(s.wsUrl, 'graphql-transport-ws');
      const events: { seq: number; type: string; delta: string | null }[] = [];
      const ended = new Promise<string>((resolve) => {
        ws.on('message', (raw) => {
          const m = JSON.parse(String(raw));
          if (m.type === 'connection_ack') {
            const query = 'subscription($r: ID!) { chatRunEvents(runId: $r, afterSeq: 0) { seq type delta } }';
            ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables: { r: runId } } }));
          } else if (m.type === 'next') events.push(m.payload.data.chatRunEvents);
          else resolve(m.type); // complete (or error)
        });
        ws.on('close', () => resolve('closed'));
      });
      await new Promise((r) => ws.once('open', r));
      ws.send(JSON.stringify({ type: 'connection_init', payload: { apiKey: s.adminKey } }));
      return { ws, events, ended };
    };
    const [reader, stalled] = await Promise.all([subscriber(), subscriber()]);
    await until(async () => reader.events.length > 0 && stalled.events.length > 0, 'both subscribers to receive the first token');
    stalled.ws.pause();
    fake.releaseChats();
    expect(await reader.ended).toBe('complete');
    const words = fake.chat.reply.split(/(?<=\s)/);
    expect(reader.events.map((e) => e.seq)).toEqual(Array.from({ length: words.length + 1 }, (_, i) => i + 1));
    expect(reader.events.slice(0, -1).map((e) => e.delta)).toEqual(words);
    expect(reader.events.at(-1)!.type).toBe('done');
    expect(stalled.events.length).toBeLessThan(reader.events.length); // it was held back, and held back only itself
    stalled.ws.resume();
    expect(await stalled.ended).toBe('complete');
    expect(stalled.events).toEqual(reader.events);
    reader.ws.close();
    stalled.ws.close();
  });

  it('cancelChatRun stops a running run with a cancelled event', async () => {
    fake.chat.reply = Array.from({ length: 200 }, (_, i) => `x${i}`).join(' ');
    fake.chat.delayMs = 20;
    const a = await newAgent({ provider: 'openai', model: 'gpt-4o-mini' });
    const started = await s.graphql(
      `mutation($u: ID!, $a: ID!) { startChatRun(user: $u, agent: $a, messages: [{ role: "user", content: "long" }]) { ... on MutationStartChatRunSuccess { data { id } } } }`,
      { u: user, a: a.id },
    );
    const runId = started.body.data.startChatRun.data.id;
    const cancelled = await s.graphql(`mutation($id: ID!) { cancelChatRun(id: $id) { ... on MutationCancelChatRunSuccess { data { status } } } }`, { id: runId });
    expect(cancelled.body.data.cancelChatRun.data.status).toBe('cancelled');
    const events = await s.app.deps.prisma.chatRunEvent.findMany({ where: { runId }, orderBy: { seq: 'asc' } });
    expect(events.at(-1)!.type).toBe('cancelled');
    expect(events.length).toBeLessThan(200);
    fake.chat.delayMs = 0;
  });
});

describe('tools', () => {
  const stream = (agent: string, content: string) => readSse(`/api/v1/users/${user}/agents/${agent}/chat/stream`, { body: say(content) });
  const configure = async (agent: string, tools: Record<string, unknown>) => {
    const res = await s.request('PATCH', `/api/v1/users/${user}/agents/${agent}/config`, { body: { tools } });
    expect(res.status, res.text).toBe(200);
  };

  it('workspace files: the embedded model reads, writes and lists when asked plainly; calls show in the stream and the log', async () => {
    const a = await newAgent();
    await configure(a.id, { files: true });
    const put = await s.request('PUT', `/api/v1/users/${user}/agents/${a.id}/files/notes.md`, { rawBody: 'Buy rope and lanterns.', headers: { 'Content-Type': 'text/markdown' } });
    expect(put.status, put.text).toBeLessThan(300);

    const read = await stream(a.id, 'Please read file notes.md');
    const types = read.events.slice(1).map((e) => e.event);
    expect(types.slice(0, 2)).toEqual(['tool_call', 'tool_result']);
    expect(types.at(-1)).toBe('done');
    expect(read.events.slice(1).map((e) => Number(e.id))).toEqual(types.map((_, i) => i + 1));
    expect(read.events[1]!.data).toEqual({ name: 'read_file', arguments: { path: 'notes.md' } });
    expect(read.events[2]!.data).toEqual({ name: 'read_file', ok: true, summary: 'read notes.md (22 bytes)' });
    expect(read.events.at(-1)!.data.message).toContain('Buy rope and lanterns.');

    const write = await stream(a.id, 'write file plans/todo.txt: call the harbour master');
    expect(write.events.find((e) => e.event === 'tool_result')!.data).toMatchObject({ name: 'write_file', ok: true });
    const written = await s.request('GET', `/api/v1/users/${user}/agents/${a.id}/files/plans/todo.txt`);
    expect(written.text).toBe('call the harbour master');

    const asked = await stream(a.id, 'What is in plans/todo.txt?');
    expect(asked.events.find((e) => e.event === 'tool_call')!.data).toEqual({ name: 'read_file', arguments: { path: 'plans/todo.txt' } });
    expect(asked.events.at(-1)!.data.message).toContain('call the harbour master');

    const list = await stream(a.id, 'list files');
    expect(list.events.find((e) => e.event === 'tool_result')!.data).toEqual({ name: 'list_files', ok: true, summary: '2 files' });
    expect(list.events.at(-1)!.data.message).toContain('notes.md, plans/todo.txt');

    const missing = await stream(a.id, 'read file nothing-here.md');
    expect(missing.events.find((e) => e.event === 'tool_result')!.data).toMatchObject({ ok: false, summary: expect.stringMatching(/not found/) });
    expect(missing.events.at(-1)!.event).toBe('done');

    const logs = await s.request('GET', `/api/v1/users/${user}/logs?limit=1000`);
    const toolLogs = (logs.body as { agent: string; message: string }[]).filter((l) => l.agent === a.name && /^tool (read|write|list)_files?:/.test(l.message));
    expect(toolLogs.map((l) => l.message).sort()).toEqual(
      ['tool list_files: 2 files', 'tool read_file: file not found', 'tool read_file: read notes.md (22 bytes)', 'tool read_file: read plans/todo.txt (23 bytes)', 'tool write_file: wrote plans/todo.txt (23 bytes)'].sort(),
    );

    // The same request to an agent whose files tool is off: no tool call, and the reply says why.
    const off = await newAgent();
    const refused = await stream(off.id, 'Please read file notes.md');
    expect(refused.events.some((e) => e.event === 'tool_call')).toBe(false);
    expect(refused.events.at(-1)!.data.message).toMatch(/read_file tool, which is not enabled/);
  });

  describe('http_fetch', () => {
    let target: Server;
    let targetUrl: string;
    const received: IncomingHttpHeaders[] = [];
    beforeAll(async () => {
      // A server on loopback that echoes the Authorization header it got (as a careless API might).
      target = createServer((req, res) => {
        received.push(req.headers);
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        if (req.url === '/big') return void res.end('~'.repeat(300 * 1024));
        res.end(`tide tables ready; you sent ${req.headers.authorization ?? 'no authorization'}`);
      });
      await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
      targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((r) => (target.closeAllConnections(), target.close(() => r()))));

    it('refuses loopback addresses, by IP and by a name that resolves to one, unless the agent allows private networks', async () => {
      const a = await newAgent();
      await configure(a.id, { http: { enabled: true } });
      const before = received.length;
      const byIp = await stream(a.id, `fetch ${targetUrl}/tides`);
      expect(byIp.events.find((e) => e.event === 'tool_call')!.data).toEqual({ name: 'http_fetch', arguments: { url: `${targetUrl}/tides`, method: 'GET' } });
      expect(byIp.events.find((e) => e.event === 'tool_result')!.data).toEqual({
        name: 'http_fetch',
        ok: false,
        summary: 'refused: 127.0.0.1 is a loopback address (private networks are not allowed)',
      });
      const byName = await stream(a.id, `fetch ${targetUrl.replace('127.0.0.1', 'localhost')}/tides`);
      expect(byName.events.find((e) => e.event === 'tool_result')!.data.summary).toMatch(/^refused: localhost resolves to an address that is a loopback address/);
      const metadata = await stream(a.id, 'fetch http://169.254.169.254/latest/meta-data/');
      expect(metadata.events.find((e) => e.event === 'tool_result')!.data.summary).toBe('refused: 169.254.169.254 is a cloud metadata address');
      expect(received.length).toBe(before); // nothing reached the target

      await configure(a.id, { http: { enabled: true, allowPrivateNetworks: true } });
      const allowed = await stream(a.id, `fetch ${targetUrl}/tides`);
      expect(allowed.events.find((e) => e.event === 'tool_result')!.data).toEqual({ name: 'http_fetch', ok: true, summary: `GET ${targetUrl}/tides → 200 (44 bytes)` });
      expect(allowed.events.at(-1)!.data.message).toContain('tide tables ready');
      expect(received.length).toBe(before + 1);
      // A response over the size cap (256 KiB by default) is cut off there.
      const big = await stream(a.id, `fetch ${targetUrl}/big`);
      expect(big.events.find((e) => e.event === 'tool_result')!.data.summary).toBe(`GET ${targetUrl}/big → 200 (262144 bytes, cut off)`);
      // The metadata address stays refused even then.
      const stillRefused = await stream(a.id, 'fetch http://169.254.169.254/latest/meta-data/');
      expect(stillRefused.events.find((e) => e.event === 'tool_result')!.data.ok).toBe(false);
    });

    it('a secret used as a header reaches the target but never appears in a response, event or log', async () => {
      const secret = 'tok-harbour-7f3a9c21e5d84b60';
      // The owner allows this secret toward the target's host only (without allowedHosts it is sent nowhere).
      expect((await s.request('PUT', `/api/v1/users/${user}/secrets`, { body: { HARBOUR_TOKEN: { value: secret, allowedHosts: ['127.0.0.1'] } } })).status).toBe(200);
      const a = await newAgent();
      await configure(a.id, { http: { enabled: true, allowPrivateNetworks: true } });
      const ask = `fetch ${targetUrl}/private with header Authorization: Bearer {{secrets.HARBOUR_TOKEN}}`;

      const sse = await stream(a.id, ask);
      expect(received.at(-1)!.authorization).toBe(`Bearer ${secret}`);
      expect(sse.events.find((e) => e.event === 'tool_call')!.data.arguments.headers).toEqual({ Authorization: 'Bearer {{secrets.HARBOUR_TOKEN}}' });
      expect(sse.events.find((e) => e.event === 'tool_result')!.data.ok).toBe(true);
      // The target echoed the token; what the model and the client see has it masked.
      expect(sse.events.at(-1)!.data.message).toContain('you sent Bearer [secret HARBOUR_TOKEN]');
      const runId = sse.events[0]!.data.runId as string;

      const rest = await s.request('POST', `/api/v1/users/${user}/agents/${a.id}/chat`, { body: say(ask) });
      expect(rest.status).toBe(200);
      expect(received.at(-1)!.authorization).toBe(`Bearer ${secret}`);

      const gql = await s.graphql(`query($id: ID!) { chatRun(id: $id) { message agent { name } } }`, { id: runId });
      expect(gql.body.data.chatRun.agent.name).toBe(a.name);
      const events = await s.app.deps.prisma.chatRunEvent.findMany({ where: { run: { agentId: a.id } } });
      const runs = await s.app.deps.prisma.chatRun.findMany({ where: { agentId: a.id } });
      const messages = await s.app.deps.prisma.chatMessage.findMany({ where: { agentId: a.id } });
      const logs = await s.request('GET', `/api/v1/users/${user}/logs?limit=1000`);
      const secrets = await s.request('GET', `/api/v1/users/${user}/secrets`);
      expect(events.length).toBeGreaterThan(4);
      for (const seen of [sse.raw, rest.text, gql.text, JSON.stringify(events), JSON.stringify(runs), JSON.stringify(messages), logs.text, secrets.text]) {
        expect(seen).not.toContain(secret);
        expect(seen).not.toContain(secret.slice(4, 20));
      }
      expect(logs.text).toContain('tool http_fetch: GET');

      // An unknown secret is a failed tool call naming it, and nothing is sent.
      const before = received.length;
      const unknown = await stream(a.id, `fetch ${targetUrl}/x with header X-Token: {{secrets.NOPE}}`);
      expect(unknown.events.find((e) => e.event === 'tool_result')!.data).toMatchObject({ ok: false, summary: 'secret NOPE is not set for this user' });
      expect(received.length).toBe(before);
    });
  });

  it('the openai provider gets the tools as function tools, runs the call it streams back, and answers with the result', async () => {
    const a = await newAgent({ provider: 'openai', model: 'gpt-4o-mini' });
    await configure(a.id, { files: true });
    await s.request('PUT', `/api/v1/users/${user}/agents/${a.id}/files/log.md`, { rawBody: 'Wind from the west.', headers: { 'Content-Type': 'text/markdown' } });
    fake.chat.toolCalls = [{ name: 'read_file', arguments: '{"path":"log.md"}' }];
    fake.chat.reply = 'The log says the wind is from the west.';
    try {
      const before = fake.requests.length;
      const sse = await stream(a.id, 'What does my log say?');
      const [first, second] = fake.requests.slice(before).filter((r) => r.path === '/v1/chat/completions');
      expect((first!.body.tools as { type: string; function: { name: string } }[]).map((t) => `${t.type}:${t.function.name}`)).toEqual([
        'function:read_file',
        'function:write_file',
        'function:list_files',
      ]);
      const sent = second!.body.messages as any[];
      expect(sent.at(-2)).toMatchObject({ role: 'assistant', tool_calls: [{ id: 'call_fake_0', type: 'function', function: { name: 'read_file', arguments: '{"path":"log.md"}' } }] });
      expect(sent.at(-1)).toMatchObject({ role: 'tool', tool_call_id: 'call_fake_0' });
      expect(JSON.parse(sent.at(-1).content)).toMatchObject({ ok: true, content: 'Wind from the west.' });
      expect(sse.events.slice(1).map((e) => e.event).slice(0, 2)).toEqual(['tool_call', 'tool_result']);
      const done = sse.events.at(-1)!;
      expect(done.data.message).toBe('The log says the wind is from the west.');
      // Usage is the sum of both provider calls: (7 + 5) for the tool call, (11 + 9) for the answer.
      expect(done.data.usage).toEqual({ promptTokens: 18, completionTokens: 14, totalTokens: 32 });
    } finally {
      fake.chat.toolCalls = [];
    }
  });
});

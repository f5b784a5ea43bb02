/**
 * Runs cut off by a crash (issue 16, class 8). A chat run executes in its
 * server's memory; when that process is killed (`kill -9`) mid-stream, the
 * run must not stay `running` forever: on the next start, or within the
 * lease on a process that keeps serving, it ends as `error` "interrupted:
 * the server process stopped" with a final event, so every stream resuming
 * it (SSE with Last-Event-ID, the graphql-ws subscription with afterSeq)
 * receives that event and closes, cancel answers as for a finished run, and
 * a new chat works.
 *
 * Real server processes (test/helpers/lifecycle.ts) and a local
 * OpenAI-compatible server that holds the chat stream open mid-reply.
 * The restart and graceful-stop tests run once (on PostgreSQL when this run
 * has it); the test of two processes needs PostgreSQL and is skipped,
 * visibly, without it.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { loadConfig } from '../src/config.js';
import { createApp } from '../src/app.js';
import { createLogger } from '../src/infra/logger.js';
import { createTestDatabase, onceAcrossDatabases, testDatabaseKind, type TestDatabase } from './helpers/database.js';
import { startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { START_MS, banner, start, type Proc } from './helpers/lifecycle.js';
import { freePort } from './helpers/net.js';
import { until } from './helpers/process.js';

const KEY = 'pg_test_interrupted_runs_admin_key_0123456789';
const INTERRUPTED = 'interrupted: the server process stopped';
/** How long a test waits for a stream to end before calling it hung. */
const STREAM_WAIT_MS = 20_000;

let fake: FakeOpenAI;
const dbs: TestDatabase[] = [];

beforeAll(async () => {
  fake = await startFakeOpenAI();
  fake.chat.reply = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
  fake.holdChats(3); // every chat stream stops after three words and stays open: the run is mid-stream
});
afterAll(async () => {
  await fake?.close();
  for (const db of dbs) await db.drop();
});

interface Server {
  proc: Proc;
  url: string;
  wsUrl: string;
}

async function serve(env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const proc = start({ ...env, PORT: String(port) });
  await banner(proc);
  return { proc, url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/graphql` };
}

function baseEnv(databaseUrl: string, dataDir: string): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    BOOTSTRAP_API_KEY: KEY,
    SECRET_KEY: 'interrupted-runs-secret-key-0123456789abcdef',
    RATE_LIMIT_PER_MINUTE: '100000',
    OPENAI_BASE_URL: fake.url,
    OPENAI_API_KEY: 'sk-test-interrupted-000000000000',
    OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
    CHAT_HEARTBEAT_MS: '200',
    JOB_POLL_MS: '100',
    RUN_LEASE_MS: '3000', // renewed every second: a live process under load keeps it
  };
}

async function call(s: Server, method: string, p: string, body?: unknown) {
  const res = await fetch(s.url + p, {
    method,
    headers: { Authorization: `Bearer ${KEY}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
}

const gql = (s: Server, query: string, variables: Record<string, unknown> = {}) => call(s, 'POST', '/graphql', { query, variables });

async function newAgent(s: Server, username: string) {
  expect((await call(s, 'POST', '/api/v1/users', { username, tier: 'enterprise' })).status).toBe(201);
  const agent = await call(s, 'POST', `/api/v1/users/${username}/agents`, { name: 'scout', provider: 'openai', model: 'gpt-4o-mini' });
  expect(agent.status, agent.text).toBe(201);
  return `/api/v1/users/${username}/agents/scout`;
}

interface SseEvent {
  id: string | null;
  event: string;
  data: any;
}

/**
 * Reads an SSE response. `until`: stop reading (and drop the connection) once it holds. `ended` tells
 * whether the server closed the stream; a stream still open after `waitMs` is given up (ended false).
 */
async function readSse(s: Server, p: string, opts: { body?: unknown; headers?: Record<string, string>; until?: (events: SseEvent[]) => boolean; waitMs?: number }) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), opts.waitMs ?? STREAM_WAIT_MS);
  const events: SseEvent[] = [];
  let ended = false;
  try {
    const res = await fetch(s.url + p, {
      method: 'POST',
      headers: { 'X-API-Key': KEY, 'Content-Type': 'application/json', ...opts.headers },
      body: JSON.stringify(opts.body ?? {}),
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        ended = true;
        break;
      }
      buffer += decoder.decode(value, { stream: true });
      let i;
      while ((i = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (block.startsWith(':')) continue;
        const ev: SseEvent = { id: null, event: 'message', data: null };
        for (const line of block.split('\n')) {
          const [k, ...rest] = line.split(': ');
          if (k === 'id') ev.id = rest.join(': ');
          else if (k === 'event') ev.event = rest.join(': ');
          else if (k === 'data') ev.data = JSON.parse(rest.join(': '));
        }
        events.push(ev);
      }
      if (opts.until?.(events)) {
        abort.abort();
        break;
      }
    }
  } catch (err) {
    if (!abort.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
  }
  return { events, ended };
}

/** A graphql-ws subscription to a run's events; `result` settles when it completes, or after `waitMs` (completed false). */
function subscribeRun(s: Server, runId: string, afterSeq: number, waitMs = STREAM_WAIT_MS) {
  const client = createClient({ url: s.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${KEY}` }, retryAttempts: 0 });
  const events: any[] = [];
  const result = new Promise<{ events: any[]; completed: boolean; error?: unknown }>((resolve) => {
    const timer = setTimeout(() => finish({ events, completed: false }), waitMs);
    const finish = (r: { events: any[]; completed: boolean; error?: unknown }) => {
      clearTimeout(timer);
      void client.dispose();
      resolve(r);
    };
    client.subscribe(
      { query: 'subscription($r: ID!, $after: Int) { chatRunEvents(runId: $r, afterSeq: $after) { seq type delta error } }', variables: { r: runId, after: afterSeq } },
      { next: (v) => events.push((v.data as any)?.chatRunEvents ?? v), error: (error) => finish({ events, completed: false, error }), complete: () => finish({ events, completed: true }) },
    );
  });
  return { events, result };
}

/** Starts a streamed chat and reads until the run is mid-stream (the three words the provider sends before it holds); the client then drops. */
async function chatMidStream(s: Server, agentPath: string) {
  const first = await readSse(s, `${agentPath}/chat/stream`, {
    body: { messages: [{ role: 'user', content: 'tell me a long story' }] },
    until: (evs) => evs.filter((e) => e.event === 'delta').length >= 3,
  });
  expect(first.events.map((e) => e.event)).toEqual(['run', 'delta', 'delta', 'delta']);
  return { runId: first.events[0]!.data.runId as string };
}

const CANCEL = 'mutation($id: ID!) { cancelChatRun(id: $id) { __typename ... on MutationCancelChatRunSuccess { data { status error } } ... on Error { message } } }';
const RUN = 'query($id: ID!) { chatRun(id: $id) { status error message } }';

async function kill9(s: Server) {
  s.proc.child.kill('SIGKILL');
  await s.proc.exited;
}

describe.skipIf(!onceAcrossDatabases())('a server killed mid-stream, then started again', () => {
  it(
    'ends the run as error with a final event: SSE and graphql-ws resumers receive it and close, cancel answers as finished, a new chat works',
    async () => {
      const dataDir = await mkdtemp(path.join(tmpdir(), 'personagraph-interrupted-'));
      let url = `pglite:${path.join(dataDir, 'db')}`;
      if (testDatabaseKind() === 'postgres') {
        const db = await createTestDatabase();
        dbs.push(db);
        url = db.url;
      }
      const env = baseEnv(url, dataDir);
      const first = await serve(env);
      const agentPath = await newAgent(first, 'crash-user');
      const { runId } = await chatMidStream(first, agentPath);
      expect((await gql(first, RUN, { id: runId })).body.data.chatRun.status).toBe('running');
      const lastId = 1; // the client resumes as if it had seen only the first delta

      await kill9(first);
      const second = await serve(env);

      // SSE resume after the last id seen: the deltas stored after it, then the final error event, and the stream closes.
      const resumed = await readSse(second, `${agentPath}/chat/stream?run=${runId}`, { headers: { 'Last-Event-ID': String(lastId) } });
      expect(resumed.ended, `the resumed stream did not end: ${JSON.stringify(resumed.events)}`).toBe(true);
      expect(resumed.events.slice(1)).toEqual([
        { id: '2', event: 'delta', data: { text: 'word1 ' } },
        { id: '3', event: 'delta', data: { text: 'word2 ' } },
        { id: '4', event: 'error', data: { error: INTERRUPTED, status: 503 } },
      ]);

      // The graphql-ws subscription with afterSeq: the same final event, then complete.
      const sub = await subscribeRun(second, runId, lastId).result;
      expect(sub.error).toBeUndefined();
      expect(sub.completed, `the subscription did not complete: ${JSON.stringify(sub.events)}`).toBe(true);
      expect(sub.events).toEqual([
        { seq: 2, type: 'delta', delta: 'word1 ', error: null },
        { seq: 3, type: 'delta', delta: 'word2 ', error: null },
        { seq: 4, type: 'error', delta: null, error: INTERRUPTED },
      ]);

      // The run is finished: what was said so far is kept; cancel returns it as it is (as for any finished run).
      const run = (await gql(second, RUN, { id: runId })).body.data.chatRun;
      expect(run).toEqual({ status: 'error', error: INTERRUPTED, message: 'word0 word1 word2 ' });
      const cancelled = await gql(second, CANCEL, { id: runId });
      expect(cancelled.body.data.cancelChatRun).toEqual({ __typename: 'MutationCancelChatRunSuccess', data: { status: 'error', error: INTERRUPTED } });

      // The client retries: a new chat works.
      fake.releaseChats();
      try {
        const again = await call(second, 'POST', `${agentPath}/chat`, { messages: [{ role: 'user', content: 'try again' }] });
        expect(again.status, again.text).toBe(200);
        expect(again.body).toEqual({ message: fake.chat.reply, agent: 'scout' });
      } finally {
        fake.holdChats(3);
      }
    },
    4 * START_MS,
  );
});

describe.skipIf(!onceAcrossDatabases())('a graceful stop (SIGTERM) with a run still going', () => {
  it('ends it at once as error with a final event, rather than leaving it running until a lease expires', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'personagraph-interrupted-stop-'));
    let url = `pglite:${path.join(dataDir, 'db')}`;
    if (testDatabaseKind() === 'postgres') {
      const db = await createTestDatabase();
      dbs.push(db);
      url = db.url;
    }
    // A lease far longer than the test: only the stop itself can end the run in time.
    const config = loadConfig({ ...baseEnv(url, dataDir), PORT: '0', RUN_LEASE_MS: '3600000', SHUTDOWN_TIMEOUT_MS: '200', LOG_LEVEL: 'silent' });
    const app = await createApp(config, createLogger('silent'));
    const { port } = await app.listen();
    const s = { url: `http://127.0.0.1:${port}` } as Server;
    let runId: string;
    try {
      await newAgent(s, 'stop-user');
      const started = await gql(s, 'mutation { startChatRun(user: "stop-user", agent: "scout", messages: [{ role: "user", content: "go on" }]) { ... on MutationStartChatRunSuccess { data { id } } } }');
      runId = started.body.data.startChatRun.data.id;
      await until(async () => (await app.deps.prisma.chatRunEvent.count({ where: { runId } })) === 3, 'the run to be mid-stream');
    } finally {
      await app.close();
    }
    const rows = async (sql: string) => {
      if (url.startsWith('pglite:')) {
        const lite = new PGlite(path.join(dataDir, 'db'));
        try {
          return (await lite.query<any>(sql, [runId])).rows;
        } finally {
          await lite.close();
        }
      }
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        return (await c.query(sql, [runId])).rows;
      } finally {
        await c.end();
      }
    };
    expect(await rows('SELECT status, error, message FROM "ChatRun" WHERE id = $1')).toEqual([{ status: 'error', error: INTERRUPTED, message: 'word0 word1 word2 ' }]);
    expect(await rows('SELECT seq, type, data FROM "ChatRunEvent" WHERE "runId" = $1 AND seq > 3 ORDER BY seq')).toEqual([{ seq: 4, type: 'error', data: { error: INTERRUPTED, status: 503 } }]);
  }, START_MS);
});

const onPostgres = testDatabaseKind() === 'postgres';
if (!onPostgres) console.warn('\n  SKIPPED: the two-process test of test/interrupted-runs.test.ts runs in the postgres project (two processes need a shared PostgreSQL).\n');

describe.skipIf(!onPostgres)('two processes on one PostgreSQL', () => {
  it(
    'one is killed mid-run: the other, still serving, ends the run within the lease and its subscriber sees the end',
    async () => {
      const db = await createTestDatabase();
      dbs.push(db);
      const env = baseEnv(db.url, await mkdtemp(path.join(tmpdir(), 'personagraph-interrupted-mp-')));
      const a = await serve(env);
      const b = await serve(env);
      const agentPath = await newAgent(a, 'mp-crash-user');
      const { runId } = await chatMidStream(a, agentPath);

      // The run lives on A: a subscriber on B waits for it, and B's cancel refuses it (A is alive, its lease fresh).
      const sub = subscribeRun(b, runId, 0, 60_000);
      const live = await gql(b, CANCEL, { id: runId });
      expect(live.body.data.cancelChatRun).toEqual({ __typename: 'OperationError', message: 'this run is executing on another process or was interrupted' });
      expect((await gql(b, RUN, { id: runId })).body.data.chatRun.status).toBe('running');

      await kill9(a);
      // B is not restarted: its sweeper ends the run once A's lease has expired.
      await until(async () => (await gql(b, RUN, { id: runId })).body.data.chatRun.status !== 'running', 'process B to end the run of the killed process A', 30_000);
      expect((await gql(b, RUN, { id: runId })).body.data.chatRun).toEqual({ status: 'error', error: INTERRUPTED, message: 'word0 word1 word2 ' });

      const got = await sub.result;
      expect(got.completed, `the subscription on B did not complete: ${JSON.stringify(got.events)}`).toBe(true);
      expect(got.events.at(-1)).toMatchObject({ type: 'error', error: INTERRUPTED });
      expect(got.events.map((e) => e.seq)).toEqual(got.events.map((_, i) => i + 1));
      expect((await gql(b, CANCEL, { id: runId })).body.data.cancelChatRun).toEqual({
        __typename: 'MutationCancelChatRunSuccess',
        data: { status: 'error', error: INTERRUPTED },
      });
    },
    4 * START_MS,
  );
});

/**
 * Issue 16, class 4: a key that stops being valid ends its open sockets and
 * streams within seconds — revoked, rotated past its grace period, expired,
 * or its agent or user deleted; over graphql-ws, GraphQL SSE and the REST
 * chat stream; and across processes (Redis) by the credentials broadcast.
 * Real server, real websockets (the graphql-transport-ws protocol spoken
 * directly, to see close codes), real HTTP streams.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from './helpers/server.js';
import { startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from './helpers/database.js';
import { reachable } from './helpers/net.js';
import { MULTIPROCESS_KEY, request, startProcess, type Proc } from './helpers/multiprocess.js';

const WAIT_MS = 20_000; // upper bound for anything to happen on a loaded box
const GRACE_SECONDS = 3;

let s: TestServer;
let fake: FakeOpenAI;
const sockets: WebSocket[] = [];
beforeAll(async () => {
  fake = await startFakeOpenAI();
  s = await startTestServer({
    RATE_LIMIT_PER_MINUTE: '100000',
    AUTH_RECHECK_MS: '200',
    KEY_ROTATION_GRACE_HOURS: String(GRACE_SECONDS / 3600),
    CHAT_HEARTBEAT_MS: '100',
    OPENAI_BASE_URL: fake.url,
    OPENAI_API_KEY: 'sk-test-revocation-0000000000',
  });
});
afterAll(async () => {
  for (const w of sockets) w.terminate();
  await s?.close();
  await fake?.close();
});

async function until(cond: () => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface Socket {
  ws: WebSocket;
  messages: any[];
  acked: boolean;
  closed: { code: number; reason: string } | null;
  subscribe(id: string, query: string): void;
}

/** A graphql-transport-ws connection authenticated in connection_init; resolves once acknowledged or closed. */
async function connect(wsUrl: string, key: string): Promise<Socket> {
  const ws = new WebSocket(wsUrl, 'graphql-transport-ws');
  sockets.push(ws);
  const sock: Socket = {
    ws,
    messages: [],
    acked: false,
    closed: null,
    subscribe: (id, query) => ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query } })),
  };
  ws.on('message', (d) => {
    const m = JSON.parse(String(d));
    if (m.type === 'connection_ack') sock.acked = true;
    if (m.type === 'ping') ws.send(JSON.stringify({ type: 'pong' }));
    sock.messages.push(m);
  });
  ws.on('close', (code, reason) => (sock.closed = { code, reason: reason.toString() }));
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } }));
  await until(() => sock.acked || sock.closed !== null, 'connection_ack or close');
  return sock;
}

const SUB = 'subscription { personaChanged { kind personaId } }';
let probes = 0;
const makePersona = () => s.graphql(`mutation { createPersona(input: { name: "probe ${++probes}", systemPrompt: "p" }) { __typename } }`);

/** Makes persona changes until `arrived()` (the subscription is live: events flow). */
async function probeUntil(arrived: () => boolean, what: string) {
  for (let i = 0; !arrived(); i++) {
    if (i > 40) throw new Error(`no event arrived: ${what}`);
    await makePersona();
    try {
      await until(arrived, what, 500);
    } catch {
      /* not yet subscribed: probe again */
    }
  }
}

/** A live personaChanged subscription over graphql-ws. */
async function liveSocket(key: string): Promise<Socket> {
  const sock = await connect(s.wsUrl, key);
  expect(sock.acked, JSON.stringify(sock.closed)).toBe(true);
  sock.subscribe('1', SUB);
  await probeUntil(() => sock.messages.some((m) => m.type === 'next' && m.id === '1'), 'an event on the socket');
  return sock;
}

async function expectClosedAsRevoked(sock: Socket) {
  await until(() => sock.closed !== null, 'the socket to be closed');
  expect(sock.closed!.code).toBe(4401);
  expect(sock.closed!.reason).toMatch(/revoked|expired|deleted/i);
}

async function expectRefused(key: string) {
  const again = await connect(s.wsUrl, key);
  expect(again.acked).toBe(false);
  expect(again.closed?.code).toBe(4401);
}

describe('graphql-ws sockets end with their key', () => {
  it('revoking a key closes its open socket (4401) and a new connection with it is refused; other keys stay', async () => {
    const key = await s.createKey(['persona:read'], { name: 'to revoke' });
    const other = await s.createKey(['persona:read'], { name: 'stays' });
    const sock = await liveSocket(key.key);
    const bystander = await liveSocket(other.key);
    const res = await s.request('DELETE', `/api/v1/api-keys/${key.id}`);
    expect(res.status).toBe(200);
    await expectClosedAsRevoked(sock);
    await expectRefused(key.key);
    // The other key's socket was checked too, and is still open and live.
    const before = bystander.messages.length;
    await probeUntil(() => bystander.messages.length > before, 'an event for the other key');
    expect(bystander.closed).toBeNull();
  });

  it('rotating a key keeps its socket for the grace period, then closes it; the successor connects', async () => {
    const key = await s.createKey(['persona:read'], { name: 'to rotate' });
    const sock = await liveSocket(key.key);
    const rotated = await s.request('POST', `/api/v1/api-keys/${key.id}/rotate`);
    expect(rotated.status).toBe(201);
    const rotatedAt = Date.now();
    // Within the grace period the old key still works: its socket hears the next event.
    const before = sock.messages.length;
    await makePersona();
    await until(() => sock.messages.length > before || sock.closed !== null, 'an event within the grace period');
    if (Date.now() - rotatedAt < GRACE_SECONDS * 1000) expect(sock.closed).toBeNull();
    await expectClosedAsRevoked(sock);
    await expectRefused(key.key);
    const successor = await connect(s.wsUrl, rotated.body.key);
    expect(successor.acked).toBe(true);
  });

  it('an expiring key closes its socket when it expires', async () => {
    const key = await s.createKey(['persona:read'], { name: 'expiring', expiresAt: new Date(Date.now() + 3000).toISOString() });
    const sock = await liveSocket(key.key);
    await expectClosedAsRevoked(sock);
    await expectRefused(key.key);
  });

  it('deleting an agent closes its agent key’s socket; deleting the user closes its other agents’ sockets', async () => {
    const user = await s.request('POST', '/api/v1/users', { body: { username: `revocation-${Date.now()}`, tier: 'enterprise' } });
    expect(user.status, user.text).toBe(201);
    const agent = async (name: string) => {
      const res = await s.request('POST', `/api/v1/users/${user.body.id}/agents`, { body: { name, provider: 'embedded' } });
      expect(res.status, res.text).toBe(201);
      return res.body.key as string;
    };
    const [one, two] = [await agent('one'), await agent('two')];
    const sockOne = await connect(s.wsUrl, one);
    const sockTwo = await connect(s.wsUrl, two);
    expect(sockOne.acked && sockTwo.acked).toBe(true);

    expect((await s.request('DELETE', `/api/v1/users/${user.body.id}/agents/one`)).status).toBe(200);
    await expectClosedAsRevoked(sockOne);
    await expectRefused(one);
    expect(sockTwo.closed).toBeNull();

    expect((await s.request('DELETE', `/api/v1/users/${user.body.id}`)).status).toBe(200);
    await expectClosedAsRevoked(sockTwo);
    await expectRefused(two);
  });
});

/** Reads a streamed response in the background. */
function drain(res: Response) {
  const state = { text: '', done: false };
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        state.text += decoder.decode(value, { stream: true });
      }
    } catch {
      /* the connection was cut: ended too */
    } finally {
      state.done = true;
    }
  })();
  return state;
}

describe('streams end with their key', () => {
  it('a GraphQL subscription over SSE ends when its key is revoked', async () => {
    const key = await s.createKey(['persona:read'], { name: 'sse' });
    const res = await fetch(`${s.url}/graphql`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key.key}`, 'Content-Type': 'application/json', Accept: 'text/event-stream' },
      body: JSON.stringify({ query: SUB }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const stream = drain(res);
    await probeUntil(() => stream.text.includes('personaChanged'), 'an event over SSE');
    expect(stream.done).toBe(false);
    expect((await s.request('DELETE', `/api/v1/api-keys/${key.id}`)).status).toBe(200);
    await until(() => stream.done, 'the SSE stream to end');
    // And it cannot be opened again.
    const again = await fetch(`${s.url}/graphql`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key.key}`, 'Content-Type': 'application/json', Accept: 'text/event-stream' },
      body: JSON.stringify({ query: SUB }),
    });
    expect(again.status).toBe(401);
    await again.body?.cancel();
  });

  it('a REST chat stream ends with an error event when its agent key is rotated (the run goes on)', async () => {
    fake.chat.reply = Array.from({ length: 400 }, (_, i) => `w${i}`).join(' ');
    fake.chat.delayMs = 50;
    try {
      const user = await s.request('POST', '/api/v1/users', { body: { username: `chat-revocation-${Date.now()}` } });
      expect(user.status, user.text).toBe(201);
      const made = await s.request('POST', `/api/v1/users/${user.body.id}/agents`, { body: { name: 'talker', provider: 'openai', model: 'gpt-4o-mini' } });
      expect(made.status, made.text).toBe(201);
      const res = await fetch(`${s.url}/api/v1/users/${user.body.id}/agents/talker/chat/stream`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${made.body.key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ messages: [{ role: 'user', content: 'talk' }] }),
      });
      expect(res.status).toBe(200);
      const stream = drain(res);
      await until(() => stream.text.includes('event: delta'), 'the first delta');
      const rotated = await s.request('POST', `/api/v1/users/${user.body.id}/agents/talker/rotate-key`);
      expect(rotated.status, rotated.text).toBe(200);
      await until(() => stream.done, 'the chat stream to end');
      expect(stream.text).not.toContain('event: done');
      expect(stream.text).toMatch(/event: error\ndata: \{[^\n]*"code":"invalid_api_key"/);
    } finally {
      fake.chat.delayMs = 0;
    }
  });
});

const onPostgres = testDatabaseKind() === 'postgres';
const haveRedis = onPostgres && (await reachable(6379));
if (onPostgres && !haveRedis) console.warn('\n  SKIPPED: the cross-process test in test/key-revocation.test.ts needs Redis at 127.0.0.1:6379.\n');
if (!onPostgres) console.warn('\n  SKIPPED: the cross-process test in test/key-revocation.test.ts runs in the postgres project (two processes share PostgreSQL and Redis).\n');

describe.skipIf(!haveRedis)('across processes (PostgreSQL + Redis)', () => {
  let db: TestDatabase;
  const procs: Proc[] = [];
  beforeAll(async () => {
    db = await createTestDatabase();
    // No periodic re-check and a long key cache: only the broadcast can close B's socket in time.
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: 'redis://127.0.0.1:6379',
      BOOTSTRAP_API_KEY: MULTIPROCESS_KEY,
      SECRET_KEY: 'multiprocess-secret-key-0123456789abcdef',
      RATE_LIMIT_PER_MINUTE: '100000',
      AUTH_RECHECK_MS: '300000',
      AUTH_CACHE_MS: '60000',
    };
    procs.push(await startProcess('A', env));
    procs.push(await startProcess('B', env));
  }, 180_000);
  afterAll(async () => {
    for (const p of procs) {
      p.child.kill('SIGTERM');
      await new Promise((r) => (p.child.exitCode !== null ? r(null) : p.child.once('exit', r)));
    }
    await db?.drop();
  });

  it('revoking a key on A closes its socket on B at once, and B refuses the key over HTTP', async () => {
    const [a, b] = procs as [Proc, Proc];
    const made = await request(a, 'POST', '/api/v1/api-keys', { body: { name: 'cross', scopes: ['persona:read'] } });
    expect(made.status, made.text).toBe(201);
    const sock = await connect(b.wsUrl, made.body.key);
    expect(sock.acked).toBe(true);
    // B has the key cached now (AUTH_CACHE_MS 60 s).
    expect((await request(b, 'GET', '/api/v1/me', { key: made.body.key })).status).toBe(200);
    expect((await request(a, 'DELETE', `/api/v1/api-keys/${made.body.id}`)).status).toBe(200);
    await expectClosedAsRevoked(sock);
    expect((await request(b, 'GET', '/api/v1/me', { key: made.body.key })).status).toBe(401);
  }, 60_000);
});

/**
 * Three real server processes on loopback sharing one PostgreSQL database and
 * Redis (the scale-out setup): events cross processes in order (persona
 * changes live through Redis, a chat run's tokens), one rate limit holds
 * across all three, and one Idempotency-Key creates one record whichever
 * processes the retries hit.
 * Needs PostgreSQL and Redis: skipped, visibly, where either is missing and on
 * the PGlite project.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from './helpers/database.js';
import { reachable } from './helpers/net.js';
import { Feed, MULTIPROCESS_KEY as KEY, request, startProcess, type Proc } from './helpers/multiprocess.js';

const onPostgres = testDatabaseKind() === 'postgres';
const haveRedis = onPostgres && (await reachable(6379));
if (onPostgres && !haveRedis) console.warn('\n  SKIPPED: test/multiprocess.test.ts needs Redis at 127.0.0.1:6379.\n');
if (!onPostgres) console.warn('\n  SKIPPED: test/multiprocess.test.ts needs a PostgreSQL server, and none answers in this run (three processes need a shared PostgreSQL).\n');

describe.skipIf(!haveRedis)('three processes on one PostgreSQL and Redis', () => {
  let db: TestDatabase;
  const procs: Proc[] = [];
  const clients: Client[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: 'redis://127.0.0.1:6379',
      BOOTSTRAP_API_KEY: KEY,
      SECRET_KEY: 'multiprocess-secret-key-0123456789abcdef',
      RATE_LIMIT_PER_MINUTE: '100000',
      JOB_POLL_MS: '100',
    };
    // The first applies the migrations and bootstraps the team; the others find them done.
    procs.push(await startProcess('A', env));
    procs.push(...(await Promise.all([startProcess('B', env), startProcess('C', env)])));
  }, 180_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    for (const p of procs) {
      p.child.kill('SIGTERM');
      await new Promise((r) => (p.child.exitCode !== null ? r(null) : p.child.once('exit', r)));
    }
    await db?.drop();
  });

  const ws = (p: Proc) => {
    const c = createClient({ url: p.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${KEY}` }, retryAttempts: 0 });
    clients.push(c);
    return c;
  };

  it('a subscriber on A receives, in order, the persona changes made on B', async () => {
    const [a, b] = procs as [Proc, Proc];
    const project = (await request(b, 'POST', '/api/projects', { body: { name: 'cross-process' } })).body.id;
    const feed = new Feed(ws(a), 'subscription { personaChanged { kind persona { name } } }');
    // Until A's Redis subscription is in place, events can pass it by: probe until one arrives.
    for (let i = 0; ; i++) {
      await request(b, 'POST', `/api/projects/${project}/personas`, { body: { name: `probe-${i}` } });
      try {
        await feed.next(500);
        break;
      } catch (err) {
        if (i > 40) throw new Error(`the subscription on A never received an event from B: ${String(err)}`);
      }
    }
    await new Promise((r) => setTimeout(r, 300));
    feed.drain();
    for (let i = 1; i <= 10; i++) await request(b, 'POST', `/api/projects/${project}/personas`, { body: { name: `ordered-${i}` } });
    const names: string[] = [];
    for (let i = 0; i < 10; i++) names.push((await feed.next()).data.personaChanged.persona.name);
    expect(names).toEqual(Array.from({ length: 10 }, (_, i) => `ordered-${i + 1}`));
    feed.stop();
  }, 60_000);

  it('a chat run started on B streams every token, in order, to a subscriber on C', async () => {
    const [, b, c] = procs as [Proc, Proc, Proc];
    expect((await request(b, 'POST', '/api/v1/users', { body: { username: 'mp-user' } })).status).toBe(201);
    expect((await request(b, 'POST', '/api/v1/users/mp-user/agents', { body: { name: 'mp-agent' } })).status).toBe(201);
    for (let i = 0; i < 200; i++) {
      if ((await request(c, 'GET', '/api/v1/users/mp-user/deploy/status')).body.status === 'succeeded') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const started = await request(b, 'POST', '/graphql', {
      body: { query: 'mutation { startChatRun(user: "mp-user", agent: "mp-agent", messages: [{ role: "user", content: "Tell me about rivers and lakes" }]) { ... on MutationStartChatRunSuccess { data { id } } } }' },
    });
    const runId = started.body.data.startChatRun.data.id;
    const feed = new Feed(ws(c), 'subscription($runId: ID!) { chatRunEvents(runId: $runId, afterSeq: 0) { seq type delta message } }', { runId });
    const events: any[] = [];
    for (;;) {
      const e = (await feed.next()).data.chatRunEvents;
      events.push(e);
      if (e.type === 'done' || e.type === 'error') break;
    }
    expect(events.at(-1).type).toBe('done');
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.filter((e) => e.type === 'delta').map((e) => e.delta).join('')).toBe(events.at(-1).message);
    feed.stop();
  }, 60_000);

  it('with a limit of 60 per minute, exactly 60 of 90 requests spread over the three processes succeed', async () => {
    const created = await request(procs[0]!, 'POST', '/api/v1/api-keys', { body: { name: 'limited', scopes: ['persona:read'], rateLimitPerMinute: 60 } });
    expect(created.status, created.text).toBe(201);
    const statuses = await Promise.all(Array.from({ length: 90 }, (_, i) => request(procs[i % 3]!, 'GET', '/api/v1/autousers?limit=1', { key: created.body.key }).then((r) => r.status)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(60);
    expect(statuses.filter((s) => s === 429)).toHaveLength(30);
  }, 60_000);

  it('concurrent requests with one Idempotency-Key over the three processes create exactly one record', async () => {
    const teamId = (await request(procs[0]!, 'GET', '/api/v1/me')).body.team.id;
    const body = { name: `idempotent-${Date.now()}`, teamId, description: 'created once', systemPrompt: 'You are created exactly once.' };
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => request(procs[i % 3]!, 'POST', '/api/v1/autousers', { body, headers: { 'Idempotency-Key': `mp-${body.name}` } })),
    );
    const ok = results.filter((r) => r.status === 201);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    for (const r of results) expect([201, 409]).toContain(r.status); // 409: "in use" while the first is still running
    expect(new Set(ok.map((r) => r.body.id)).size).toBe(1);
    const list = await request(procs[2]!, 'GET', '/api/v1/autousers?limit=100');
    expect(list.body.data.filter((p: any) => p.name === body.name)).toHaveLength(1);
    // A retry after the first finished replays it, on any process.
    const replay = await request(procs[1]!, 'POST', '/api/v1/autousers', { body, headers: { 'Idempotency-Key': `mp-${body.name}` } });
    expect(replay.status).toBe(201);
    expect(replay.body.id).toBe(ok[0]!.body.id);
  }, 60_000);
});

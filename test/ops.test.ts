/**
 * Operations endpoints: /livez, /readyz (database, migrations, Redis) and
 * Prometheus /metrics counting what a user did (requests by route pattern,
 * GraphQL operations, websockets and subscriptions, jobs, chat tokens).
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from './helpers/server.js';
import { freePort, reachable } from './helpers/net.js';
import { onceAcrossDatabases } from './helpers/database.js';
import { startServerProcess, until } from './helpers/process.js';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

let s: TestServer;

beforeAll(async () => {
  s = await startTestServer({ RATE_LIMIT_PER_MINUTE: '10000', JOB_POLL_MS: '50' });
});
afterAll(async () => s?.close());


async function metrics(server: TestServer = s): Promise<string> {
  const res = await fetch(`${server.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
}

/** The value of one sample line, e.g. value(text, 'http_requests_total', {route: '/api/v1/me'}). */
function value(text: string, name: string, labels: Record<string, string> = {}): number | null {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return null;
}

describe('/livez and /readyz', () => {
  it('are public; ready when the database answers and every migration is applied', async () => {
    const live = await fetch(`${s.url}/livez`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'alive' });
    const ready = await fetch(`${s.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok' } });
    expect((await fetch(`${s.url}/readyz`, { method: 'POST' })).status).toBe(405);
  });

  it('is not ready, with Retry-After, while Redis cannot be reached', async () => {
    const dead = await startTestServer({ REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      const res = await fetch(`${dead.url}/readyz`);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect((await res.json()).checks).toMatchObject({ database: 'ok', redis: 'unreachable' });
      expect((await fetch(`${dead.url}/livez`)).status).toBe(200);
    } finally {
      await dead.close();
    }
  });

  it('is ready with a Redis that answers', async (t) => {
    if (!(await reachable(6379))) {
      console.warn('\n  SKIPPED: test/ops.test.ts "is ready with a Redis that answers" needs Redis at 127.0.0.1:6379.\n');
      return t.skip();
    }
    const withRedis = await startTestServer({ REDIS_URL: 'redis://127.0.0.1:6379' });
    try {
      const res = await fetch(`${withRedis.url}/readyz`);
      expect(await res.json()).toMatchObject({ status: 'ready', checks: { redis: 'ok' } });
    } finally {
      await withRedis.close();
    }
  });
});

describe('/metrics', () => {
  it('counts REST requests by route pattern (no ids in labels) and status', async () => {
    const before = value(await metrics(), 'http_requests_total', { method: 'GET', route: '/api/v1/autousers/:id', status: '404' }) ?? 0;
    await s.request('GET', '/api/v1/autousers/00000000-0000-4000-8000-0000000aa001');
    await s.request('GET', '/api/v1/autousers/00000000-0000-4000-8000-0000000aa002');
    const text = await metrics();
    expect(value(text, 'http_requests_total', { method: 'GET', route: '/api/v1/autousers/:id', status: '404' })).toBe(before + 2);
    expect(text).not.toContain('00000000-0000-4000-8000-0000000aa001');
    expect(value(text, 'http_request_duration_seconds_count', { method: 'GET', route: '/api/v1/autousers/:id' })).toBeGreaterThanOrEqual(2);
    expect(value(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('counts GraphQL operations by name and outcome, websockets and live subscriptions', async () => {
    await s.graphql('query MetricsProbe { me { team { id } } }');
    await s.graphql('query MetricsBroken { nope }');
    let text = await metrics();
    expect(value(text, 'graphql_operations_total', { operation: 'MetricsProbe', type: 'query', outcome: 'ok' })).toBe(1);
    expect(value(text, 'graphql_operation_duration_seconds_count', { operation: 'MetricsProbe', type: 'query' })).toBe(1);

    const client = createClient({ url: s.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${s.adminKey}` }, lazy: false });
    const received: unknown[] = [];
    const stop = client.subscribe({ query: 'subscription Watch { personaChanged { kind } }' }, { next: (v) => received.push(v), error: () => {}, complete: () => {} });
    try {
      for (let i = 0; i < 100; i++) {
        text = await metrics();
        if (value(text, 'graphql_subscriptions_active') === 1) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(value(text, 'graphql_subscriptions_active')).toBe(1);
      expect(value(text, 'websocket_connections')).toBe(1);
      expect(value(text, 'graphql_operations_total', { operation: 'Watch', type: 'subscription' })).toBe(1);
    } finally {
      stop();
      await client.dispose();
    }
    for (let i = 0; i < 100; i++) {
      text = await metrics();
      if (value(text, 'websocket_connections') === 0 && value(text, 'graphql_subscriptions_active') === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(value(text, 'graphql_subscriptions_active')).toBe(0);
    expect(value(text, 'websocket_connections')).toBe(0);
  });

  it('reports the job table and this process’s attempts, and chat tokens', async () => {
    const user = (await s.request('POST', '/api/v1/users', { body: { username: 'metrics-user' } })).body;
    await s.request('POST', `/api/v1/users/${user.id}/agents`, { body: { name: 'counted' } });
    for (let i = 0; i < 200; i++) {
      const d = await s.request('GET', `/api/v1/users/${user.id}/deploy/status`);
      if (d.body.status === 'succeeded') break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const chat = await s.request('POST', `/api/v1/users/${user.id}/agents/counted/chat`, { body: { messages: [{ role: 'user', content: 'count my tokens' }] } });
    expect(chat.status, chat.text).toBe(200);
    const run = await s.app.deps.prisma.chatRun.findFirstOrThrow({ where: { userId: user.id } });
    const text = await metrics();
    expect(value(text, 'jobs', { kind: 'agents.deploy', status: 'succeeded' })).toBeGreaterThanOrEqual(1);
    expect(value(text, 'jobs', { kind: 'agents.deploy', status: 'queued' }) ?? 0).toBe(0);
    expect(value(text, 'job_attempts_total', { kind: 'agents.deploy', outcome: 'succeeded' })).toBeGreaterThanOrEqual(1);
    expect(value(text, 'jobs_dead')).toBe(0);
    expect(value(text, 'chat_tokens_total', { direction: 'completion' })).toBeGreaterThanOrEqual(run.completionTokens);
    expect(value(text, 'chat_tokens_total', { direction: 'prompt' })).toBeGreaterThanOrEqual(run.promptTokens);
  });

  it('with METRICS_TOKEN, answers only a bearer of it', async () => {
    const guarded = await startTestServer({ METRICS_TOKEN: 'metrics-token-0123456789' });
    try {
      expect((await fetch(`${guarded.url}/metrics`)).status).toBe(401);
      expect((await fetch(`${guarded.url}/metrics`, { headers: { Authorization: 'Bearer wrong-token-000000000' } })).status).toBe(401);
      const ok = await fetch(`${guarded.url}/metrics`, { headers: { Authorization: 'Bearer metrics-token-0123456789' } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('http_requests_total');
    } finally {
      await guarded.close();
    }
  });
});

describe('logs', () => {
  it.runIf(onceAcrossDatabases())('a server process writes one JSON line per request, carrying the request id the client sent or got', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'personagraph-logs-'));
    const port = await freePort();
    const proc = startServerProcess({ DATA_DIR: dir, PORT: String(port), LOG_LEVEL: 'info', BOOTSTRAP_API_KEY: 'pg_test_logs_admin_key_0123456789abcdefgh' });
    try {
      await until(() => proc.out().includes('personagraph is listening') || proc.child.exitCode !== null, 'the server to start');
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/me`, { headers: { authorization: 'Bearer pg_test_logs_admin_key_0123456789abcdefgh', 'x-request-id': 'trace-me-123' } });
      expect(res.headers.get('x-request-id')).toBe('trace-me-123');
      const anonymous = await fetch(`http://127.0.0.1:${port}/api/v1/nope`);
      const given = anonymous.headers.get('x-request-id')!;
      const lines = () => proc.out().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      await until(() => lines().some((l) => l.requestId === given), 'the second request’s log line');
      expect(lines().find((l) => l.requestId === 'trace-me-123')).toMatchObject({ msg: 'request', method: 'GET', path: '/api/v1/me', status: 200 });
      expect(lines().find((l) => l.requestId === given)).toMatchObject({ path: '/api/v1/nope', status: 404 });
    } finally {
      proc.child.kill('SIGKILL');
      await proc.exited;
    }
  }, 90_000);
});

/**
 * Starts a real personagraph server on a free loopback port, on a fresh
 * database (PGlite in memory, or a fresh PostgreSQL database in the postgres
 * project), and gives tests plain HTTP helpers around it.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createApp, type App } from '../../src/app.js';
import { createLogger } from '../../src/infra/logger.js';
import { createTestDatabase } from './database.js';
import { recordResponses } from './response-check.js';

/**
 * Statements a server makes on its own, whatever the request: the job queue's poll and the
 * leases of in-memory work (renewal and sweep). Tests that count a request's statements leave them out.
 */
export const BACKGROUND_STATEMENT = /"Job"|"leaseUntil"/;

export const ADMIN_KEY = 'pg_test_admin_key_0123456789abcdefghij';

export interface TestServer {
  url: string;
  wsUrl: string;
  app: App;
  adminKey: string;
  /** fetch against the server with the admin key unless `key` is given (null: no key). */
  request(method: string, path: string, opts?: RequestOptions): Promise<TestResponse>;
  graphql<T = any>(query: string, variables?: Record<string, unknown>, opts?: RequestOptions): Promise<TestResponse<{ data?: T; errors?: any[] }>>;
  /** Creates a key on the admin's team (or the given team admin key) and returns its secret. */
  createKey(scopes: string[], opts?: { name?: string; rateLimitPerMinute?: number; asKey?: string; expiresAt?: string }): Promise<{ id: string; key: string }>;
  /** Creates a second team and returns its admin key. */
  createTeam(name?: string): Promise<{ teamId: string; key: string }>;
  close(): Promise<void>;
}

export interface RequestOptions {
  key?: string | null;
  body?: unknown;
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
}

export interface TestResponse<B = any> {
  status: number;
  headers: Headers;
  body: B;
  text: string;
}

export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const db = await createTestDatabase();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'personagraph-test-'));
  const config = loadConfig({
    DATABASE_URL: db.url,
    DATA_DIR: dataDir,
    PORT: '0',
    BOOTSTRAP_API_KEY: ADMIN_KEY,
    SECRET_KEY: 'test-secret-key-0123456789abcdef0123456789',
    LOG_LEVEL: 'silent',
    SHUTDOWN_TIMEOUT_MS: '2000',
    ...env,
  });
  const app = await createApp(config, createLogger(config.logLevel), { observeQueries: true });
  // Every answer on an /api path is checked against the OpenAPI document this server serves
  // (test/helpers/response-check.ts): `request` fails on its own answer's problems, close() on any other's.
  const responses = recordResponses(app.http.server);
  const { port } = await app.listen();
  const url = `http://127.0.0.1:${port}`;
  const served = await fetch(`${url}/api/v1/openapi.json`);
  if (served.status !== 200) throw new Error(`GET /api/v1/openapi.json answered ${served.status}`);
  responses.use(await served.json());

  async function request(method: string, p: string, opts: RequestOptions = {}): Promise<TestResponse> {
    const headers: Record<string, string> = { ...opts.headers };
    const key = opts.key === undefined ? ADMIN_KEY : opts.key;
    if (key !== null && !('authorization' in lower(headers)) && !('x-api-key' in lower(headers))) headers.Authorization = `Bearer ${key}`;
    let body: string | Buffer | undefined;
    if (opts.rawBody !== undefined) body = opts.rawBody;
    else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['Content-Type'] ??= 'application/json';
    }
    const res = await fetch(url + p, { method, headers, body: typeof body === 'string' || body === undefined ? body : new Uint8Array(body) });
    const text = await res.text();
    const problems = responses.take(res.headers.get('x-request-id'));
    if (problems.length) throw new Error(`the answer contradicts the OpenAPI document:\n${problems.join('\n')}`);
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  }

  const server: TestServer = {
    url,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    app,
    adminKey: ADMIN_KEY,
    request,
    graphql: (query, variables, opts = {}) => request('POST', '/graphql', { ...opts, body: { query, variables } }),
    async createKey(scopes, opts = {}) {
      const res = await request('POST', '/api/v1/api-keys', {
        key: opts.asKey ?? ADMIN_KEY,
        body: { name: opts.name ?? `key-${scopes.join('-')}`, scopes, rateLimitPerMinute: opts.rateLimitPerMinute, expiresAt: opts.expiresAt },
      });
      if (res.status !== 201) throw new Error(`createKey failed: ${res.status} ${res.text}`);
      return { id: res.body.id, key: res.body.key };
    },
    async createTeam(name = 'other team') {
      const res = await request('POST', '/api/v1/teams', { body: { name } });
      if (res.status !== 201) throw new Error(`createTeam failed: ${res.status} ${res.text}`);
      return { teamId: res.body.team.id, key: res.body.apiKey.key };
    },
    async close() {
      await app.close();
      await db.drop();
      const problems = responses.takeAll();
      if (problems.length) throw new Error(`${problems.length} answer(s) during this file contradict the OpenAPI document:\n${problems.join('\n')}`);
    },
  };
  return server;
}

function lower(h: Record<string, string>) {
  return Object.fromEntries(Object.keys(h).map((k) => [k.toLowerCase(), true]));
}

/**
 * Every outbound request goes through the one guard (src/infra/safe-fetch.ts),
 * over real HTTP against real local servers:
 * - llmSettings.baseUrl (project and workspace, REST and GraphQL) is refused
 *   at save time when it names a loopback, private, link-local or metadata
 *   address: 400 naming the field, nothing stored;
 * - a base URL whose NAME resolves to loopback is refused when the request
 *   connects (images, eval runs): the model server never sees the API key;
 *   the per-connection check also stops DNS rebinding (guardedFetch given to
 *   the real openai SDK, streaming included);
 * - with OUTBOUND_ALLOWED_HOSTS=127.0.0.1 a local OpenAI-compatible server
 *   works for evals; the operator's OPENAI_BASE_URL is trusted (chat on a
 *   loopback server), yet still goes through the guard (metadata refused);
 * - the skill registry's content URL and its redirects are checked;
 * - the chat http_fetch tool uses the same guard: an agent cannot widen
 *   what the operator allows;
 * - no source file outside the guard calls fetch() or builds an OpenAI client.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardedFetch, OutboundRefused, trustOrigins, type OutboundPolicy, type Resolver } from '../src/infra/safe-fetch.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { startFakeOpenAI, type FakeOpenAI } from './helpers/fake-openai.js';
import { startFakeLangGraph, type FakeLangGraph } from './helpers/fake-langgraph.js';
import { startSkillRegistry, type SkillRegistry } from './helpers/skill-registry.js';
import { waitRun } from './helpers/evals.js';

const FAST = { RATE_LIMIT_PER_MINUTE: '100000', JOB_POLL_MS: '50' };
const PROJECT_KEY = 'sk-project-key-must-stay-home-0001';

let fake: FakeOpenAI;
let lg: FakeLangGraph;
let registry: SkillRegistry;
/** Default outbound policy (no private networks, no allow-list); the operator's OPENAI_BASE_URL is the local fake. */
let strict: TestServer;
/** OUTBOUND_ALLOWED_HOSTS=127.0.0.1: the operator allows a local model server. */
let local: TestServer;

beforeAll(async () => {
  [fake, lg, registry] = await Promise.all([startFakeOpenAI(), startFakeLangGraph(), startSkillRegistry()]);
  [strict, local] = await Promise.all([
    startTestServer({ ...FAST, OPENAI_API_KEY: 'sk-operator-000000000000', OPENAI_BASE_URL: fake.url, SKILL_REGISTRY_URL: registry.url }),
    startTestServer({ ...FAST, OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' }),
  ]);
});
afterAll(async () => {
  await Promise.all([strict?.close(), local?.close()]);
  await Promise.all([fake?.close(), lg?.close(), registry?.close()]);
});

let seq = 0;
async function newProject(s: TestServer): Promise<string> {
  const res = await s.request('POST', '/api/projects', { body: { name: `outbound ${++seq}` } });
  expect(res.status, res.text).toBe(201);
  return res.body.id;
}

const fakePort = () => new URL(fake.url).port;
/** A loopback model server that is NOT the operator's OPENAI_BASE_URL (the fake LangGraph server's port). */
const otherLoopback = () => `http://127.0.0.1:${new URL(lg.url).port}/v1`;


/** A playground run whose simulated user and judge are the project's LLM (llmSettings), against one of the team's (embedded) agents. */
async function playgroundRun(s: TestServer, pid: string) {
  const post = async (p: string, body: unknown) => {
    const res = await s.request('POST', p.startsWith('/api/') ? p : `/api/projects/${pid}${p}`, { body });
    expect(res.status, res.text).toBe(201);
    return res.body;
  };
  const user = await post('/api/v1/users', { username: `evals-${++seq}`, tier: 'enterprise' });
  const agent = await post(`/api/v1/users/${user.id}/agents`, { name: `support-${seq}`, provider: 'embedded' });
  const c = await post('/connectors', { name: `agent ${seq}`, type: 'agent', config: { agentId: agent.id } });
  const p = await post('/personas', { name: `persona ${seq}` });
  const sc = await post('/scenarios', { name: `scenario ${seq}`, instructions: 'Ask about the weather.', successCriteria: 'The agent answers', maxMessages: 2 });
  const run = await post('/runs/playground', { scenarioId: sc.id, connectorId: c.id, personaId: p.id });
  return waitRun(s, pid, run.id);
}

describe('llmSettings.baseUrl', () => {
  it('is refused when saved if it names a loopback, private, link-local or metadata address: 400 naming the field, nothing stored (REST and GraphQL)', async () => {
    const pid = await newProject(strict);
    const bad = [
      otherLoopback(),
      `http://127.0.0.1:${fakePort()}/admin/v1`, // the operator's model server, but not the operator's base URL
      'http://169.254.169.254/v1',
      'http://10.1.2.3/v1',
      'http://192.168.0.10:8000/v1',
      `http://[::1]:${fakePort()}/v1`,
      'http://metadata.google.internal/v1',
      'ftp://models.example.com/v1',
    ];
    for (const baseUrl of bad) {
      for (const path of [`/api/projects/${pid}/config`, '/api/workspace']) {
        const res = await strict.request('PUT', path, { body: { llmSettings: { provider: 'openai', apiKey: PROJECT_KEY, baseUrl } } });
        expect(res.status, `${path} ${baseUrl}: ${res.text}`).toBe(400);
        expect(res.body.error).toMatch(/^llmSettings\.baseUrl /);
        expect(res.text).not.toContain(PROJECT_KEY);
      }
    }
    expect((await strict.request('GET', `/api/projects/${pid}/config`)).body.llmSettings).toBeNull();
    expect((await strict.request('GET', '/api/workspace')).body.llmSettings).toBeNull();

    const gql = await strict.graphql(
      `mutation($id: ID!, $url: String) { updateProjectConfig(id: $id, input: { llmSettings: { provider: "openai", baseUrl: $url } }) {
        __typename ... on ValidationError { message param } } }`,
      { id: pid, url: 'http://169.254.169.254/latest' },
    );
    expect(gql.body.data.updateProjectConfig).toEqual({ __typename: 'ValidationError', message: 'llmSettings.baseUrl refused: 169.254.169.254 is a cloud metadata address', param: 'llmSettings.baseUrl' });

    // The operator's allow-list admits the local model server, never the metadata address.
    const localPid = await newProject(local);
    expect((await local.request('PUT', `/api/projects/${localPid}/config`, { body: { llmSettings: { provider: 'openai', baseUrl: fake.url } } })).status).toBe(200);
    expect((await local.request('PUT', `/api/projects/${localPid}/config`, { body: { llmSettings: { provider: 'openai', baseUrl: 'http://169.254.169.254/v1' } } })).status).toBe(400);
  });

  it('a name that resolves to loopback passes the save but is refused when the request connects (the model server never sees the key); an allowed local server works', async () => {
    const pid = await newProject(strict);
    const baseUrl = `http://localhost:${fakePort()}/v1`;
    const saved = await strict.request('PUT', `/api/projects/${pid}/config`, { body: { llmSettings: { provider: 'openai', apiKey: PROJECT_KEY, baseUrl } } });
    expect(saved.status, saved.text).toBe(200);
    const before = fake.requests.length;

    // A portrait (the SDK's images API): a 400 naming the setting.
    const persona = (await strict.request('POST', `/api/projects/${pid}/personas`, { body: { name: 'portrait', systemPrompt: 'A sailor.' } })).body;
    const image = await strict.request('POST', `/api/projects/${pid}/personas/${persona.id}/generate-image`);
    expect(image.status, image.text).toBe(400);
    expect(image.body.error).toMatch(/^The LLM provider's address was refused: localhost resolves to an address that is a loopback address/);

    // An eval run whose simulated user is that model: it ends in error, saying why.
    const run = await playgroundRun(strict, pid);
    expect(run.status).toBe('error');
    expect(run.error).toMatch(/refused: localhost resolves to an address that is a loopback address/);

    expect(fake.requests.slice(before)).toEqual([]);
    expect(fake.requests.some((r) => r.headers.authorization?.includes(PROJECT_KEY))).toBe(false);

    // With OUTBOUND_ALLOWED_HOSTS=127.0.0.1 the operator admits a local OpenAI-compatible server: the same run completes there.
    const localPid = await newProject(local);
    expect((await local.request('PUT', `/api/projects/${localPid}/config`, { body: { llmSettings: { provider: 'openai', apiKey: PROJECT_KEY, baseUrl: fake.url } } })).status).toBe(200);
    const localRun = await playgroundRun(local, localPid);
    expect(localRun.status, localRun.error).toBe('completed');
    const sent = fake.requests.slice(before).filter((r) => r.path === '/v1/chat/completions');
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((r) => r.headers.authorization === `Bearer ${PROJECT_KEY}`)).toBe(true);
  });
});

describe('the operator’s OPENAI_BASE_URL', () => {
  it('is trusted on a loopback address (chat streams from the local server), but still goes through the guard: a metadata address is refused before any connection', async () => {
    {
      const user = (await strict.request('POST', '/api/v1/users', { body: { username: `op-${++seq}`, tier: 'enterprise' } })).body.id;
      const agent = (await strict.request('POST', `/api/v1/users/${user}/agents`, { body: { name: `op-agent-${seq}`, provider: 'openai', model: 'gpt-4o-mini' } })).body;
      const before = fake.requests.length;
      const res = await strict.request('POST', `/api/v1/users/${user}/agents/${agent.id}/chat`, { body: { messages: [{ role: 'user', content: 'hello' }] } });
      expect(res.status, res.text).toBe(200);
      expect(res.body.message).toBe(fake.chat.reply);
      expect(fake.requests.slice(before).some((r) => r.path === '/v1/chat/completions')).toBe(true);

      // The next chats reuse the model server connection (a kept-alive socket of the guard's own pool): the first
      // token does not wait for a new connection each run.
      const again = fake.requests.length;
      for (let i = 0; i < 2; i++) {
        const next = await strict.request('POST', `/api/v1/users/${user}/agents/${agent.id}/chat`, { body: { messages: [{ role: 'user', content: `again ${i}` }] } });
        expect(next.status, next.text).toBe(200);
      }
      const chats = fake.requests.slice(before).filter((r) => r.path === '/v1/chat/completions');
      expect(chats.length).toBe(3);
      expect(new Set(chats.map((r) => r.connection)).size).toBe(1);
      expect(fake.requests.length - again).toBe(2);
    }
    const meta = await startTestServer({ ...FAST, OPENAI_API_KEY: 'sk-operator-000000000000', OPENAI_BASE_URL: 'http://169.254.169.254/v1' });
    try {
      const user = (await meta.request('POST', '/api/v1/users', { body: { username: 'meta', tier: 'enterprise' } })).body.id;
      const agent = (await meta.request('POST', `/api/v1/users/${user}/agents`, { body: { name: 'meta-agent', provider: 'openai', model: 'gpt-4o-mini' } })).body;
      const res = await meta.request('POST', `/api/v1/users/${user}/agents/${agent.id}/chat`, { body: { messages: [{ role: 'user', content: 'hello' }] } });
      expect(res.status, res.text).toBe(400);
      expect(res.body.error).toBe("The LLM provider's address was refused: 169.254.169.254 is a cloud metadata address");
    } finally {
      await meta.close();
    }
  });
});

describe('guardedFetch under the openai SDK', () => {
  let target: http.Server;
  let port = 0;
  const hits: string[] = [];
  beforeAll(async () => {
    target = http.createServer((req, res) => {
      hits.push(`${req.method} ${req.url}`);
      if (req.url === '/v1/redirect') return res.writeHead(307, { location: `http://127.0.0.1:${fakePort()}/v1/models` }).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'm1', object: 'model', created: 0, owned_by: 'x' }] }));
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    port = (target.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => (target.closeAllConnections(), target.close(() => r()))));

  it('resolves at every connection: a name that rebinds to a private address after a good answer is refused then', async () => {
    const answers = ['127.0.0.1', '10.0.0.9'];
    let calls = 0;
    const rebinding: Resolver = async () => [{ address: answers[Math.min(calls++, 1)]!, family: 4 }];
    const policy: OutboundPolicy = { allowPrivateNetworks: false, allowedHosts: ['127.0.0.1'] };
    const client = new OpenAI({ apiKey: 'sk-x', baseURL: `http://models.example:${port}/v1`, maxRetries: 0, fetch: guardedFetch({ policy, resolve: rebinding }) });
    const first = await client.models.list();
    expect(first.data.map((m) => m.id)).toEqual(['m1']);
    const before = hits.length;
    const second = await client.models.list().catch((e: unknown) => e);
    expect(second).toBeInstanceOf(OpenAI.APIConnectionError);
    expect((second as Error).cause).toBeInstanceOf(OutboundRefused);
    expect(((second as Error).cause as Error).message).toBe('refused: models.example resolves to an address that is a private address (private networks are not allowed)');
    expect(hits.length).toBe(before);
  });

  it('streams server-sent events from an allowed server, and refuses a redirect from a trusted origin to another private one', async () => {
    const policy = trustOrigins({ allowPrivateNetworks: false, allowedHosts: [] }, [fake.url]);
    const client = new OpenAI({ apiKey: 'sk-x', baseURL: fake.url, maxRetries: 0, fetch: guardedFetch({ policy }) });
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe(fake.chat.reply);

    const trustedTarget = trustOrigins({ allowPrivateNetworks: false, allowedHosts: [] }, [`http://127.0.0.1:${port}`]);
    const before = fake.requests.length;
    const res = await guardedFetch({ policy: trustedTarget })(`http://127.0.0.1:${port}/v1/redirect`).catch((e: unknown) => e);
    expect(res).toBeInstanceOf(OutboundRefused);
    expect((res as Error).message).toBe(`refused redirect from 127.0.0.1:${port}: 127.0.0.1 is a loopback address (private networks are not allowed)`);
    expect(fake.requests.length).toBe(before);
  });
});

describe('guardedFetch sends what fetch sends', () => {
  /** A loopback server that answers what it received: method, path, the headers a caller sets, and the body. */
  let echo: http.Server;
  let base = '';
  beforeAll(async () => {
    echo = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const h = req.headers;
        const seen = { method: req.method, url: req.url, type: h['content-type'] ?? null, length: h['content-length'] ?? null, custom: h['x-custom'] ?? null, body: Buffer.concat(chunks).toString('utf8') };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(seen));
      });
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => (echo.closeAllConnections(), echo.close(() => r()))));

  it('the same method, headers and body as the platform fetch for every way a call can be written; the same refusals', async () => {
    const guarded = guardedFetch({ policy: { allowPrivateNetworks: false, allowedHosts: ['127.0.0.1'] } });
    const calls: Array<[string, (b: string) => [string | URL | Request, RequestInit?]]> = [
      ['string body, no type', (b) => [`${b}/a`, { method: 'POST', body: '{"x":1}' }]],
      ['string body, typed, headers as an object', (b) => [`${b}/b?q=1`, { method: 'post', body: '{"x":"é ☃"}', headers: { 'Content-Type': 'application/json', 'X-Custom': 'one' } }]],
      ['bytes, headers as pairs', (b) => [new URL(`${b}/c`), { method: 'PUT', body: new Uint8Array([0, 1, 2, 255]), headers: [['x-custom', 'two']] }]],
      ['Headers, no body', (b) => [`${b}/d`, { headers: new Headers({ 'x-custom': 'three' }) }]],
      ['a Request', (b) => [new Request(`${b}/e`, { method: 'POST', body: 'from a request', headers: { 'x-custom': 'four' } })]],
      ['a stream body', (b) => [`${b}/f`, { method: 'POST', body: new Blob(['streamed']).stream(), duplex: 'half' } as RequestInit]],
    ];
    for (const [name, call] of calls) {
      const expected = await (await fetch(...call(base))).json();
      const got = await (await guarded(...call(base))).json();
      // The one difference: the guard reads a stream body whole and sends its length, where fetch sends it chunked.
      if (name === 'a stream body') expect(expected.length).toBeNull(), (expected.length = String(Buffer.byteLength(expected.body)));
      expect(got, name).toEqual(expected);
    }
    for (const init of [{ method: 'GET', body: 'x' }, { method: 'HEAD', body: 'x' }, { method: 'TRACE' }, { method: 'connect' }]) {
      const expected = await fetch(`${base}/no`, init).catch((e: unknown) => e);
      const got = await guarded(`${base}/no`, init).catch((e: unknown) => e);
      expect(expected, init.method).toBeInstanceOf(TypeError);
      expect(got, init.method).toBeInstanceOf(TypeError);
    }
  });
});

describe('guardedFetch with keepAlive', () => {
  /** A loopback server that answers which of its connections a request came on; `/drop` on a reused connection is dropped unanswered. */
  async function connectionServer() {
    const connectionOf = new WeakMap<object, number>();
    const requestsOn = new Map<number, number>();
    const seen: { url: string; connection: number }[] = [];
    let connections = 0;
    const server = http.createServer((req, res) => {
      const connection = connectionOf.get(req.socket)!;
      const nth = (requestsOn.get(connection) ?? 0) + 1;
      requestsOn.set(connection, nth);
      seen.push({ url: req.url!, connection });
      if (req.url === '/drop' && nth > 1) return req.socket.destroy(); // as a server that closed an idle socket
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ connection }));
    });
    server.on('connection', (socket) => connectionOf.set(socket, connections++));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { url, seen, close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) };
  }
  const policy: OutboundPolicy = { allowPrivateNetworks: false, allowedHosts: ['127.0.0.1'] };
  /** The answer, read to its end (the socket goes back to the pool), and one turn of the event loop for the agent to take it. */
  const connectionOf = async (f: typeof fetch, url: string) => {
    const res = await f(url);
    const body = (await res.json()) as { connection: number };
    await new Promise((r) => setImmediate(r));
    return body.connection;
  };

  it('reuses a connection it checked, for that origin only; without keepAlive every request connects anew', async () => {
    const [a, b] = await Promise.all([connectionServer(), connectionServer()]);
    try {
      const pooled = guardedFetch({ policy, keepAlive: true });
      expect([await connectionOf(pooled, `${a.url}/1`), await connectionOf(pooled, `${a.url}/2`), await connectionOf(pooled, `${a.url}/3`)]).toEqual([0, 0, 0]);
      expect(await connectionOf(pooled, `${b.url}/1`)).toBe(0); // b's own first connection
      expect(b.seen).toEqual([{ url: '/1', connection: 0 }]);

      // Another guarded fetch (another policy's client) never takes this one's sockets.
      const other = guardedFetch({ policy, keepAlive: true });
      expect(await connectionOf(other, `${a.url}/4`)).toBe(1);

      const fresh = guardedFetch({ policy });
      expect([await connectionOf(fresh, `${a.url}/5`), await connectionOf(fresh, `${a.url}/6`)]).toEqual([2, 3]);

      // Still checked: a pooled fetch refuses what its policy refuses, before any connection.
      const strictPooled = guardedFetch({ policy: { allowPrivateNetworks: false, allowedHosts: [] }, keepAlive: true });
      await expect(strictPooled(`${a.url}/7`)).rejects.toBeInstanceOf(OutboundRefused);
      expect(a.seen.map((s) => s.url)).toEqual(['/1', '/2', '/3', '/4', '/5', '/6']);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('sends a request again on a new connection when the pooled one was closed by the server', async () => {
    const a = await connectionServer();
    try {
      const pooled = guardedFetch({ policy, keepAlive: true });
      expect(await connectionOf(pooled, `${a.url}/first`)).toBe(0);
      const res = await pooled(`${a.url}/drop`, { method: 'POST', body: '{"x":1}', headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ connection: 1 });
      expect(a.seen).toEqual([{ url: '/first', connection: 0 }, { url: '/drop', connection: 0 }, { url: '/drop', connection: 1 }]);
    } finally {
      await a.close();
    }
  });
});

describe('the skill registry', () => {
  it('checks the content URL and every redirect: private targets are refused, nothing is installed', async () => {
    const user = (await strict.request('POST', '/api/v1/users', { body: { username: `skills-${++seq}`, tier: 'enterprise' } })).body.id;
    const before = registry.requests.length;
    for (const [slug, message] of [
      ['elsewhere', /^the skill registry's URL was refused: localhost resolves to an address that is a loopback address/],
      ['redirected', /^the skill registry's URL was refused: refused redirect to http:\/\/localhost:\d+: localhost resolves to an address that is a loopback address/],
      ['metadata', /^the skill registry's URL was refused: 169\.254\.169\.254 is a cloud metadata address/],
    ] as const) {
      const res = await strict.request('POST', `/api/v1/users/${user}/skills/${slug}/registry-install`);
      expect(res.status, `${slug}: ${res.text}`).toBe(422);
      expect(res.body.error).toMatch(message);
    }
    // The registry's own origin was asked; the loopback name never reached it.
    expect(registry.requests.slice(before)).toEqual(['GET /skills/elsewhere', 'GET /skills/redirected', 'GET /content/redirect', 'GET /skills/metadata']);
    expect(await strict.app.deps.prisma.skill.count({ where: { userId: user } })).toBe(0);
  });
});

describe('the chat http_fetch tool', () => {
  it('uses the same guard: an agent allowing private networks cannot reach what the operator does not allow', async () => {
    const received: string[] = [];
    const target = http.createServer((req, res) => (received.push(req.url ?? ''), res.end('internal data')));
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/admin`;
    try {
      const user = (await strict.request('POST', '/api/v1/users', { body: { username: `tool-${++seq}`, tier: 'enterprise' } })).body.id;
      const agent = (await strict.request('POST', `/api/v1/users/${user}/agents`, { body: { name: `tool-agent-${seq}`, provider: 'embedded' } })).body;
      const cfg = await strict.request('PATCH', `/api/v1/users/${user}/agents/${agent.id}/config`, { body: { tools: { http: { enabled: true, allowPrivateNetworks: true } } } });
      expect(cfg.status, cfg.text).toBe(200);
      for (const target of [url, `http://localhost:${new URL(url).port}/admin`, 'http://169.254.169.254/latest/meta-data/', 'http://[::ffff:127.0.0.1]/']) {
        const res = await strict.request('POST', `/api/v1/users/${user}/agents/${agent.id}/chat`, { body: { messages: [{ role: 'user', content: `fetch ${target}` }] } });
        expect(res.status, res.text).toBe(200);
      }
      const results = await strict.app.deps.prisma.chatRunEvent.findMany({ where: { run: { agentId: agent.id }, type: 'tool_result' }, orderBy: { createdAt: 'asc' } });
      expect(results.map((r) => (r.data as { ok: boolean; summary: string }).summary)).toEqual([
        'refused: 127.0.0.1 is a loopback address (private networks are not allowed)',
        expect.stringMatching(/^refused: localhost resolves to an address that is a loopback address/),
        'refused: 169.254.169.254 is a cloud metadata address',
        'refused: ::ffff:7f00:1 is a loopback address (private networks are not allowed)',
      ]);
      expect(received).toEqual([]);
    } finally {
      await new Promise<void>((r) => target.close(() => r()));
    }
  });
});

describe('the source', () => {
  /** Files allowed to make raw requests: the guard's connection (its entry is infra/safe-fetch.ts), and the one place that builds OpenAI clients (with the guard's fetch). */
  const ALLOWED: Record<string, RegExp[]> = {
    'infra/outbound/connect.ts': [/\bhttps?\.request\(/],
    'infra/ai/client.ts': [/new OpenAI\(/],
  };
  const FORBIDDEN: [string, RegExp][] = [
    ['a bare fetch() call', /(?<![\w.$])fetch\s*\(/],
    ['globalThis.fetch', /globalThis\s*\.\s*fetch\b/],
    ['new OpenAI(', /new\s+OpenAI\s*\(/],
    ['http(s).request / http(s).get', /\bhttps?\s*\.\s*(request|get)\s*\(/],
    ['undici', /from\s+['"]undici['"]|require\(['"]undici['"]\)/],
    ['axios / got / node-fetch', /from\s+['"](axios|got|node-fetch)['"]/],
  ];

  async function sources(dir: string): Promise<string[]> {
    const out: string[] = [];
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'generated') out.push(...(await sources(p)));
      } else if (/\.(ts|mts|js|mjs)$/.test(e.name)) out.push(p);
    }
    return out;
  }

  it('has no outbound request outside the guard: no fetch(), OpenAI client or http.request elsewhere in src/', async () => {
    const root = path.resolve(import.meta.dirname, '../src');
    const found: string[] = [];
    for (const file of await sources(root)) {
      const rel = path.relative(root, file).split(path.sep).join('/');
      const lines = (await readFile(file, 'utf8')).split('\n');
      lines.forEach((line, i) => {
        if (/^\s*(\*|\/\/)/.test(line)) return; // comments
        for (const [what, re] of FORBIDDEN) {
          if (re.test(line) && !(ALLOWED[rel] ?? []).some((ok) => ok.source === re.source || ok.test(line))) found.push(`${rel}:${i + 1}: ${what}: ${line.trim()}`);
        }
      });
    }
    expect(found).toEqual([]);
  });
});

/**
 * Secrets leave only toward the hosts their owner allows, over real HTTP:
 * - a user secret carries `allowedHosts` (REST seed 003 extended compatibly,
 *   and GraphQL); the agents' http_fetch tool substitutes `{{secrets.X}}`
 *   only when the request's host matches one (exact, or `*.example.com`);
 *   otherwise, and by default (no allowedHosts), the call fails with a clear
 *   message to the model and NOTHING is sent: the receivers (local servers
 *   the operator allows via OUTBOUND_ALLOWED_HOSTS) never see the secret;
 * - EvalStudio connector headers are stored encrypted (the database row
 *   holds no plaintext), shown masked in REST and GraphQL, still sent in
 *   full to the connector (fake LangGraph server); rows stored in plaintext
 *   before keep working and are sealed at the next start.
 */
import http from 'node:http';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretAllowsHost } from '../src/modules/secrets/service.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { startFakeLangGraph, type FakeLangGraph } from './helpers/fake-langgraph.js';
import { createTestDatabase, testDatabaseKind } from './helpers/database.js';

const TOKEN = 'tok-harbour-4b1d9e7720c35fa8';
const PLAIN = 'tok-plain-91c0e4d2b7a35f66';

interface Receiver {
  url: string;
  seen: string[];
  close(): Promise<void>;
}

/** A local server that records every header value it receives. */
async function receiver(host: string): Promise<Receiver> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(JSON.stringify(req.headers));
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  return {
    url: `http://${host}:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

let s: TestServer;
let allowed: Receiver;
let other: Receiver;
let lg: FakeLangGraph;
let user: string;

beforeAll(async () => {
  // Two hosts on loopback: 127.0.0.1 (the secret's allowed host) and 127.0.0.2 (another host). The operator lets tools reach both.
  [allowed, other, lg] = await Promise.all([receiver('127.0.0.1'), receiver('127.0.0.2'), startFakeLangGraph()]);
  s = await startTestServer({ RATE_LIMIT_PER_MINUTE: '100000', OUTBOUND_ALLOWED_HOSTS: '127.0.0.0/8' });
  user = (await s.request('POST', '/api/v1/users', { body: { username: 'secret-hosts', tier: 'enterprise' } })).body.id;
});
afterAll(async () => {
  await s?.close();
  await Promise.all([allowed?.close(), other?.close(), lg?.close()]);
});

let n = 0;
/** An embedded agent with the http tool on (private networks allowed, within the operator's policy). */
async function agent(): Promise<string> {
  const a = (await s.request('POST', `/api/v1/users/${user}/agents`, { body: { name: `fetcher-${++n}`, provider: 'embedded' } })).body;
  const cfg = await s.request('PATCH', `/api/v1/users/${user}/agents/${a.id}/config`, { body: { tools: { http: { enabled: true, allowPrivateNetworks: true } } } });
  expect(cfg.status, cfg.text).toBe(200);
  return a.id;
}

/** Asks the agent to fetch `url` with the secret as a header; answers the tool result. */
async function fetchWithSecret(agentId: string, url: string, name = 'HARBOUR_TOKEN'): Promise<{ ok: boolean; summary: string }> {
  const res = await s.request('POST', `/api/v1/users/${user}/agents/${agentId}/chat`, {
    body: { messages: [{ role: 'user', content: `fetch ${url}/tides with header Authorization: Bearer {{secrets.${name}}}` }] },
  });
  expect(res.status, res.text).toBe(200);
  expect(res.text).not.toContain(TOKEN);
  expect(res.text).not.toContain(PLAIN);
  const events = await s.app.deps.prisma.chatRunEvent.findMany({ where: { run: { agentId }, type: 'tool_result' }, orderBy: [{ createdAt: 'desc' }, { seq: 'desc' }], take: 1 });
  return events[0]!.data as { ok: boolean; summary: string };
}

const putSecrets = (body: unknown) => s.request('PUT', `/api/v1/users/${user}/secrets`, { body });
const sawToken = (r: Receiver) => r.seen.some((h) => h.includes(TOKEN));

describe('secrets and the hosts they may go to', () => {
  it('a secret is sent toward an allowed host, never toward another: the other receiver never sees it', async () => {
    const put = await putSecrets({ HARBOUR_TOKEN: { value: TOKEN, allowedHosts: ['127.0.0.1'] } });
    expect(put.status, put.text).toBe(200);
    expect(put.body.find((x: any) => x.name === 'HARBOUR_TOKEN')).toMatchObject({ allowedHosts: ['127.0.0.1'], readable: true });
    const a = await agent();

    const ok = await fetchWithSecret(a, allowed.url);
    expect(ok).toMatchObject({ ok: true });
    expect(allowed.seen.some((h) => h.includes(`Bearer ${TOKEN}`))).toBe(true);

    const before = other.seen.length;
    const refused = await fetchWithSecret(a, other.url);
    expect(refused).toEqual({
      name: 'http_fetch',
      ok: false,
      summary: 'secret HARBOUR_TOKEN may not be sent to 127.0.0.2: its owner allows it only for 127.0.0.1; nothing was sent',
    });
    expect(other.seen.length).toBe(before); // not even a request without the secret
    expect(sawToken(other)).toBe(false);
  });

  it('by default (no allowedHosts) a secret is sent nowhere; a plain-string update keeps the hosts; the hosts alone can be changed', async () => {
    const set = await putSecrets({ PLAIN_TOKEN: PLAIN });
    expect(set.status, set.text).toBe(200);
    const a = await agent();
    const before = allowed.seen.length;
    const refused = await fetchWithSecret(a, allowed.url, 'PLAIN_TOKEN');
    expect(allowed.seen.length).toBe(before); // nothing reached the receiver
    expect(allowed.seen.some((h) => h.includes(PLAIN))).toBe(false);
    expect(refused).toMatchObject({
      ok: false,
      summary: 'secret PLAIN_TOKEN may not be sent to 127.0.0.1: its owner allows it for no host (set its allowedHosts); nothing was sent',
    });
    expect(set.body.find((x: any) => x.name === 'PLAIN_TOKEN').allowedHosts).toEqual([]);

    // Only the hosts: the value stays.
    const hostsOnly = await putSecrets({ PLAIN_TOKEN: { allowedHosts: ['127.0.0.2', '*.harbour.example'] } });
    expect(hostsOnly.status, hostsOnly.text).toBe(200);
    expect(await fetchWithSecret(a, other.url, 'PLAIN_TOKEN')).toMatchObject({ ok: true });
    expect(other.seen.some((h) => h.includes(`Bearer ${PLAIN}`))).toBe(true);
    // A new value as a plain string keeps the hosts.
    const replaced = await putSecrets({ PLAIN_TOKEN: 'tok-replaced-000000000000' });
    expect(replaced.body.find((x: any) => x.name === 'PLAIN_TOKEN').allowedHosts).toEqual(['127.0.0.2', '*.harbour.example']);
    expect((await s.request('GET', `/api/v1/users/${user}/secrets`)).body.find((x: any) => x.name === 'PLAIN_TOKEN')).toMatchObject({ allowedHosts: ['127.0.0.2', '*.harbour.example'], value: '...0000' });
  });

  it('matches exact hosts and *.example.com subdomains only', () => {
    const grant = { allowedHosts: ['api.harbour.example', '*.tides.example', '127.0.0.1'] };
    expect(['api.harbour.example', 'API.Harbour.Example', 'eu.tides.example', 'a.b.tides.example', '127.0.0.1'].map((h) => secretAllowsHost(grant, h))).toEqual([true, true, true, true, true]);
    expect(['harbour.example', 'evil-api.harbour.example', 'tides.example', 'eviltides.example', 'api.harbour.example.evil.com', '127.0.0.2'].map((h) => secretAllowsHost(grant, h))).toEqual([false, false, false, false, false, false]);
  });

  it('rejects bad allowedHosts with a 400 naming the field, and a hosts-only update of a missing secret', async () => {
    for (const [body, message] of [
      [{ BAD_HOSTS: { value: 'x', allowedHosts: ['https://api.example.com'] } }, 'BAD_HOSTS.allowedHosts.0: allowedHosts entries must be host names'],
      [{ BAD_HOSTS: { value: 'x', allowedHosts: ['api.example.com:443'] } }, 'BAD_HOSTS.allowedHosts.0: allowedHosts entries must be host names'],
      [{ BAD_HOSTS: { value: 'x', allowedHosts: ['10.0.0.0/8'] } }, 'BAD_HOSTS.allowedHosts.0: allowedHosts entries must be host names'],
      [{ BAD_HOSTS: { value: 'x', allowedHosts: 'api.example.com' } }, 'BAD_HOSTS.allowedHosts: allowedHosts must be an array of host names'],
      [{ BAD_HOSTS: {} }, 'BAD_HOSTS: a secret object must give value or allowedHosts'],
      [{ MISSING_ONE: { allowedHosts: ['api.example.com'] } }, 'secret MISSING_ONE does not exist'],
    ] as const) {
      const res = await putSecrets(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toContain(message);
    }
    expect((await s.request('GET', `/api/v1/users/${user}/secrets`)).body.map((x: any) => x.name)).not.toContain('BAD_HOSTS');
  });

  it('GraphQL sets and shows allowedHosts', async () => {
    const set = await s.graphql(
      `mutation($u: ID!) { setSecrets(user: $u, secrets: [{ name: "GQL_TOKEN", value: "gql-value-0000000000", allowedHosts: ["*.api.example"] }]) {
        __typename ... on MutationSetSecretsSuccess { data { name allowedHosts } } } }`,
      { u: user },
    );
    expect(set.body.data.setSecrets.data.find((x: any) => x.name === 'GQL_TOKEN')).toEqual({ name: 'GQL_TOKEN', allowedHosts: ['*.api.example'] });
    const hostsOnly = await s.graphql(`mutation($u: ID!) { setSecrets(user: $u, secrets: [{ name: "GQL_TOKEN", allowedHosts: ["a.example"] }]) { __typename } }`, { u: user });
    expect(hostsOnly.body.data.setSecrets.__typename).toBe('MutationSetSecretsSuccess');
    const read = await s.graphql(`query($u: ID!) { agentUser(ref: $u) { secrets { name value allowedHosts } } }`, { u: user });
    expect(read.body.data.agentUser.secrets.find((x: any) => x.name === 'GQL_TOKEN')).toEqual({ name: 'GQL_TOKEN', value: '...0000', allowedHosts: ['a.example'] });
  });
});

describe('EvalStudio connector headers', () => {
  const AUTH = 'Bearer sk-connector-credential-9f8e7d6c5b4a';

  async function project(server: TestServer = s) {
    return (await server.request('POST', '/api/projects', { body: { name: `headers ${++n}` } })).body.id as string;
  }

  it('are encrypted at rest, masked in REST and GraphQL, and sent in full to the connector', async () => {
    const pid = await project();
    const created = await s.request('POST', `/api/projects/${pid}/connectors`, {
      body: { name: 'lg', type: 'langgraph', baseUrl: lg.url, headers: { Authorization: AUTH, 'X-Team': 'qa' }, config: { assistantId: 'a' } },
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id;
    const masked = { Authorization: 'Bear...5b4a', 'X-Team': '**' };
    expect(created.body.headers).toEqual(masked);
    expect((await s.request('GET', `/api/projects/${pid}/connectors/${id}`)).body.headers).toEqual(masked);
    expect((await s.request('GET', `/api/projects/${pid}/connectors`)).body[0].headers).toEqual(masked);
    const gql = await s.graphql(`query($id: ID!) { project(id: $id) { evalConnectors { headers } } }`, { id: pid });
    expect(gql.body.data.project.evalConnectors).toEqual([{ headers: masked }]);

    // The row itself: no plaintext anywhere.
    const [row] = await s.app.deps.prisma.$queryRawUnsafe<{ row: string }[]>(`SELECT row_to_json(c)::text AS row FROM "EvalConnector" c WHERE id = $1`, id);
    expect(row!.row).not.toContain('sk-connector-credential');
    expect(row!.row).not.toContain('"qa"');

    // Sent in full.
    const inv = await s.request('POST', `/api/projects/${pid}/connectors/${id}/invoke`, { body: { messages: [{ role: 'user', content: 'hello' }] } });
    expect(inv.status, inv.text).toBe(200);
    expect(inv.body.success).toBe(true);
    expect(lg.requests.at(-1)!.headers.authorization).toBe(AUTH);
    expect(lg.requests.at(-1)!.headers['x-team']).toBe('qa');

    // PUT back what GET showed, with one header changed: the masked ones keep their stored values.
    const put = await s.request('PUT', `/api/projects/${pid}/connectors/${id}`, { body: { headers: { ...masked, 'X-Team': 'ops' } } });
    expect(put.status, put.text).toBe(200);
    await s.request('POST', `/api/projects/${pid}/connectors/${id}/invoke`, { body: { messages: [{ role: 'user', content: 'again' }] } });
    expect(lg.requests.at(-1)!.headers.authorization).toBe(AUTH);
    expect(lg.requests.at(-1)!.headers['x-team']).toBe('ops');
  });

  it('rows stored in plaintext before stay usable, are shown masked, are sealed at the next start, and follow a master key rotation', async () => {
    const OLD = 'headers-old-master-key-00000000000000000000';
    const NEW = 'headers-new-master-key-11111111111111111111';
    const dir = await mkdtemp(path.join(tmpdir(), 'personagraph-headers-'));
    const db = testDatabaseKind() === 'pglite' ? { url: `pglite:${path.join(dir, 'db')}`, drop: async () => {} } : await createTestDatabase();
    const boot = (keys: Record<string, string> = { SECRET_KEY: OLD }) => startTestServer({ DATABASE_URL: db.url, DATA_DIR: dir, RATE_LIMIT_PER_MINUTE: '100000', OUTBOUND_ALLOWED_HOSTS: '127.0.0.1', ...keys });
    try {
      let srv = await boot();
      const pid = await project(srv);
      const id = (await srv.request('POST', `/api/projects/${pid}/connectors`, { body: { name: 'old', type: 'langgraph', baseUrl: lg.url, config: { assistantId: 'a' } } })).body.id;
      // What an older version stored: plaintext headers, no ciphertext.
      await srv.app.deps.prisma.$executeRawUnsafe(`UPDATE "EvalConnector" SET headers = $1::jsonb, "headersKeyId" = NULL, "headersCiphertext" = NULL WHERE id = $2`, JSON.stringify({ Authorization: AUTH }), id);
      expect((await srv.request('GET', `/api/projects/${pid}/connectors/${id}`)).body.headers).toEqual({ Authorization: 'Bear...5b4a' });
      await srv.request('POST', `/api/projects/${pid}/connectors/${id}/invoke`, { body: { messages: [{ role: 'user', content: 'legacy' }] } });
      expect(lg.requests.at(-1)!.headers.authorization).toBe(AUTH);
      await srv.close();

      srv = await boot();
      try {
        const [row] = await srv.app.deps.prisma.$queryRawUnsafe<{ row: string }[]>(`SELECT row_to_json(c)::text AS row FROM "EvalConnector" c WHERE id = $1`, id);
        expect(row!.row).not.toContain('sk-connector-credential');
        expect(row!.row).toContain('"headersCiphertext":"v1.');
        expect((await srv.request('GET', `/api/projects/${pid}/connectors/${id}`)).body.headers).toEqual({ Authorization: 'Bear...5b4a' });
        await srv.request('POST', `/api/projects/${pid}/connectors/${id}/invoke`, { body: { messages: [{ role: 'user', content: 'sealed' }] } });
        expect(lg.requests.at(-1)!.headers.authorization).toBe(AUTH);
      } finally {
        await srv.close();
      }

      // secrets:rotate re-seals connector headers too: with the old key gone they still open.
      const run = await promisify(execFile)('npm', ['run', '--silent', 'secrets:rotate'], {
        env: { ...process.env, DATABASE_URL: db.url, DATA_DIR: dir, SECRET_KEY: NEW, SECRET_KEYS_PREVIOUS: OLD, LOG_LEVEL: 'silent' },
      });
      expect(run.stdout).toContain('re-encrypted 1 secret(s) under the current key');
      srv = await boot({ SECRET_KEY: NEW });
      try {
        const inv = await srv.request('POST', `/api/projects/${pid}/connectors/${id}/invoke`, { body: { messages: [{ role: 'user', content: 'rotated' }] } });
        expect(inv.body.success, inv.text).toBe(true);
        expect(lg.requests.at(-1)!.headers.authorization).toBe(AUTH);
      } finally {
        await srv.close();
      }
    } finally {
      await db.drop();
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

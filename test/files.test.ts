/**
 * Agent workspace files (seed 003) over real HTTP: raw bytes in and out with
 * their content type, nested paths, a traversal corpus refused with 400, plan
 * limits answered with 413 before the body is buffered, other teams' agents,
 * scopes, and the GraphQL listing.
 */
import http from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TIERS } from '../src/modules/users/tiers.js';
import { startTestServer, type TestResponse, type TestServer } from './helpers/server.js';

let s: TestServer;
let other: { teamId: string; key: string };
let user: string;
let agent: string;
let base: string;

beforeAll(async () => {
  s = await startTestServer({ RATE_LIMIT_PER_MINUTE: '100000', BODY_LIMIT_BYTES: String(4 * 1024 * 1024) });
  other = await s.createTeam('files other team');
  user = (await s.request('POST', '/api/v1/users', { body: { username: 'filer' } })).body.id;
  const a = await s.request('POST', `/api/v1/users/${user}/agents`, { body: { name: 'writer' } });
  expect(a.status, a.text).toBe(201);
  agent = a.body.id;
  base = `/api/v1/users/${user}/agents/${agent}/files`;
});
afterAll(async () => s?.close());

function expectError(res: TestResponse, status: number, message: string | RegExp) {
  expect(res.status, res.text).toBe(status);
  expect(Object.keys(res.body)).toEqual(['error']);
  if (typeof message === 'string') expect(res.body.error).toBe(message);
  else expect(res.body.error).toMatch(message);
}

async function getBytes(path: string, key = s.adminKey) {
  const res = await fetch(s.url + path, { headers: { 'X-API-Key': key } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** Sends a raw HTTP request so the path reaches the server exactly as written (fetch would normalise it). */
function rawRequest(method: string, path: string, body?: Buffer, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: any }>((resolve, reject) => {
    const u = new URL(s.url);
    const req = http.request({ host: u.hostname, port: u.port, method, path, headers: { 'X-API-Key': s.adminKey, ...headers } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('workspace files', () => {
  it('PUT stores raw bytes with their content type (201, then 200 on replace); GET returns the same bytes; DELETE 204 then 404', async () => {
    const bytes = randomBytes(5000);
    const put = await s.request('PUT', `${base}/data/blob.bin`, { rawBody: bytes, headers: { 'Content-Type': 'application/x-custom' } });
    expect(put.status, put.text).toBe(201);
    expect(put.body).toMatchObject({ path: 'data/blob.bin', size: 5000, contentType: 'application/x-custom', sha256: createHash('sha256').update(bytes).digest('hex') });
    const got = await getBytes(`${base}/data/blob.bin`);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('application/x-custom');
    expect(got.bytes.equals(bytes)).toBe(true);
    expect(got.headers.get('etag')).toBe(`"${put.body.sha256}"`);

    const replaced = await s.request('PUT', `${base}/data/blob.bin`, { rawBody: 'hello', headers: { 'Content-Type': 'text/plain' } });
    expect(replaced.status).toBe(200);
    expect((await getBytes(`${base}/data/blob.bin`)).bytes.toString()).toBe('hello');

    // A missing content type is kept as application/octet-stream; the agent may be named, the user by username.
    const named = await rawRequest('PUT', `/api/v1/users/filer/agents/writer/files/notes/a.md`, Buffer.from('# hi'));
    expect(named.status).toBe(201);
    expect(named.body.contentType).toBe('application/octet-stream');

    expect((await s.request('DELETE', `${base}/data/blob.bin`)).status).toBe(204);
    expectError(await s.request('GET', `${base}/data/blob.bin`), 404, 'file not found');
    expectError(await s.request('DELETE', `${base}/data/blob.bin`), 404, 'file not found');
  });

  it('normalises ./ and duplicate slashes', async () => {
    const put = await rawRequest('PUT', `${base}/./docs//deep/./x.txt`, Buffer.from('x'), { 'Content-Type': 'text/plain' });
    expect(put.status).toBe(201);
    expect(put.body.path).toBe('docs/deep/x.txt');
    expect((await getBytes(`${base}/docs/deep/x.txt`)).bytes.toString()).toBe('x');
  });

  it('refuses a traversal corpus with 400 and writes nothing', async () => {
    const before = await s.app.deps.prisma.agentFile.count();
    const corpus = [
      '../secret', 'a/../../b', '..', 'a/..', '%2e%2e/x', '%2E%2E%2Fx', 'a%2f..%2f..%2fb', '%252e%252e/x', '..%5cx', 'a\\b', '..\\..\\x',
      '%2fetc/passwd', '/etc/passwd', 'C:/x', 'C:%5cx', 'x%00y', 'x%0ay', '~/x', 'dir/', `${'a/'.repeat(40)}f`, 'x'.repeat(1100),
    ];
    for (const p of corpus) {
      const res = await rawRequest('PUT', `${base}/${p}`, Buffer.from('nope'));
      expect([400, 404], `${p}: ${JSON.stringify(res.body)}`).toContain(res.status);
      if (res.status === 400) expect(res.body.error, p).toMatch(/^invalid (file )?path: /);
      else expect(res.body.error, p).toMatch(/^No route/); // the router itself refused the shape (e.g. nothing after files/)
      const get = await rawRequest('GET', `${base}/${p}`);
      expect([400, 404], p).toContain(get.status);
    }
    expect(await s.app.deps.prisma.agentFile.count()).toBe(before);
  });

  it('answers 413 past the plan’s file size, from Content-Length before reading, and mid-stream for chunked bodies', async () => {
    const limit = TIERS.free.fileBytes;
    const over = Buffer.alloc(limit + 1, 1);
    expectError(await s.request('PUT', `${base}/big.bin`, { rawBody: over }), 413, /larger than the free tier's limit of \d+ bytes per file/);

    // Chunked: no Content-Length; the server cuts it off once it passes the limit.
    const chunked = await new Promise<number>((resolve, reject) => {
      const u = new URL(s.url);
      const req = http.request({ host: u.hostname, port: u.port, method: 'PUT', path: `${base}/chunked.bin`, headers: { 'X-API-Key': s.adminKey, 'Transfer-Encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', () => resolve(413)); // the server may close the socket as soon as it answered
      let sent = 0;
      const pump = () => {
        while (sent <= limit + 64 * 1024) {
          sent += 64 * 1024;
          if (!req.write(Buffer.alloc(64 * 1024, 2))) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
      void reject;
    });
    expect(chunked).toBe(413);
    expect(await s.app.deps.prisma.agentFile.count({ where: { path: { in: ['big.bin', 'chunked.bin'] } } })).toBe(0);
  });

  it('answers 413 when the workspace is full', async () => {
    const u = (await s.request('POST', '/api/v1/users', { body: { username: 'full' } })).body.id;
    const a = (await s.request('POST', `/api/v1/users/${u}/agents`, { body: { name: 'packrat' } })).body.id;
    const { fileBytes, workspaceBytes } = TIERS.free;
    const p = `/api/v1/users/${u}/agents/${a}/files`;
    const chunk = Buffer.alloc(fileBytes, 3);
    const fits = Math.floor(workspaceBytes / fileBytes);
    for (let i = 0; i < fits; i++) expect((await s.request('PUT', `${p}/f${i}`, { rawBody: chunk })).status).toBe(201);
    const room = workspaceBytes - fits * fileBytes;
    expectError(await s.request('PUT', `${p}/one-more`, { rawBody: Buffer.alloc(room + 1, 4) }), 413, /workspace is full/);
    // Replacing a file with one of the same size still fits.
    expect((await s.request('PUT', `${p}/f0`, { rawBody: chunk })).status).toBe(200);
  });

  it('unknown user and agent, another team’s agent, and scopes', async () => {
    expectError(await s.request('GET', `/api/v1/users/nobody/agents/${agent}/files/x`), 404, 'user not found');
    expectError(await s.request('GET', `/api/v1/users/${user}/agents/nobody/files/x`), 404, 'agent not found');
    expectError(await s.request('PUT', `${base}/x`, { key: other.key, rawBody: 'x' }), 404, 'user not found');
    const reader = (await s.createKey(['agent:read'])).key;
    const denied = await s.request('PUT', `${base}/x`, { key: reader, rawBody: 'x' });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toContain('agent:write');
    await s.request('PUT', `${base}/readable.txt`, { rawBody: 'ok' });
    expect((await getBytes(`${base}/readable.txt`, reader)).status).toBe(200);
    expect((await s.request('DELETE', `${base}/readable.txt`, { key: reader })).status).toBe(403);
  });

  it('GraphQL lists an agent’s files with size, type and hash', async () => {
    await s.request('PUT', `${base}/gq/one.txt`, { rawBody: 'one', headers: { 'Content-Type': 'text/plain' } });
    const res = await s.graphql(`query($id: ID!) { agent(id: $id) { files(prefix: "gq/") { path size contentType sha256 } } }`, { id: agent });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.agent.files).toEqual([
      { path: 'gq/one.txt', size: 3, contentType: 'text/plain', sha256: createHash('sha256').update('one').digest('hex') },
    ]);
  });
});

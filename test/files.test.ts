/**
 * Agent workspace files (seed 003) over real HTTP: raw bytes in and out with
 * their content type, nested paths, a traversal corpus refused with 400, plan
 * limits answered with 413 before the body is buffered, other teams' agents,
 * scopes, and the GraphQL listing.
 */
import http from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticate } from '../src/modules/auth/service.js';
import { listAgentFiles, readAgentFile, writeAgentFile } from '../src/modules/files/service.js';
import { TIERS } from '../src/modules/users/tiers.js';
import { types } from '@electric-sql/pglite';
import { serializeBytea } from '../src/infra/db/adapter.js';
import { startTestServer, type TestResponse, type TestServer } from './helpers/server.js';
import { expectPlainError } from './helpers/errors.js';

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
    expect(got.headers.get('content-length')).toBe('5000');
    const cached = await fetch(s.url + `${base}/data/blob.bin`, { headers: { 'X-API-Key': s.adminKey, 'If-None-Match': `"${put.body.sha256}"` } });
    expect(cached.status).toBe(304);

    const replaced = await s.request('PUT', `${base}/data/blob.bin`, { rawBody: 'hello', headers: { 'Content-Type': 'text/plain' } });
    expect(replaced.status).toBe(200);
    expect((await getBytes(`${base}/data/blob.bin`)).bytes.toString()).toBe('hello');

    // A missing content type is kept as application/octet-stream; the agent may be named, the user by username.
    const named = await rawRequest('PUT', `/api/v1/users/filer/agents/writer/files/notes/a.md`, Buffer.from('# hi'));
    expect(named.status).toBe(201);
    expect(named.body.contentType).toBe('application/octet-stream');

    expect((await s.request('DELETE', `${base}/data/blob.bin`)).status).toBe(204);
    expectPlainError(await s.request('GET', `${base}/data/blob.bin`), 404, 'file not found');
    expectPlainError(await s.request('DELETE', `${base}/data/blob.bin`), 404, 'file not found');
  });

  it('normalises ./, duplicate slashes and Unicode (NFC)', async () => {
    const put = await rawRequest('PUT', `${base}/./docs//deep/./x.txt`, Buffer.from('x'), { 'Content-Type': 'text/plain' });
    expect(put.status).toBe(201);
    expect(put.body.path).toBe('docs/deep/x.txt');
    expect((await getBytes(`${base}/docs/deep/x.txt`)).bytes.toString()).toBe('x');
    // "café" typed precomposed, then read with a combining accent: one file.
    expect((await rawRequest('PUT', `${base}/caf%C3%A9.txt`, Buffer.from('nfc'))).body.path).toBe('caf\u00e9.txt');
    expect((await getBytes(`${base}/cafe%CC%81.txt`)).bytes.toString()).toBe('nfc');
  });

  it('refuses a traversal corpus with 400 and writes nothing', async () => {
    const before = await s.app.deps.prisma.agentFile.count();
    const corpus = [
      // dot-dot, plain and percent-encoded (once, twice, upper case, overlong UTF-8, %u)
      '../secret', 'a/../../b', '..', 'a/..', 'a/../b', '%2e%2e/x', '%2E%2E%2Fx', '.%2e/x', 'a/%2e%2e/b', '%252e%252e/x', '%25252e%25252e/x',
      '%c0%ae%c0%ae/x', '%u002e%u002e/x', '%ff/x',
      // encoded separators
      'a%2fb', 'a%2f..%2f..%2fb', '%2fetc/passwd', '%252f', '..%5cx', 'C:%5cx',
      // backslashes, absolute paths, drives, home
      'a\\b', '..\\..\\x', '/etc/passwd', '//etc/passwd', 'C:/x', '~/x',
      // NUL, control, C1 and bidirectional-override characters
      'x%00y', 'x/..%00', 'x%0ay', 'x%0d%0aSet-Cookie:a', 'x%7f', 'x%c2%85y', 'a%e2%80%aeb.txt',
      // directories and oversized paths
      'dir/', 'x/.', 'a/./.', `${'a/'.repeat(40)}f`, 'x'.repeat(1100), `${'y'.repeat(256)}/f`,
    ];
    for (const p of corpus) {
      const res = await rawRequest('PUT', `${base}/${p}`, Buffer.from('nope'));
      expect(res.status, `${p}: ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.error, p).toMatch(/^invalid (file )?path: /);
      for (const method of ['GET', 'DELETE']) expect((await rawRequest(method, `${base}/${p}`)).status, `${method} ${p}`).toBe(400);
    }
    // Nothing after files/ names the workspace itself: GET lists it, PUT and DELETE are refused.
    for (const p of ['', '.', './', '%2e']) {
      const res = await rawRequest('PUT', `${base}/${p}`, Buffer.from('nope'));
      expect(res.status, p).toBe(400);
      expect(res.body.error).toBe('invalid file path: it names no file');
      expect((await rawRequest('DELETE', `${base}/${p}`)).status, p).toBe(400);
    }
    expect(await s.app.deps.prisma.agentFile.count()).toBe(before);
  });

  it('GET …/files lists the workspace, optionally under a prefix', async () => {
    const u = (await s.request('POST', '/api/v1/users', { body: { username: 'lister' } })).body.id;
    const p = `/api/v1/users/${u}/agents`;
    const a = (await s.request('POST', p, { body: { name: 'shelf' } })).body.id;
    for (const f of ['b.txt', 'docs/one.md', 'docs/two.md', 'docsx/three.md']) await s.request('PUT', `${p}/${a}/files/${f}`, { rawBody: f });
    const all = await s.request('GET', `${p}/${a}/files`);
    expect(all.status).toBe(200);
    expect(all.body.map((f: any) => [f.path, f.size])).toEqual([['b.txt', 5], ['docs/one.md', 11], ['docs/two.md', 11], ['docsx/three.md', 14]]);
    const docs = await s.request('GET', `${p}/shelf/files?prefix=docs/`);
    expect(docs.body.map((f: any) => f.path)).toEqual(['docs/one.md', 'docs/two.md']);
    expectPlainError(await s.request('GET', `${p}/${a}/files?prefix=../`), 400, 'invalid file path: it contains ".."');
  });

  it('answers 413 past the plan’s file size, from Content-Length before reading, and mid-stream for chunked bodies', async () => {
    const limit = TIERS.free.fileBytes;
    const over = Buffer.alloc(limit + 1, 1);
    expectPlainError(await s.request('PUT', `${base}/big.bin`, { rawBody: over }), 413, /larger than the free tier's limit of \d+ bytes per file/);

    // A Content-Length over the limit is refused at once: the server answers without waiting for a byte of the body.
    const declared = await new Promise<{ status: number; body: any }>((resolve, reject) => {
      const u = new URL(s.url);
      const req = http.request(
        { host: u.hostname, port: u.port, method: 'PUT', path: `${base}/declared.bin`, headers: { 'X-API-Key': s.adminKey, 'Content-Length': String(1024 * 1024 * 1024) } },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => (resolve({ status: res.statusCode!, body: JSON.parse(text) }), req.destroy()));
        },
      );
      req.on('error', reject);
      req.flushHeaders(); // headers only; the body never comes
    });
    expect(declared.status).toBe(413);
    expect(declared.body.error).toMatch(/larger than the free tier's limit/);

    // Chunked (no Content-Length): the server answers 413 while the upload is still going, once it passes the limit.
    const chunked = await new Promise<{ status: number; sent: number }>((resolve, reject) => {
      const u = new URL(s.url);
      let sent = 0;
      let answered = false;
      const req = http.request({ host: u.hostname, port: u.port, method: 'PUT', path: `${base}/chunked.bin`, headers: { 'X-API-Key': s.adminKey, 'Transfer-Encoding': 'chunked' } }, (res) => {
        answered = true;
        res.resume();
        resolve({ status: res.statusCode!, sent });
        req.destroy();
      });
      req.on('error', (err) => (answered ? undefined : reject(err)));
      const pump = () => {
        // Never ends the request: only an answer before the end stops the pump (64 MB is far past any buffering).
        while (!answered && sent < 64 * 1024 * 1024) {
          sent += 64 * 1024;
          if (!req.write(Buffer.alloc(64 * 1024, 2))) return void req.once('drain', pump);
        }
        if (!answered) reject(new Error(`no answer after ${sent} bytes of an unfinished upload`));
      };
      pump();
    });
    expect(chunked.status).toBe(413);
    expect(chunked.sent).toBeGreaterThan(limit);
    expect(await s.app.deps.prisma.agentFile.count({ where: { path: { in: ['big.bin', 'chunked.bin', 'declared.bin'] } } })).toBe(0);
  });

  it('answers 413 when the workspace is full, also when two uploads race for the last room', async () => {
    const u = (await s.request('POST', '/api/v1/users', { body: { username: 'full' } })).body.id;
    const a = (await s.request('POST', `/api/v1/users/${u}/agents`, { body: { name: 'packrat' } })).body.id;
    const { fileBytes, workspaceBytes } = TIERS.free;
    const p = `/api/v1/users/${u}/agents/${a}/files`;
    const chunk = Buffer.alloc(fileBytes, 3);
    const fits = Math.floor(workspaceBytes / fileBytes) - 1;
    for (let i = 0; i < fits; i++) expect((await s.request('PUT', `${p}/f${i}`, { rawBody: chunk })).status).toBe(201);
    // One file's worth of room is left; two uploads of 60% of it each fit alone but not together.
    const part = Buffer.alloc(Math.floor(fileBytes * 0.6), 5);
    const race = await Promise.all([s.request('PUT', `${p}/race-a`, { rawBody: part }), s.request('PUT', `${p}/race-b`, { rawBody: part })]);
    expect(race.map((r) => r.status).sort()).toEqual([201, 413]);
    expect(race.find((r) => r.status === 413)!.body.error).toMatch(/^workspace is full: the free tier allows \d+ bytes/);
    const room = workspaceBytes - fits * fileBytes - part.length;
    expectPlainError(await s.request('PUT', `${p}/one-more`, { rawBody: Buffer.alloc(room + 1, 4) }), 413, /workspace is full/);
    // Replacing a file with one of the same size still fits.
    expect((await s.request('PUT', `${p}/f0`, { rawBody: chunk })).status).toBe(200);
    const used = await s.app.deps.prisma.agentFile.aggregate({ where: { agentId: a }, _sum: { size: true } });
    expect(used._sum.size).toBeLessThanOrEqual(workspaceBytes);
  }, 120_000); // eleven megabytes written to the database

  it('the embedded database receives bytes as the same text PGlite makes of them (made natively: 1 MB took ~1 s)', () => {
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 37) % 256);
    // Views into a larger buffer (as request bodies and Buffer's pool are) included.
    for (const value of [new Uint8Array(0), bytes, bytes.subarray(7, 250), Buffer.from('héllo\0'), randomBytes(64).subarray(3)]) {
      expect(serializeBytea(value)).toBe(types.serializers[types.BYTEA]!(value));
    }
    for (const bad of ['x', 1, {}]) expect(() => serializeBytea(bad)).toThrow('Invalid input for bytea type');
  });

  it('unknown user and agent, another team’s agent, and scopes', async () => {
    expectPlainError(await s.request('GET', `/api/v1/users/nobody/agents/${agent}/files/x`), 404, 'user not found');
    expectPlainError(await s.request('GET', `/api/v1/users/${user}/agents/nobody/files/x`), 404, 'agent not found');
    expectPlainError(await s.request('PUT', `${base}/x`, { key: other.key, rawBody: 'x' }), 404, 'user not found');
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
    const res = await s.graphql(`query($id: ID!) { agent(id: $id) { files(prefix: "gq/") { path size contentType sha256 updatedAt } } }`, { id: agent });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.agent.files).toEqual([
      { path: 'gq/one.txt', size: 3, contentType: 'text/plain', sha256: createHash('sha256').update('one').digest('hex'), updatedAt: expect.any(String) },
    ]);
    // Another team cannot list them.
    const theirs = await s.graphql(`query($id: ID!) { agent(id: $id) { files { path } } }`, { id: agent }, { key: other.key });
    expect(JSON.stringify(theirs.body)).not.toContain('gq/one.txt');
  });

  it('the runtime’s file functions (agent tools) keep the same rules and limits', async () => {
    const ctx = { deps: s.app.deps, actor: await authenticate(s.app.deps, s.adminKey), requestId: 'files-test' };
    const w = await writeAgentFile(ctx, agent, './tool//notes.md', Buffer.from('# by the agent'), 'text/markdown');
    expect(w).toMatchObject({ created: true, file: { path: 'tool/notes.md', size: 14, contentType: 'text/markdown' } });
    expect(Buffer.from((await readAgentFile(ctx, agent, 'tool/notes.md')).bytes).toString()).toBe('# by the agent');
    expect((await getBytes(`${base}/tool/notes.md`)).bytes.toString()).toBe('# by the agent');
    expect((await listAgentFiles(ctx, agent, 'tool/')).map((f) => f.path)).toEqual(['tool/notes.md']);
    await expect(writeAgentFile(ctx, agent, '../escape.md', Buffer.from('x'))).rejects.toThrow('invalid file path: it contains ".."');
    await expect(readAgentFile(ctx, agent, '/etc/passwd')).rejects.toThrow('invalid file path: it is absolute');
    await expect(readAgentFile(ctx, agent, 'tool/missing.md')).rejects.toThrow('file not found');
    await expect(writeAgentFile(ctx, agent, 'huge.bin', Buffer.alloc(TIERS.free.fileBytes + 1))).rejects.toThrow(/larger than the free tier's limit/);
    // Another team's agent is not found, whatever the id.
    const theirs = { deps: s.app.deps, actor: await authenticate(s.app.deps, other.key), requestId: 'files-test' };
    await expect(readAgentFile(theirs, agent, 'tool/notes.md')).rejects.toThrow('file not found');
    await expect(writeAgentFile(theirs, agent, 'x.md', Buffer.from('x'))).rejects.toThrow('agent not found');
    expect(await listAgentFiles(theirs, agent)).toEqual([]);
  });
});

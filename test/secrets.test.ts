/**
 * Users' secrets (seed 003) over real HTTP and GraphQL: set, list masked,
 * delete; values encrypted with a key id and bound to their owner and name;
 * master key rotation; and a plaintext value never in any response, database
 * row or log line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { SecretVault } from '../src/infra/vault.js';
import { authenticate } from '../src/modules/auth/service.js';
import { reencryptAll, secretValues } from '../src/modules/secrets/service.js';
import { createTestDatabase, testDatabaseKind } from './helpers/database.js';
import { startTestServer, type TestResponse, type TestServer } from './helpers/server.js';
import { expectPlainError } from './helpers/errors.js';

const MASTER = 'test-secret-key-0123456789abcdef0123456789'; // the test server's SECRET_KEY
const PLAIN = 'sk-live-THIS-IS-THE-PLAINTEXT-9f8e7d6c5b4a';

let s: TestServer;
let other: { teamId: string; key: string };
/** Every line the server logs (a real pino logger at trace level) and every SQL statement with its parameters. */
const logged: string[] = [];
const sql: string[] = [];

beforeAll(async () => {
  s = await startTestServer({ RATE_LIMIT_PER_MINUTE: '100000' });
  other = await s.createTeam('secrets other team');
  s.app.deps.log = pino({ level: 'trace' }, { write: (line: string) => void logged.push(line) });
  s.app.onQuery((e) => void sql.push(`${e.query} ${e.params}`));
});
afterAll(async () => s?.close());

let n = 0;
async function newUser(key?: string) {
  const res = await s.request('POST', '/api/v1/users', { body: { username: `sec-${++n}` }, ...(key ? { key } : {}) });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string; username: string };
}

/** The runtime's view, as the agent tools get it. */
async function runtimeValues(userId: string) {
  const ctx = { deps: s.app.deps, actor: await authenticate(s.app.deps, s.adminKey), requestId: 'test' };
  return secretValues(ctx, userId);
}

describe('secrets', () => {
  it('PUT sets values, GET lists names with masked values, DELETE removes one', async () => {
    const u = await newUser();
    const put = await s.request('PUT', `/api/v1/users/${u.username}/secrets`, { body: { OPENAI_KEY: PLAIN, SHORT: 'abc', MEDIUM: 's3cr3t-value-1234' } });
    expect(put.status, put.text).toBe(200);
    expect(put.body.map((x: any) => [x.name, x.value, x.readable])).toEqual([
      ['MEDIUM', '...1234', true],
      ['OPENAI_KEY', 'sk-l...5b4a', true],
      ['SHORT', '***', true],
    ]);
    const list = await s.request('GET', `/api/v1/users/${u.id}/secrets`);
    expect(list.body.map((x: any) => x.name)).toEqual(['MEDIUM', 'OPENAI_KEY', 'SHORT']);

    // null deletes; a new value replaces
    await s.request('PUT', `/api/v1/users/${u.id}/secrets`, { body: { SHORT: null, MEDIUM: null, OPENAI_KEY: 'sk-new-value-000000001111' } });
    expect((await runtimeValues(u.id))).toEqual({ OPENAI_KEY: 'sk-new-value-000000001111' });

    const del = await s.request('DELETE', `/api/v1/users/${u.id}/secrets/OPENAI_KEY`);
    expect(del.status).toBe(204);
    expectPlainError(await s.request('DELETE', `/api/v1/users/${u.id}/secrets/OPENAI_KEY`), 404, 'secret not found');
    expectPlainError(await s.request('DELETE', `/api/v1/users/${u.id}/secrets/..%2F..`), 400, 'invalid path: it contains ".."');
    expectPlainError(await s.request('DELETE', `/api/v1/users/${u.id}/secrets/not-a-name`), 404, 'secret not found');
    expect((await s.request('GET', `/api/v1/users/${u.id}/secrets`)).body).toEqual([]);
  });

  it('rejects bad input with 400 and changes nothing', async () => {
    const u = await newUser();
    await s.request('PUT', `/api/v1/users/${u.id}/secrets`, { body: { KEEP: 'kept-value-123456' } });
    const put = (body: unknown) => s.request('PUT', `/api/v1/users/${u.id}/secrets`, { body });
    for (const [body, message] of [
      [{}, 'body must name at least one secret'],
      [{ 'bad-name': 'x' }, 'secret names must match [A-Za-z_][A-Za-z0-9_]{0,127}'],
      [{ '1ST': 'x' }, 'secret names must match [A-Za-z_][A-Za-z0-9_]{0,127}'],
      [{ OK: 42 }, 'secret values must be strings (or null to delete)'],
      [{ OK: '' }, 'secret values must not be empty'],
      [{ OK: 'x'.repeat(32 * 1024 + 1) }, 'secret values must be at most 32768 bytes'],
    ] as const) {
      const res = await put(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toContain(message);
    }
    expect((await put(['A'])).status).toBe(400);
    expect(Object.keys(await runtimeValues(u.id))).toEqual(['KEEP']);
  });

  it('unknown user, another team’s user and missing scopes', async () => {
    expectPlainError(await s.request('GET', '/api/v1/users/nobody/secrets'), 404, 'user not found');
    const theirs = await newUser(other.key);
    expectPlainError(await s.request('PUT', `/api/v1/users/${theirs.id}/secrets`, { body: { A: 'b' } }), 404, 'user not found');
    const u = await newUser();
    const reader = (await s.createKey(['agent:read'])).key;
    const res = await s.request('PUT', `/api/v1/users/${u.id}/secrets`, { key: reader, body: { A: 'b' } });
    expect(res.status).toBe(403);
    expect(res.body.error).toContain('secrets:write');
    expect((await s.request('GET', `/api/v1/users/${u.id}/secrets`, { key: reader })).status).toBe(200);
    const writerOnly = (await s.createKey(['secrets:write'])).key;
    expect((await s.request('GET', `/api/v1/users/${u.id}/secrets`, { key: writerOnly })).status).toBe(403);
  });

  it('never shows a plaintext value: not in responses, not on its way to the database, not in rows, not in logs', async () => {
    const u = await newUser();
    const agent = await s.request('POST', `/api/v1/users/${u.id}/agents`, { body: { name: 'keeper' } });
    expect(agent.status, agent.text).toBe(201);
    const texts: string[] = [];
    texts.push((await s.request('PUT', `/api/v1/users/${u.id}/secrets`, { body: { TOKEN: PLAIN } })).text);
    texts.push((await s.request('GET', `/api/v1/users/${u.id}/secrets`)).text);
    texts.push((await s.request('GET', `/api/v1/users/${u.id}`)).text);
    texts.push((await s.request('GET', `/api/v1/users/${u.id}/logs`)).text);
    // Refused writes do not echo the value back either.
    texts.push((await s.request('PUT', `/api/v1/users/${u.id}/secrets`, { body: { TOKEN: PLAIN, 'bad name': PLAIN } })).text);
    texts.push((await s.request('PUT', `/api/v1/users/${u.id}/secrets`, { body: { TOKEN: PLAIN, BIG: PLAIN.repeat(2000) } })).text);
    texts.push(
      (await s.graphql(`query($u: ID!) { agentUser(ref: $u) { secrets { name value readable } } }`, { u: u.id })).text,
      (await s.graphql(`mutation($u: ID!, $v: String) { setSecrets(user: $u, secrets: [{ name: "TOKEN2", value: $v }]) { __typename ... on MutationSetSecretsSuccess { data { name value } } } }`, { u: u.id, v: PLAIN })).text,
      (await s.graphql(`mutation($u: ID!, $v: String) { setSecrets(user: $u, secrets: [{ name: "bad name", value: $v }]) { __typename ... on Error { message } } }`, { u: u.id, v: PLAIN })).text,
    );
    for (const t of texts) expect(t).not.toContain(PLAIN);
    expect(texts[6]).toContain('"readable":true');
    expect(texts[7]).toContain('"name":"TOKEN2"');
    expect(texts[8]).toContain('secret names must match');
    const rows = await s.app.deps.prisma.secret.findMany({ where: { userId: u.id } });
    expect(rows).toHaveLength(2);
    for (const r of rows) {
      expect(JSON.stringify(r)).not.toContain(PLAIN);
      expect(JSON.stringify(r)).not.toContain(Buffer.from(PLAIN).toString('base64'));
      // The key id is a short hash, never the key.
      expect(r.keyId).toMatch(/^[0-9a-f]{12}$/);
      expect(MASTER).not.toContain(r.keyId);
    }
    expect(new Set(rows.map((r) => r.ciphertext.split('.')[1])).size).toBe(2); // a fresh IV per value
    expect(sql.join('\n')).toContain(rows[0]!.ciphertext); // the statements were captured with their parameters
    expect(sql.join('\n')).not.toContain(PLAIN);
    expect(logged.join('')).not.toContain(PLAIN);
    expect(await runtimeValues(u.id)).toEqual({ TOKEN: PLAIN, TOKEN2: PLAIN });
  });

  it('a ciphertext copied to another name or user does not decrypt: the runtime refuses, the list says unreadable', async () => {
    const a = await newUser();
    const b = await newUser();
    await s.request('PUT', `/api/v1/users/${a.id}/secrets`, { body: { SRC: PLAIN } });
    await s.request('PUT', `/api/v1/users/${b.id}/secrets`, { body: { DST: 'bs-own-value-000000' } });
    const prisma = s.app.deps.prisma;
    const src = await prisma.secret.findFirstOrThrow({ where: { userId: a.id, name: 'SRC' } });
    await prisma.secret.updateMany({ where: { userId: b.id, name: 'DST' }, data: { ciphertext: src.ciphertext, keyId: src.keyId } });
    await prisma.secret.create({ data: { teamId: src.teamId, userId: a.id, name: 'COPY', keyId: src.keyId, ciphertext: src.ciphertext } });

    const list = await s.request('GET', `/api/v1/users/${b.id}/secrets`);
    expect(list.body).toEqual([expect.objectContaining({ name: 'DST', value: null, readable: false })]);
    await expect(runtimeValues(b.id)).rejects.toThrow(/cannot be decrypted.*DST/);
    await expect(runtimeValues(a.id)).rejects.toThrow(/COPY/);
    // The operator's log names the unreadable secrets, never a value.
    expect(logged.some((l) => l.includes('stored secrets cannot be decrypted') && l.includes('DST'))).toBe(true);
    expect(logged.join('')).not.toContain(PLAIN);
  });

  it('rotating the master key: old values still decrypt with the old key listed, and re-encryption moves them', async () => {
    const u = await newUser();
    await s.request('PUT', `/api/v1/users/${u.id}/secrets`, { body: { ROT: PLAIN } });
    const before = await s.app.deps.prisma.secret.findFirstOrThrow({ where: { userId: u.id, name: 'ROT' } });

    // As after a restart with SECRET_KEY=<new> and SECRET_KEYS_PREVIOUS=<old>.
    const original = s.app.deps.vault;
    const rotated = new SecretVault('the-new-master-key-00000000000000000000', [MASTER]);
    s.app.deps.vault = rotated;
    try {
      expect((await runtimeValues(u.id)).ROT).toBe(PLAIN);
      const { moved, unreadable } = await reencryptAll(s.app.deps.prisma, rotated);
      expect(moved).toBeGreaterThanOrEqual(1);
      // Only the values the previous test tampered with stay behind, named, never silently "fixed".
      expect(unreadable).not.toContain(`${u.id}/ROT`);
      expect(unreadable.every((x) => /\/(DST|COPY)$/.test(x))).toBe(true);
      const after = await s.app.deps.prisma.secret.findFirstOrThrow({ where: { userId: u.id, name: 'ROT' } });
      expect(after.keyId).toBe(rotated.currentKeyId);
      expect(after.keyId).not.toBe(before.keyId);
      // Once moved, the old key can go.
      s.app.deps.vault = new SecretVault('the-new-master-key-00000000000000000000');
      expect((await runtimeValues(u.id)).ROT).toBe(PLAIN);
      // Without the key a value was written with, it is unreadable, never wrong.
      s.app.deps.vault = new SecretVault('yet-another-master-key-000000000000000000');
      await expect(runtimeValues(u.id)).rejects.toThrow(/cannot be decrypted/);
    } finally {
      s.app.deps.vault = original;
    }
  });

  it('npm run secrets:rotate moves values to the new key across restarts; new writes use the new key id', async () => {
    const OLD = 'rotation-old-master-key-000000000000000000';
    const NEW = 'rotation-new-master-key-111111111111111111';
    const dir = await mkdtemp(path.join(tmpdir(), 'personagraph-rotate-'));
    const db = testDatabaseKind() === 'pglite' ? { url: `pglite:${path.join(dir, 'db')}`, drop: async () => {} } : await createTestDatabase();
    const boot = (env: Record<string, string>) => startTestServer({ DATABASE_URL: db.url, DATA_DIR: dir, RATE_LIMIT_PER_MINUTE: '100000', ...env });
    try {
      let srv = await boot({ SECRET_KEY: OLD });
      const u = (await srv.request('POST', '/api/v1/users', { body: { username: 'rotator' } })).body.id as string;
      await srv.request('PUT', `/api/v1/users/${u}/secrets`, { body: { A: PLAIN, B: 'second-value-0000000000' } });
      const oldId = new SecretVault(OLD).currentKeyId;
      await srv.close();

      // Restart with the new key and the old one as previous: old values still read; a new write uses the new key.
      srv = await boot({ SECRET_KEY: NEW, SECRET_KEYS_PREVIOUS: OLD });
      const listed = await srv.request('GET', `/api/v1/users/${u}/secrets`);
      expect(listed.body.map((x: any) => [x.name, x.readable])).toEqual([['A', true], ['B', true]]);
      await srv.request('PUT', `/api/v1/users/${u}/secrets`, { body: { C: 'third-value-000000000000' } });
      const keyIds = Object.fromEntries((await srv.app.deps.prisma.secret.findMany({ where: { userId: u } })).map((r) => [r.name, r.keyId]));
      expect(keyIds).toEqual({ A: oldId, B: oldId, C: new SecretVault(NEW).currentKeyId });
      await srv.close();

      const run = await promisify(execFile)('npm', ['run', '--silent', 'secrets:rotate'], {
        env: { ...process.env, DATABASE_URL: db.url, DATA_DIR: dir, SECRET_KEY: NEW, SECRET_KEYS_PREVIOUS: OLD, LOG_LEVEL: 'silent' },
      });
      expect(run.stdout).toContain('re-encrypted 2 secret(s) under the current key');
      expect(run.stdout + run.stderr).not.toContain(PLAIN);

      // With the old key gone, everything still reads.
      srv = await boot({ SECRET_KEY: NEW });
      try {
        expect((await srv.request('GET', `/api/v1/users/${u}/secrets`)).body.every((x: any) => x.readable)).toBe(true);
        const ctx = { deps: srv.app.deps, actor: await authenticate(srv.app.deps, srv.adminKey), requestId: 'rotate' };
        expect(await secretValues(ctx, u)).toEqual({ A: PLAIN, B: 'second-value-0000000000', C: 'third-value-000000000000' });
      } finally {
        await srv.close();
      }
    } finally {
      await db.drop();
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('deleting the user deletes their secrets', async () => {
    const u = await newUser();
    await s.request('PUT', `/api/v1/users/${u.id}/secrets`, { body: { GONE: PLAIN } });
    expect((await s.request('DELETE', `/api/v1/users/${u.id}`)).status).toBeLessThan(300);
    expect(await s.app.deps.prisma.secret.count({ where: { userId: u.id } })).toBe(0);
  });
});

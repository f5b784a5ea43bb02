/**
 * The `personagraph` command line as a user runs it (a real process through
 * bin/personagraph.mjs) against the embedded database or PostgreSQL: help,
 * usage errors, teams, keys (usable by the server afterwards), export and
 * import of a team with its bytes, refusals, and the embedded-database lock.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';
import { createTestDatabase, onceAcrossDatabases, testDatabaseKind, type TestDatabase } from './helpers/database.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dbs: TestDatabase[] = [];
afterAll(async () => {
  for (const d of dbs) await d.drop();
});

/** A fresh database: a PGlite directory, or a new PostgreSQL database. */
async function freshDatabase(): Promise<{ env: Record<string, string>; url: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'personagraph-cli-'));
  if (testDatabaseKind() === 'pglite') return { env: { DATA_DIR: dir }, url: `pglite:${path.join(dir, 'pglite')}` };
  const db = await createTestDatabase();
  dbs.push(db);
  return { env: { DATA_DIR: dir, DATABASE_URL: db.url }, url: db.url };
}

function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/personagraph.mjs', ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', SECRET_KEY: 'cli-test-secret-key-0123456789abcdef01', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A server on a database the CLI prepared (same SECRET_KEY), started after the CLI exited. */
async function serverOn(url: string): Promise<TestServer> {
  return startTestServer({ DATABASE_URL: url, SECRET_KEY: 'cli-test-secret-key-0123456789abcdef01' });
}

describe('personagraph (command line)', () => {
  it.runIf(onceAcrossDatabases())('--help lists the commands; usage errors exit 2 with the reason and the usage', async () => {
    const help = await cli(['--help'], {});
    expect(help.code).toBe(0);
    for (const c of ['serve', 'migrate', 'teams', 'keys', 'secrets', 'export', 'import']) expect(help.stdout).toContain(c);
    const sub = await cli(['keys', 'create', '--help'], {});
    expect(sub.code).toBe(0);
    expect(sub.stdout).toContain('--scopes <list>');

    const missing = await cli(['keys', 'create', '--scopes', 'all'], {});
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--name <name>' not specified");
    const unknown = await cli(['frobnicate'], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const badPort = await cli(['serve', '--port', 'eighty'], {});
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toContain('must be a port number');
  }, 60_000);

  // Each command is a process: these flows run once (on PostgreSQL when the run has it), the lock test on PGlite.
  it.runIf(onceAcrossDatabases())('creates a team and keys the server then accepts; lists and revokes them; rotates the master key; --json for scripts', async () => {
    const { env, url } = await freshDatabase();
    const migrate = await cli(['--json', 'migrate'], env);
    expect(migrate.code, migrate.stderr).toBe(0);
    expect(JSON.parse(migrate.stdout).applied.length).toBeGreaterThan(0);
    expect((await cli(['migrate'], env)).stdout).toMatch(/is up to date/);

    const team = await cli(['--json', 'teams', 'create', 'acme'], env);
    expect(team.code, team.stderr).toBe(0);
    const created = JSON.parse(team.stdout);
    expect(created.team.name).toBe('acme');
    expect(created.apiKey.key).toMatch(/^pg_live_/);

    const bad = await cli(['keys', 'create', '--name', 'x', '--scopes', 'persona:read,bogus', '--team', 'acme'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown scope: bogus');
    const noTeam = await cli(['keys', 'list', '--team', 'nobody'], env);
    expect(noTeam.code).toBe(2);
    expect(noTeam.stderr).toContain('no team with id or name "nobody"');
    const badRate = await cli(['keys', 'create', '--name', 'x', '--scopes', 'all', '--rate-limit', '0'], env);
    expect(badRate.code).toBe(2);

    const key = await cli(['--json', 'keys', 'create', '--name', 'reader', '--scopes', 'persona:read', '--team', 'acme', '--rate-limit', '5'], env);
    expect(key.code, key.stderr).toBe(0);
    const reader = JSON.parse(key.stdout);
    expect(reader.team).toBe(created.team.id);

    const list = JSON.parse((await cli(['--json', 'keys', 'list', '--team', created.team.id], env)).stdout);
    expect(list.map((k: any) => [k.name, k.status])).toEqual([['admin', 'active'], ['reader', 'active']]);
    expect(JSON.stringify(list)).not.toContain(reader.key);

    let s = await serverOn(url);
    try {
      const me = await s.request('GET', '/api/v1/me', { key: reader.key });
      expect(me.status).toBe(200);
      expect(me.body.team.name).toBe('acme');
      expect((await s.request('GET', '/api/v1/me', { key: created.apiKey.key })).status).toBe(200);
    } finally {
      await s.close();
    }

    const revoked = await cli(['keys', 'revoke', reader.id, '--team', 'acme'], env);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(`revoked ${reader.id}`);
    expect((await cli(['keys', 'revoke', '00000000-0000-4000-8000-000000000000', '--team', 'acme'], env)).stderr).toContain('API key not found');
    s = await serverOn(url);
    try {
      expect((await s.request('GET', '/api/v1/me', { key: reader.key })).status).toBe(401);
    } finally {
      await s.close();
    }

    const noKey = await cli(['secrets', 'rotate-master-key'], { ...env, SECRET_KEY: '' });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('set SECRET_KEY');
    const rotated = await cli(['--json', 'secrets', 'rotate-master-key'], env);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(JSON.parse(rotated.stdout)).toEqual({ moved: 0, unreadable: [] });
  }, 300_000);

  it.runIf(onceAcrossDatabases())('exports a team with its data and bytes and imports it elsewhere, keeping ids; refuses a second import and non-exports', async () => {
    const source = await freshDatabase();
    const teamOut = JSON.parse((await cli(['--json', 'teams', 'create', 'exported'], source.env)).stdout);
    const key = teamOut.apiKey.key as string;
    let s = await serverOn(source.url);
    let personaId: string;
    let userId: string;
    try {
      const project = await s.request('POST', '/api/projects', { key, body: { name: 'travel' } });
      const persona = await s.request('POST', `/api/projects/${project.body.id}/personas`, { key, body: { name: 'nomad', systemPrompt: 'You travel light.' } });
      personaId = persona.body.id;
      const user = await s.request('POST', '/api/v1/users', { key, body: { username: 'zoe' } });
      userId = user.body.id;
      await s.request('POST', `/api/v1/users/zoe/agents`, { key, body: { name: 'guide' } });
      const put = await s.request('PUT', '/api/v1/users/zoe/agents/guide/files/bin/blob.dat', {
        key,
        rawBody: Buffer.from([0, 1, 2, 253, 254, 255]),
        headers: { 'Content-Type': 'application/octet-stream' },
      });
      expect(put.status, put.text).toBe(201);
      await s.request('PUT', '/api/v1/users/zoe/secrets', { key, body: { TOKEN: 'travel-secret-value-0001' } });
    } finally {
      await s.close();
    }

    const file = path.join(await mkdtemp(path.join(tmpdir(), 'personagraph-export-')), 'team.jsonl');
    const exp = await cli(['--json', 'export', '--team', 'exported', '--out', file], source.env);
    expect(exp.code, exp.stderr).toBe(0);
    const summary = JSON.parse(exp.stdout);
    expect(summary.counts).toMatchObject({ Project: 1, Persona: 1, AgentUser: 1, Agent: 1, AgentFile: 1, Secret: 1 });
    expect(summary.counts.ApiKey).toBeUndefined();
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain('travel-secret-value-0001');

    const target = await freshDatabase();
    const imp = await cli(['--json', 'import', file], target.env);
    expect(imp.code, imp.stderr).toBe(0);
    expect(JSON.parse(imp.stdout).team.name).toBe('exported');
    expect((await cli(['import', file], target.env)).stderr).toContain('already exists here');

    // The imported team works on the new server once it has a key (export leaves keys out).
    const newKey = JSON.parse((await cli(['--json', 'keys', 'create', '--name', 'after-import', '--scopes', 'all', '--team', 'exported'], target.env)).stdout).key;
    s = await serverOn(target.url);
    try {
      const persona = await s.request('GET', `/api/v1/autousers/${personaId!}`, { key: newKey });
      expect(persona.body).toMatchObject({ id: personaId!, name: 'nomad', systemPrompt: 'You travel light.' });
      const bytes = await fetch(`${s.url}/api/v1/users/${userId!}/agents/guide/files/bin/blob.dat`, { headers: { 'X-API-Key': newKey } });
      expect(Buffer.from(await bytes.arrayBuffer())).toEqual(Buffer.from([0, 1, 2, 253, 254, 255]));
      const secrets = await s.request('GET', '/api/v1/users/zoe/secrets', { key: newKey });
      expect(secrets.body.map((x: any) => [x.name, x.readable])).toEqual([['TOKEN', true]]);
    } finally {
      await s.close();
    }

    const junk = path.join(path.dirname(file), 'junk.jsonl');
    await writeFile(junk, '{"hello":"world"}\n');
    const notExport = await cli(['import', junk], target.env);
    expect(notExport.code).toBe(1);
    expect(notExport.stderr).toContain('not a personagraph export');
    const none = await cli(['import', path.join(path.dirname(file), 'missing.jsonl')], target.env);
    expect(none.code).toBe(2);
  }, 300_000);

  it.skipIf(testDatabaseKind() !== 'pglite')('refuses the embedded database while a server has it open', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'personagraph-cli-'));
    const s = await startTestServer({ DATABASE_URL: `pglite:${path.join(dir, 'pglite')}` });
    try {
      // The lock names this test process, which is alive.
      const res = await cli(['teams', 'list'], { DATA_DIR: dir });
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('is in use by another personagraph process');
    } finally {
      await s.close();
    }
  }, 60_000);
});

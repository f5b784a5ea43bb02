/**
 * The `personagraph` command line against the embedded database or PostgreSQL:
 * help, usage errors, teams, keys (usable by the server afterwards), refusals
 * (export, import and the demo seed: cli-data.test.ts). The commands run in
 * this process (runCli, with their own output and environment); a few runs of
 * the real bin/personagraph.mjs check that it starts, answers and exits with
 * the command's code, and the embedded-database lock (which names a process).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, cliProcess, freshDatabase, serverOn } from './helpers/cli.js';
import { onceAcrossDatabases } from './helpers/database.js';
import { startTestServer } from './helpers/server.js';

describe('personagraph (command line)', () => {
  it('the real command starts, answers --help, runs a command and exits with its code', async () => {
    const help = await cliProcess(['--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('migrate');
    const unknown = await cliProcess(['frobnicate'], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const dir = await mkdtemp(path.join(tmpdir(), 'personagraph-cli-'));
    const migrate = await cliProcess(['--json', 'migrate'], { DATA_DIR: dir });
    expect(migrate.code, migrate.stderr).toBe(0);
    expect(JSON.parse(migrate.stdout).applied.length).toBeGreaterThan(0);
  }, 120_000);

  it.runIf(onceAcrossDatabases())('--help lists the commands; usage errors exit 2 with the reason and the usage', async () => {
    const help = await cli(['--help'], {});
    expect(help.code).toBe(0);
    for (const c of ['serve', 'migrate', 'teams', 'keys', 'secrets', 'export', 'import', 'seed']) expect(help.stdout).toContain(c);
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

  // These flows run once (on PostgreSQL when the run has it; the file is in the once project), the lock test on PGlite.
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

  it('refuses the embedded database while a server has it open', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'personagraph-cli-'));
    const s = await startTestServer({ DATABASE_URL: `pglite:${path.join(dir, 'pglite')}` });
    try {
      // The lock names this test process, which is alive (a real process: the lock lets its own process in).
      const res = await cliProcess(['teams', 'list'], { DATA_DIR: dir });
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('is in use by another personagraph process');
    } finally {
      await s.close();
    }
  }, 60_000);

});

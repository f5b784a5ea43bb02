/**
 * The real process: `node --import tsx src/main.ts` on an embedded database.
 * Banner, first-start admin key (printed once, written 0600), restarts,
 * config errors, graceful SIGTERM with an open websocket, pglite:memory, and
 * a start against a diverging migration history.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { PGlite } from '@electric-sql/pglite';
import { freePort } from './helpers/net.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const START_MS = 60_000; // upper bound for a start


interface Proc {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  spawnedAt: number;
}

const running: Proc[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) {
    if (p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGKILL');
      await p.exited;
    }
  }
});

function start(env: Record<string, string>): Proc {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const p = { child, stdout: () => out, stderr: () => err, exited, spawnedAt };
  running.push(p);
  return p;
}

/** Resolves with the banner once it is printed; fails if the process exits first or takes too long. */
async function banner(p: Proc): Promise<string> {
  const deadline = Date.now() + START_MS;
  while (Date.now() < deadline) {
    const out = p.stdout();
    const at = out.indexOf('personagraph is listening');
    if (at >= 0 && out.indexOf('\n\n', at) >= 0) return out.slice(at);
    if (p.child.exitCode !== null) throw new Error(`exited ${p.child.exitCode}\nstdout:\n${out}\nstderr:\n${p.stderr()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no banner\nstdout:\n${p.stdout()}\nstderr:\n${p.stderr()}`);
}

async function stop(p: Proc): Promise<number | null> {
  p.child.kill('SIGTERM');
  const code = await p.exited;
  // A null code means a signal ended it rather than the graceful stop: say which, with what it printed.
  if (code === null) console.error(`process ended by ${p.child.signalCode}\nstdout:\n${p.stdout()}\nstderr:\n${p.stderr()}`);
  return code;
}

async function me(port: number, key: string) {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, body: (await res.json()) as any };
}

const adminKeyIn = (text: string) => /Admin API key \(shown once\): (\S+)/.exec(text)?.[1] ?? null;

describe.skipIf(process.env.TEST_DB === 'postgres')('the server process (embedded database)', () => {
  it(
    'first start prints GraphiQL, REST, database and the admin key, writes it 0600; a restart prints no key and the old key still works',
    async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'personagraph-life-'));
      const port = await freePort();
      const env = { DATABASE_URL: `pglite:${path.join(dir, 'db')}`, DATA_DIR: dir, PORT: String(port) };

      const first = start(env);
      const text = await banner(first);
      const bannerMs = performance.now() - first.spawnedAt;
      expect(text).toContain(`http://127.0.0.1:${port}/graphql`);
      expect(text).toMatch(new RegExp(`REST\\s+http://127\\.0\\.0\\.1:${port}/api`));
      expect(text).toContain(`embedded PGlite in ${path.join(dir, 'db')}`);
      const key = adminKeyIn(text);
      expect(key).toMatch(/^\S{24,}$/);

      const ok = await me(port, key!);
      const firstResponseMs = performance.now() - first.spawnedAt;
      expect(ok.status).toBe(200);
      expect(ok.body.team.name).toBe('default');
      console.log(`cold start on a new embedded database: banner after ${Math.round(bannerMs)} ms, first response after ${Math.round(firstResponseMs)} ms`);

      const file = path.join(dir, 'admin-key');
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect((await readFile(file, 'utf8')).trim()).toBe(key);

      expect(await stop(first)).toBe(0);

      const second = start(env);
      const text2 = await banner(second);
      console.log(`restart on the same directory: banner after ${Math.round(performance.now() - second.spawnedAt)} ms`);
      expect(text2).not.toMatch(/Admin API key/);
      expect(second.stdout()).not.toContain(key!);
      expect((await me(port, key!)).status).toBe(200);
      expect((await readFile(file, 'utf8')).trim()).toBe(key);
      expect(await stop(second)).toBe(0);
    },
    3 * START_MS,
  );

  it(
    'a second process on the same embedded database refuses to start, naming the one that has it; after a kill the lock is taken over',
    async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'personagraph-life-'));
      const env = { DATA_DIR: dir, PORT: String(await freePort()) };
      const first = start(env);
      await banner(first);
      const second = start({ ...env, PORT: String(await freePort()) });
      expect(await second.exited).toBe(1);
      expect(second.stderr()).toContain(`is in use by another personagraph process (pid ${first.child.pid})`);
      first.child.kill('SIGKILL');
      await first.exited;
      const third = start({ ...env, PORT: String(await freePort()) });
      await banner(third);
      expect(await stop(third)).toBe(0);
    },
    3 * START_MS,
  );

  it('a bad config exits non-zero and lists every problem', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'personagraph-life-'));
    const p = start({ PORT: 'abc', RATE_LIMIT_PER_MINUTE: '0', DATA_DIR: dir, DATABASE_URL: 'pglite:memory' });
    const code = await p.exited;
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    const err = p.stderr();
    expect(err).toMatch(/PORT/);
    expect(err).toMatch(/RATE_LIMIT_PER_MINUTE/);
    expect(p.stdout()).not.toContain('listening');
  }, START_MS);

  it(
    'SIGTERM closes an open graphql-ws socket with 1001 and the process exits 0',
    async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'personagraph-life-'));
      const port = await freePort();
      const p = start({ DATABASE_URL: 'pglite:memory', DATA_DIR: dir, PORT: String(port) });
      const key = adminKeyIn(await banner(p))!;
      expect(key).toBeTruthy();

      let connected!: () => void;
      const isConnected = new Promise<void>((r) => (connected = r));
      const closed = new Promise<{ code: number }>((resolve) => {
        const c = createClient({
          url: `ws://127.0.0.1:${port}/graphql`,
          webSocketImpl: WebSocket,
          connectionParams: { authorization: `Bearer ${key}` },
          retryAttempts: 0,
          on: { connected: () => connected(), closed: (e) => resolve(e as { code: number }) },
        });
        c.subscribe({ query: 'subscription { personaChanged { kind } }' }, { next: () => {}, error: () => {}, complete: () => {} });
      });
      await isConnected;
      p.child.kill('SIGTERM');
      expect((await closed).code).toBe(1001);
      expect(await p.exited).toBe(0);
    },
    2 * START_MS,
  );

  it(
    'DATABASE_URL=pglite:memory starts, serves requests, and says so in the banner',
    async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'personagraph-life-'));
      const port = await freePort();
      const p = start({ DATABASE_URL: 'pglite:memory', DATA_DIR: dir, PORT: String(port) });
      const text = await banner(p);
      expect(text).toContain('embedded PGlite in memory');
      const key = adminKeyIn(text)!;
      const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ personas(first: 2) { edges { node { isSystem } } } }' }),
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as any).data.personas.edges).toHaveLength(2);
      expect(await stop(p)).toBe(0);
    },
    2 * START_MS,
  );

  it(
    'a database whose migration history has an unknown migration stops the start with a clear message, and keeps its data',
    async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'personagraph-life-'));
      const dbDir = path.join(dir, 'db');
      const port = await freePort();
      const env = { DATABASE_URL: `pglite:${dbDir}`, DATA_DIR: dir, PORT: String(port) };
      const first = start(env);
      const key = adminKeyIn(await banner(first))!;
      const created = await fetch(`http://127.0.0.1:${port}/api/projects`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'precious' }),
      });
      expect(created.status).toBe(201);
      expect(await stop(first)).toBe(0);

      const pg = new PGlite(dbDir);
      await pg.query(
        `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
         VALUES ('fake-id', 'deadbeef', now(), '29990101000000_from_another_branch', NULL, NULL, now(), 1)`,
      );
      await pg.close();

      const second = start(env);
      const code = await second.exited;
      expect(code).not.toBe(0);
      expect(code).not.toBeNull();
      expect(second.stderr()).toContain('29990101000000_from_another_branch');
      expect(second.stderr()).toMatch(/migration/i);
      expect(second.stdout()).not.toContain('listening');

      const check = new PGlite(dbDir);
      const rows = await check.query<{ name: string }>(`SELECT name FROM "Project"`);
      await check.close();
      expect(rows.rows.map((r) => r.name)).toEqual(['precious']);
    },
    3 * START_MS,
  );
});

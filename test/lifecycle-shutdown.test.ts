/**
 * The real process, continued (apart from test/lifecycle.test.ts so the two
 * slow halves run side by side): graceful SIGTERM with an open websocket,
 * pglite:memory, and a start against a diverging migration history.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { PGlite } from '@electric-sql/pglite';
import { freePort } from './helpers/net.js';
import { START_MS, start, banner, stop, adminKeyIn } from './helpers/lifecycle.js';

describe('the server process, stopping and starting (embedded database)', () => {
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

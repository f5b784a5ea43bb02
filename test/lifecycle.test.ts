/**
 * The real process (the bundle of src/main.ts, test/helpers/server-command.ts) on an embedded database.
 * Banner, first-start admin key (printed once, written 0600), restarts, the
 * embedded-database lock and config errors (graceful SIGTERM, pglite:memory
 * and a diverging migration history: lifecycle-shutdown.test.ts).
 */
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PGlite } from '@electric-sql/pglite';
import { freePort } from './helpers/net.js';
import { START_MS, start, banner, stop, me, adminKeyIn } from './helpers/lifecycle.js';

describe('the server process (embedded database)', () => {
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

  it('a first start that cannot make its database (the directory is locked) exits 1 with the reason and serves nothing', async () => {
    // A new data directory is made by a child process (src/main.ts) or from the template; its failure is the start's failure.
    const dir = await mkdtemp(path.join(tmpdir(), 'personagraph-life-'));
    await writeFile(path.join(dir, 'pglite.lock'), `${process.pid}\n`); // held by a live process: this test's
    const p = start({ DATA_DIR: dir, PORT: String(await freePort()) });
    expect(await p.exited).toBe(1);
    expect(p.stderr()).toContain(`is in use by another personagraph process (pid ${process.pid})`);
    expect(p.stdout()).not.toContain('listening');
  }, START_MS);

  it('a port another process holds: exit 1 saying so and how to choose another, no stack trace', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const p = start({ DATABASE_URL: 'pglite:memory', PORT: String(port) });
      expect(await p.exited).toBe(1);
      expect(p.stderr()).toContain(`Port 127.0.0.1:${port} is already in use by another process. Stop it, or start with PORT=<another port>.`);
      expect(p.stderr()).not.toMatch(/\n\s+at /);
    } finally {
      holder.close();
    }
  }, START_MS);

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

});

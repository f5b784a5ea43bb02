/**
 * What a start writes to DATA_DIR: the embedded database on disk keeps its
 * files there (the database in pglite/, mode 0700; the generated secret key and, on the first start without
 * BOOTSTRAP_API_KEY, the admin key, mode 0600); an in-memory database or
 * PostgreSQL leaves DATA_DIR alone (PostgreSQL needs SECRET_KEY, refused
 * before anything is opened).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { createApp, type App } from '../src/app.js';
import { createLogger } from '../src/infra/logger.js';

const started: App[] = [];
afterEach(async () => {
  for (const app of started.splice(0)) await app.close();
});

async function startWith(env: Record<string, string>): Promise<App> {
  const app = await createApp(loadConfig({ PORT: '0', LOG_LEVEL: 'silent', ...env }), createLogger('silent'));
  started.push(app);
  return app;
}

const tmp = () => mkdtemp(path.join(tmpdir(), 'personagraph-datadir-'));

describe('DATA_DIR', () => {
  it('DATABASE_URL=pglite:memory creates no DATA_DIR: the admin key is printed, not written', async () => {
    const dataDir = path.join(await tmp(), 'data');
    const app = await startWith({ DATABASE_URL: 'pglite:memory', DATA_DIR: dataDir });
    expect(app.createdAdminKey).toMatch(/^pg_live_/);
    expect(app.adminKeyFile).toBeNull();
    expect(existsSync(dataDir)).toBe(false);
  });

  it('DATABASE_URL=postgres://… without SECRET_KEY is a config error, before connecting and without creating DATA_DIR', async () => {
    const dataDir = path.join(await tmp(), 'data');
    const starting = createApp(loadConfig({ DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent' }), createLogger('silent'));
    await expect(starting).rejects.toBeInstanceOf(ConfigError);
    await expect(starting).rejects.toThrow(/SECRET_KEY: required with DATABASE_URL=postgres/);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('the embedded database on disk keeps the secret key and the first admin key in DATA_DIR (0600)', async () => {
    const dataDir = path.join(await tmp(), 'data');
    const app = await startWith({ DATA_DIR: dataDir });
    expect(app.adminKeyFile).toBe(path.join(dataDir, 'admin-key'));
    expect((await readFile(app.adminKeyFile!, 'utf8')).trim()).toBe(app.createdAdminKey);
    expect((await stat(app.adminKeyFile!)).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(dataDir, 'secret-key'))).mode & 0o777).toBe(0o600);
    // PGlite writes its files world-writable: the directory keeps everyone else out.
    expect((await stat(path.join(dataDir, 'pglite'))).mode & 0o777).toBe(0o700);
  });

  it('with BOOTSTRAP_API_KEY the key is yours: nothing is written to admin-key', async () => {
    const dataDir = path.join(await tmp(), 'data');
    const key = 'pg_my_own_bootstrap_key_0123456789abcdef';
    const app = await startWith({ DATA_DIR: dataDir, BOOTSTRAP_API_KEY: key });
    expect(app.createdAdminKey).toBe(key);
    expect(app.adminKeyFile).toBeNull();
    expect(existsSync(path.join(dataDir, 'admin-key'))).toBe(false);
  });
});

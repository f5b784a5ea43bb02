/** Runs the `personagraph` command line as a user would: real processes through bin/personagraph.mjs. */
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { startTestServer, type TestServer } from './server.js';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from './database.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dbs: TestDatabase[] = [];
afterAll(async () => {
  for (const d of dbs) await d.drop();
});

/** A fresh database: a PGlite directory, or a new PostgreSQL database. */
export async function freshDatabase(): Promise<{ env: Record<string, string>; url: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'personagraph-cli-'));
  if (testDatabaseKind() === 'pglite') return { env: { DATA_DIR: dir }, url: `pglite:${path.join(dir, 'pglite')}` };
  const db = await createTestDatabase();
  dbs.push(db);
  return { env: { DATA_DIR: dir, DATABASE_URL: db.url }, url: db.url };
}

export function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
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
export async function serverOn(url: string): Promise<TestServer> {
  return startTestServer({ DATABASE_URL: url, SECRET_KEY: 'cli-test-secret-key-0123456789abcdef01' });
}


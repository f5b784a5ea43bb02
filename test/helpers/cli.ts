/**
 * Runs the `personagraph` command line: in this process (runCli with collected
 * output and its own environment, as a child would have) for the commands'
 * behaviour, and as a real process through bin/personagraph.mjs for the few
 * checks that the installed command starts, answers and exits with its code.
 */
import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { startTestServer, type TestServer } from './server.js';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from './database.js';
import { runCli } from '../../src/cli/program.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dbs: TestDatabase[] = [];
afterAll(async () => {
  for (const d of dbs) await d.drop();
});

/** A fresh, empty database (nothing migrated): a PGlite directory, or a new PostgreSQL database. */
export async function freshDatabase(): Promise<{ env: Record<string, string>; url: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'personagraph-cli-'));
  if (testDatabaseKind() === 'pglite') return { env: { DATA_DIR: dir }, url: `pglite:${path.join(dir, 'pglite')}` };
  const db = await createTestDatabase({ empty: true });
  dbs.push(db);
  return { env: { DATA_DIR: dir, DATABASE_URL: db.url }, url: db.url };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment a command runs with: only these variables, as in a spawned child. */
const cliEnv = (env: Record<string, string>) => ({
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '',
  LOG_LEVEL: 'warn',
  SECRET_KEY: 'cli-test-secret-key-0123456789abcdef01',
  ...env,
});

const collector = () => {
  let text = '';
  const stream = new Writable({ write: (chunk, _enc, done) => ((text += chunk), done()) });
  return { stream, text: () => text };
};

/** One command in this process: what it printed and the code the process would exit with. */
export async function cli(args: string[], env: Record<string, string>): Promise<CliResult> {
  const stdout = collector();
  const stderr = collector();
  const code = await runCli([process.execPath, 'personagraph', ...args], { stdout: stdout.stream, stderr: stderr.stream, env: cliEnv(env) });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** One command as a real process through bin/personagraph.mjs. */
export function cliProcess(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/personagraph.mjs', ...args], {
      cwd: root,
      env: cliEnv(env),
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


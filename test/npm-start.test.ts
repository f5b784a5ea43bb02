/**
 * `npm start` under a process manager: a SIGTERM sent to npm (not to node)
 * stops the server gracefully, and npm exits with the server's status. The
 * start script execs node, so node is npm's child, not a shell's that dies
 * and leaves it running.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { banner, START_MS, type Proc } from './helpers/lifecycle.js';
import { freePort } from './helpers/net.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('npm start', () => {
  it(
    'SIGTERM to npm stops the server gracefully; npm exits 0 and the port is closed',
    async () => {
      // What prestart does, first, so the start below is timed on its own (a loaded machine takes a while to bundle).
      const built = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: root, encoding: 'utf8', timeout: START_MS });
      expect(built.status, built.stderr).toBe(0);
      const dir = await mkdtemp(path.join(tmpdir(), 'personagraph-npm-start-'));
      const port = await freePort();
      const child = spawn('npm', ['start'], {
        cwd: root,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_URL: 'pglite:memory', DATA_DIR: dir, PORT: String(port), LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const p: Proc = { child, stdout: () => out, stderr: () => err, exited, spawnedAt: performance.now() };
      try {
        await banner(p);
        child.kill('SIGTERM');
        expect(await exited, `stdout:\n${out}\nstderr:\n${err}`).toBe(0);
        expect(out).toContain('"signal":"SIGTERM"');
        await expect(fetch(`http://127.0.0.1:${port}/livez`)).rejects.toThrow();
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    },
    3 * START_MS,
  );
});

/** Real server processes on an embedded database for the lifecycle tests: start, wait for the banner, stop, cleanup. */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach } from 'vitest';
import { answering } from './net.js';
import { root, serverArgs } from './server-command.js';

export const START_MS = 60_000; // upper bound for a start

export interface Proc {
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

/** Starts a server (test/helpers/server-command.ts), or `node <script>`. */
export function start(env: Record<string, string>, script?: string): Proc {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, script ? [script] : serverArgs(), {
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

/** Resolves with the banner once it is printed and the server answers; fails if the process exits first or takes too long. */
export async function banner(p: Proc): Promise<string> {
  const deadline = Date.now() + START_MS;
  while (Date.now() < deadline) {
    const out = p.stdout();
    const at = out.indexOf('personagraph is listening');
    if (at >= 0 && out.indexOf('\n\n', at) >= 0) {
      await answering(/GraphQL \+ GraphiQL\s+(http:\/\/\S+)\/graphql/.exec(out.slice(at))![1]!);
      return out.slice(at);
    }
    if (p.child.exitCode !== null) throw new Error(`exited ${p.child.exitCode}\nstdout:\n${out}\nstderr:\n${p.stderr()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no banner\nstdout:\n${p.stdout()}\nstderr:\n${p.stderr()}`);
}

export async function stop(p: Proc): Promise<number | null> {
  p.child.kill('SIGTERM');
  const code = await p.exited;
  // A null code means a signal ended it rather than the graceful stop: say which, with what it printed.
  if (code === null) console.error(`process ended by ${p.child.signalCode}\nstdout:\n${p.stdout()}\nstderr:\n${p.stderr()}`);
  return code;
}

export async function me(port: number, key: string) {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, body: (await res.json()) as any };
}

export const adminKeyIn = (text: string) => /Admin API key \(shown once\): (\S+)/.exec(text)?.[1] ?? null;


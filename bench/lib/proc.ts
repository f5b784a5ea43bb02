/**
 * Processes and databases for the benchmark: contenders run as child
 * processes pinned to one core (taskset, where the machine has it and more
 * than one core), the load generator stays on the other.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createPostgresDatabase } from '../../test/helpers/database.js';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
/** The key every personagraph contender is started with (BOOTSTRAP_API_KEY). */
export const BENCH_KEY = 'pg_bench_suite_admin_key_0123456789abcdef';

const canPin = availableParallelism() > 1 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
/** Where servers run and where load is generated (null: not pinned). */
export const CPUS = canPin ? { server: '0', load: '1' } : { server: null, load: null };

/** Every core: "not pinned" must say so, since the bench pins itself to the load core and children inherit that. */
const ALL_CPUS = `0-${availableParallelism() - 1}`;

/** The command line, prefixed with taskset when pinning is possible (cpu null: free to run on every core). */
export function pinned(cpu: string | null, cmd: string, args: string[]): [string, string[]] {
  if (!canPin) return [cmd, args];
  return ['taskset', ['-c', cpu ?? ALL_CPUS, cmd, ...args]];
}

export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });

export interface Started {
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  /** Milliseconds from spawn to the ready line. */
  readyMs: number;
  stop(): Promise<void>;
}

/**
 * Spawns `cmd args` on the server core with `env` (PORT added) and waits for
 * a stdout line containing `ready` (a string). Stops with SIGTERM, then SIGKILL after 5 s.
 */
export async function startProcess(opts: { cmd: string; args: string[]; env: Record<string, string>; ready: string; cpu?: string | null; timeoutMs?: number }): Promise<Started> {
  const port = await freePort();
  const [cmd, args] = pinned(opts.cpu === undefined ? CPUS.server : opts.cpu, opts.cmd, opts.args);
  const t0 = performance.now();
  const child = spawn(cmd, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'production', ...opts.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const deadline = t0 + (opts.timeoutMs ?? 60_000);
  while (!out.includes(opts.ready)) {
    if (child.exitCode !== null || child.signalCode) throw new Error(`${opts.cmd} ${opts.args.join(' ')} exited before it was ready:\n${out}`);
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${opts.cmd} ${opts.args.join(' ')} was not ready in time:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const readyMs = performance.now() - t0;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    child,
    readyMs,
    async stop() {
      if (child.exitCode !== null || child.signalCode) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * The node arguments `npm start` runs (package.json's start script: the bundle
 * and its V8 options), the bundle built first when a source is newer than it.
 */
export function personagraphArgs(): string[] {
  const built = spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (built.status !== 0) throw new Error('scripts/build.mjs failed');
  const start = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  // `exec node …`: npm's shell hands its pid to node (signals reach the server); the arguments are node's.
  const [node, ...args] = start.trim().replace(/^exec\s+/, '').split(/\s+/);
  if (node !== 'node') throw new Error(`package.json's start script is not a node command: ${start}`);
  return args.map((a) => (a.endsWith('.js') ? path.join(root, a) : a));
}

/** personagraph itself as `npm start` runs it, quiet, with the bench key and no practical rate limit. */
export function startPersonagraph(env: Record<string, string>, cpu?: string | null): Promise<Started> {
  return startProcess({
    cmd: process.execPath,
    args: personagraphArgs(),
    env: {
      LOG_LEVEL: 'warn',
      BOOTSTRAP_API_KEY: BENCH_KEY,
      SECRET_KEY: 'bench-suite-secret-key-0123456789abcdef0123',
      RATE_LIMIT_PER_MINUTE: '1000000000',
      ...env,
    },
    ready: 'personagraph is listening',
    cpu,
  });
}

/** A fresh PostgreSQL database; null when no server answers at BENCH_POSTGRES_URL. */
export async function createDatabase(name: string): Promise<{ url: string; drop(): Promise<void> } | null> {
  const probe = new pg.Client({ connectionString: ADMIN_URL });
  try {
    await probe.connect();
  } catch {
    return null;
  } finally {
    await probe.end().catch(() => {});
  }
  return createPostgresDatabase(ADMIN_URL, name);
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const CLOCK_TICK_MS = 1000 / (Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100);

/** CPU time (user + system, ms) a process has used so far, from /proc/<pid>/stat; 0 once it is gone. */
export function processCpuMs(pid: number): number {
  let stat = '';
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_MS;
}

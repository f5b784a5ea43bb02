/**
 * W6: cold start to the first successful query, and memory.
 *
 * Cold start: what `npm start` runs (`node --max-old-space-size=1024
 * dist/main.js`, the bundle built by
 * scripts/build.mjs when stale), not pinned: a server starts with the
 * machine's cores, and V8 compiles PGlite's and Prisma's wasm on background
 * threads. The timer starts just before spawn() and stops when `{ me { team { id } } }`
 * (POST /graphql with the bench key) first answers 200 with data, polled
 * every POLL_MS from this process. Also recorded: when the server printed
 * `personagraph is listening` and the createApp time it reports there.
 *   - embedded, new data dir: no DATABASE_URL, DATA_DIR a new temp dir (the
 *     database copied from the migrated template in node_modules/.cache/personagraph,
 *     the bootstrap key written);
 *   - embedded, new data dir without a template (the first start after an
 *     install or a new migration: PGlite's initdb and every migration, in a
 *     child process, which then leaves the template);
 *   - embedded, existing data dir: a second start on that same DATA_DIR;
 *   - postgres, existing migrated database;
 *   - diagnoses, DIAGNOSIS_STARTS of each: the existing-data-dir start
 *     pinned to the server core (one core for everything), and from the
 *     sources under tsx (`npm run dev`); and the bare runtimes (`node -e 0`,
 *     `node --import tsx -e 0`) as the floor.
 * Starts are interleaved by case, `starts` of each (default 5); median and min–max.
 *
 * Memory: VmRSS (and VmHWM, the peak) from /proc/<pid>/status of a
 * personagraph: after its first query, after 10,000 GraphQL requests
 * (autocannon, 10 connections), and with 1,000 graphql-ws websockets open,
 * each holding one `personaChanged` subscription (checked live: one persona
 * created, every socket must receive the event). On PostgreSQL (when there
 * is one) and embedded; the 10,000 requests on the first of them only.
 *
 *   npx tsx bench/w6-startup.ts      (BENCH_W6_STARTS, default 5)
 * Diagnosis knobs: BENCH_W6_ONLY=cold|memory; BENCH_W6_MEMORY_NODE_OPTIONS
 * (e.g. --max-old-space-size=160) for the memory servers.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { busyNote, closeSocket, cpuSnapshot } from './w5-fanout.js';
import { BENCH_KEY, CPUS, createDatabase, freePort, median, personagraphArgs, pinned, root, startPersonagraph, type Started } from './lib/proc.js';

export interface W6Options {
  databaseUrl: string | null;
  log?: (s: string) => void;
  /** Starts per case (default 5). */
  starts?: number;
}

export interface ColdStartRow {
  database: string;
  case: string;
  /** Spawn → first successful GraphQL query. */
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Spawn → `personagraph is listening` printed (median). */
  listeningMs: number | null;
  /** createApp as the server reports it in that line (median). */
  createAppMs: number | null;
  starts: number;
}

export interface W6Result {
  coldStart: ColdStartRow[];
  /** `delivered`: subscriptions that received the persona event (of 1,000). */
  rss: Array<{ database: string; case: string; mb: number; peakMb: number; delivered?: number }>;
  notes: string[];
}

const POLL_MS = 5;
/** Where the server keeps the embedded database's migrated template (src/infra/db/template.ts). */
const TEMPLATES = path.join(root, 'node_modules/.cache/personagraph');
const DIAGNOSIS_STARTS = 3;
const ME = JSON.stringify({ query: '{ me { team { id } } }' });
const SERVER_ENV = {
  LOG_LEVEL: 'warn',
  BOOTSTRAP_API_KEY: BENCH_KEY,
  SECRET_KEY: 'bench-suite-secret-key-0123456789abcdef0123',
  RATE_LIMIT_PER_MINUTE: '1000000000',
  NODE_ENV: 'production',
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Start {
  firstQueryMs: number;
  listeningMs: number | null;
  createAppMs: number | null;
}

/** Spawns a server, polls until the first query answers, stops it. */
async function coldStart(args: string[], env: Record<string, string>, cpu: string | null = null, timeoutMs = 60_000): Promise<Start> {
  const port = await freePort();
  const [cmd, argv] = pinned(cpu, process.execPath, args);
  const url = `http://127.0.0.1:${port}/graphql`;
  const t0 = performance.now();
  const child = spawn(cmd, argv, {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...SERVER_ENV, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let listeningMs: number | null = null;
  let createAppMs: number | null = null;
  const onData = (d: Buffer) => {
    out += d;
    if (listeningMs === null) {
      const m = /personagraph is listening \((\d+) ms\)/.exec(out);
      if (m) {
        listeningMs = performance.now() - t0;
        createAppMs = Number(m[1]);
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise((r) => child.once('exit', r));
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode) throw new Error(`${args.join(' ')} exited before answering:\n${out}`);
      if (performance.now() - t0 > timeoutMs) throw new Error(`${args.join(' ')} did not answer in time:\n${out}`);
      const ok = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': BENCH_KEY }, body: ME })
        .then(async (r) => r.status === 200 && Boolean(((await r.json()) as { data?: { me?: unknown } }).data?.me))
        .catch(() => false);
      if (ok) return { firstQueryMs: performance.now() - t0, listeningMs, createAppMs };
      await sleep(POLL_MS);
    }
  } finally {
    if (child.exitCode === null && !child.signalCode) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
  }
}

/** Spawn → exit of a bare command (not pinned, like the starts). */
async function bare(args: string[]): Promise<number> {
  const [cmd, argv] = pinned(null, process.execPath, args);
  const t0 = performance.now();
  const child = spawn(cmd, argv, { cwd: root, stdio: 'ignore' });
  await new Promise((r) => child.once('exit', r));
  return performance.now() - t0;
}

// --- Memory ------------------------------------------------------------------------------

async function memory(pid: number): Promise<{ mb: number; peakMb: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { mb: Math.round(kb('VmRSS') / 1024), peakMb: Math.round(kb('VmHWM') / 1024) };
}

/** Waits until `pid` used at most one clock tick of CPU over 100 ms. */
async function idle(pid: number, maxMs = 15_000) {
  const ticks = async () => {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  };
  const deadline = performance.now() + maxMs;
  let prev = await ticks();
  while (performance.now() < deadline) {
    await sleep(100);
    const now = await ticks();
    if (now - prev <= 1) return;
    prev = now;
  }
}

async function graphql(url: string, query: string, variables?: object): Promise<any> {
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': BENCH_KEY }, body: JSON.stringify({ query, variables }) });
  const json = (await res.json()) as { data?: any; errors?: unknown };
  if (json.errors || !json.data) throw new Error(`${query}: ${JSON.stringify(json)}`);
  return json.data;
}

const REQUESTS = 10_000;
const SOCKETS = 1000;

export async function memoryRun(server: Started, database: string, log: (s: string) => void, requests: boolean) {
  const rows: W6Result['rss'] = [];
  const notes: string[] = [];
  await graphql(server.url, '{ me { team { id } } }');
  await idle(server.pid);
  rows.push({ database, case: 'after the first query', ...(await memory(server.pid)) });
  if (requests) await manyRequests(server, database, rows, notes);
  await websockets(server, database, rows, notes);
  log(`W6 memory (${database}): ${rows.map((r) => `${r.case}: ${r.mb} MB`).join('; ')}`);
  return { rows, notes };
}

async function manyRequests(server: Started, database: string, rows: W6Result['rss'], notes: string[]) {
  const autocannon = createRequire(new URL('./package.json', import.meta.url))('autocannon') as (o: object) => Promise<any>;
  const result = await autocannon({
    url: `${server.url}/graphql`,
    connections: 10,
    amount: REQUESTS,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': BENCH_KEY },
    body: JSON.stringify({ query: '{ me { team { id name } key { id name scopes } } }' }),
  });
  const failed = result.errors + result.timeouts + result.non2xx;
  if (failed) notes.push(`${database}: ${failed} of the ${REQUESTS} requests failed`);
  await idle(server.pid);
  rows.push({ database, case: `after ${REQUESTS.toLocaleString('en')} GraphQL requests`, ...(await memory(server.pid)) });
}

/** 1,000 websockets, one personaChanged subscription each; one persona created, which each must receive. */
async function websockets(server: Started, database: string, rows: W6Result['rss'], notes: string[]) {
  const sockets: WebSocket[] = [];
  let received = 0;
  const wsUrl = server.url.replace('http', 'ws') + '/graphql';
  const open = () =>
    new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(wsUrl, 'graphql-transport-ws', { perMessageDeflate: false });
      ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { apiKey: BENCH_KEY } })));
      ws.on('error', reject);
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data));
        if (msg.type === 'connection_ack') {
          ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { personaChanged { kind personaId } }' } }));
          sockets.push(ws);
          resolve();
        } else if (msg.type === 'next' && msg.payload?.data?.personaChanged) received++;
        else if (msg.type === 'ping') ws.send('{"type":"pong"}');
      });
    });
  try {
    for (let i = 0; i < SOCKETS; i += 100) await Promise.all(Array.from({ length: Math.min(100, SOCKETS - i) }, open));
    await idle(server.pid);
    await sleep(200);
    await idle(server.pid);
    rows.push({ database, case: `with ${SOCKETS.toLocaleString('en')} websockets, one subscription each`, ...(await memory(server.pid)) });
    await graphql(server.url, 'mutation($n: String!) { createPersona(input: { name: $n }) { __typename } }', { n: `W6 persona ${Date.now()}` });
    const deadline = performance.now() + 15_000;
    while (received < SOCKETS && performance.now() < deadline) await sleep(20);
    if (received !== SOCKETS) notes.push(`${database}: the persona event reached ${received} of ${SOCKETS} subscriptions`);
    await idle(server.pid);
    rows.push({ database, case: `with ${SOCKETS.toLocaleString('en')} websockets, after one event to each`, ...(await memory(server.pid)), delivered: received });
  } finally {
    await Promise.all(sockets.map(closeSocket));
  }
}

// --- The workload -----------------------------------------------------------------------

/** STARTS interleaved starts of every case; an uncounted start of each kind first. */
async function coldStarts(databaseUrl: string | null, tmp: string, starts: number, notes: string[], log: (s: string) => void): Promise<ColdStartRow[]> {
  const BUNDLE = personagraphArgs();
  const TSX = ['--import', 'tsx', 'src/main.ts'];
  const samples = new Map<string, { database: string; case: string; starts: Start[] }>();
  const add = (database: string, c: string, s: Start) => {
    const key = `${database}\u0000${c}`;
    if (!samples.has(key)) samples.set(key, { database, case: c, starts: [] });
    samples.get(key)!.starts.push(s);
  };
  const bareRuns: Record<string, number[]> = { 'node -e 0': [], 'node --import tsx -e 0': [] };
  const embeddedDir = (i: number) => path.join(tmp, `embedded-${i}`);
  const pgEnv = databaseUrl ? { DATABASE_URL: databaseUrl, DATA_DIR: path.join(tmp, 'pg-data') } : null;

  // Uncounted: warms tsx's transform cache and the OS file cache, and migrates the PostgreSQL database when it is new.
  const warm = pgEnv ?? { DATA_DIR: embeddedDir(-1) };
  await coldStart(BUNDLE, warm);
  await coldStart(TSX, warm);

  for (let i = 0; i < starts; i++) {
    const dir = embeddedDir(i);
    await rm(TEMPLATES, { recursive: true, force: true });
    add('embedded', 'new data dir, no template', await coldStart(BUNDLE, { DATA_DIR: `${dir}-first` }));
    await rm(`${dir}-first`, { recursive: true, force: true });
    add('embedded', 'new data dir', await coldStart(BUNDLE, { DATA_DIR: dir }));
    add('embedded', 'existing data dir', await coldStart(BUNDLE, { DATA_DIR: dir }));
    // Diagnoses (fewer starts): the same start on one core only, and from the sources under tsx (`npm run dev`).
    if (i < DIAGNOSIS_STARTS) add('embedded', `existing data dir, pinned to core ${CPUS.server ?? '(none)'}`, await coldStart(BUNDLE, { DATA_DIR: dir }, CPUS.server));
    if (i < DIAGNOSIS_STARTS) add('embedded', 'existing data dir, sources under tsx (npm run dev)', await coldStart(TSX, { DATA_DIR: dir }));
    if (pgEnv) add('postgres', 'existing migrated database', await coldStart(BUNDLE, pgEnv));
    bareRuns['node -e 0']!.push(await bare(['-e', '0']));
    bareRuns['node --import tsx -e 0']!.push(await bare(['--import', 'tsx', '-e', '0']));
    await rm(dir, { recursive: true, force: true });
  }
  const rows: ColdStartRow[] = [...samples.values()].map((s) => {
    const q = s.starts.map((x) => x.firstQueryMs);
    const l = s.starts.map((x) => x.listeningMs).filter((x): x is number => x !== null);
    const a = s.starts.map((x) => x.createAppMs).filter((x): x is number => x !== null);
    return {
      database: s.database,
      case: s.case,
      medianMs: Math.round(median(q)),
      minMs: Math.round(Math.min(...q)),
      maxMs: Math.round(Math.max(...q)),
      listeningMs: l.length ? Math.round(median(l)) : null,
      createAppMs: a.length ? Math.round(median(a)) : null,
      starts: q.length,
    };
  });
  for (const [c, xs] of Object.entries(bareRuns)) {
    rows.push({ database: '-', case: `${c} (runtime floor)`, medianMs: Math.round(median(xs)), minMs: Math.round(Math.min(...xs)), maxMs: Math.round(Math.max(...xs)), listeningMs: null, createAppMs: null, starts: xs.length });
  }
  for (const r of rows) log(`W6 cold start ${r.database}, ${r.case}: ${r.medianMs} ms (${r.minMs}–${r.maxMs})${r.listeningMs ? `, listening at ${r.listeningMs} ms (createApp ${r.createAppMs} ms)` : ''}`);
  notes.push(
    `Cold start: what \`npm start\` runs (\`node --max-old-space-size=1024 dist/main.js\`, the bundle scripts/build.mjs makes), timer from just before spawn() to the first 200 answer with data to \`{ me { team { id } } }\`, polled every ${POLL_MS} ms; ${starts} starts per case (${DIAGNOSIS_STARTS} of the diagnoses), interleaved; not pinned (a server starts with the machine's cores; V8 compiles PGlite's and Prisma's wasm on background threads), except the row pinned to one core; the file cache and tsx's transform cache warm (one uncounted start of each first). "listening at": when the server printed its ready line; "createApp": the time it reports there (database opened and migrated, schema and server built), measured from after its first modules loaded.`,
  );
  return rows;
}

/** Memory on PostgreSQL (when there is one) and embedded; the 10,000 requests on the first only (on PGlite they take long, and its wasm heap dominates anyway). */
async function memoryAll(databaseUrl: string | null, tmp: string, notes: string[], log: (s: string) => void): Promise<W6Result['rss']> {
  const targets: [string, Record<string, string>][] = [];
  if (databaseUrl) targets.push(['postgres', { DATABASE_URL: databaseUrl, DATA_DIR: path.join(tmp, 'pg-data') }]);
  // A first start without a template creates and migrates the data dir in a child process (PGlite's wasm memory
  // grows for that and never shrinks); one with the template copies it; every later start opens what is there.
  targets.push(['embedded, new data dir, no template', { DATA_DIR: path.join(tmp, 'memory-embedded-first') }]);
  targets.push(['embedded, new data dir', { DATA_DIR: path.join(tmp, 'memory-embedded') }]);
  targets.push(['embedded, existing data dir', { DATA_DIR: path.join(tmp, 'memory-embedded') }]);
  // BENCH_W6_MEMORY_NODE_OPTIONS (a diagnosis knob), e.g. --max-old-space-size=128: what a heap cap changes.
  const nodeOptions: Record<string, string> = process.env.BENCH_W6_MEMORY_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_W6_MEMORY_NODE_OPTIONS } : {};
  const rss: W6Result['rss'] = [];
  for (const [database, env] of targets) {
    if (database.endsWith('no template')) await rm(TEMPLATES, { recursive: true, force: true });
    const server = await startPersonagraph({ ...env, ...nodeOptions });
    let out = '';
    server.child.stdout!.on('data', (d) => (out = (out + d).slice(-4000)));
    server.child.stderr!.on('data', (d) => (out = (out + d).slice(-4000)));
    try {
      const m = await memoryRun(server, database, log, database === targets[0]![0]);
      rss.push(...m.rows);
      notes.push(...m.notes);
    } catch (err) {
      if (server.child.exitCode === null && !server.child.signalCode) throw err;
      throw new Error(`personagraph (${database}) exited during the memory run (${server.child.exitCode ?? server.child.signalCode}):\n${out}`);
    } finally {
      await server.stop();
    }
  }
  notes.push(
    `Memory: VmRSS (peak: VmHWM) of the server process from /proc/<pid>/status, read once the server is idle; ${REQUESTS.toLocaleString('en')} requests of \`{ me { team { id name } key { id name scopes } } }\` over 10 keep-alive connections (on ${targets[0]![0]} only); ${SOCKETS.toLocaleString('en')} graphql-ws sockets each holding \`personaChanged\`, then one persona created (the event must reach every socket)${nodeOptions.NODE_OPTIONS ? `; server started with NODE_OPTIONS=${nodeOptions.NODE_OPTIONS}` : ''}.`,
  );
  return rss;
}

export async function runW6(opts: W6Options): Promise<W6Result> {
  const log = opts.log ?? ((s: string) => console.log(s));
  const starts = opts.starts ?? Number(process.env.BENCH_W6_STARTS ?? 5);
  const only = process.env.BENCH_W6_ONLY; // cold | memory (a diagnosis knob)
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'pg-bench-w6-'));
  const notes: string[] = [];
  const machine0 = await cpuSnapshot();
  try {
    const cold = only === 'memory' ? [] : await coldStarts(opts.databaseUrl, tmp, starts, notes, log);
    const rss = only === 'cold' ? [] : await memoryAll(opts.databaseUrl, tmp, notes, log);
    notes.push(...(await busyNote(machine0)));
    return { coldStart: cold, rss, notes };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

// --- Alone: npx tsx bench/w6-startup.ts ---------------------------------------------------

/** The markdown tables (what the script prints alone). */
export function formatW6(r: W6Result): string {
  return [
    'W6 cold start to the first successful GraphQL query',
    '',
    '| database | case | median ms (min–max) | listening at ms | createApp ms |',
    '| --- | --- | --- | --- | --- |',
    ...r.coldStart.map((x) => `| ${x.database} | ${x.case} | ${x.medianMs} (${x.minMs}–${x.maxMs}) | ${x.listeningMs ?? ''} | ${x.createAppMs ?? ''} |`),
    '',
    'W6 memory of the server process',
    '',
    '| database | when | RSS MB | peak RSS MB |',
    '| --- | --- | --- | --- |',
    ...r.rss.map((x) => `| ${x.database} | ${x.case}${x.delivered === undefined ? '' : ` (delivered to ${x.delivered})`} | ${x.mb} | ${x.peakMb} |`),
    '',
    ...r.notes.map((n) => `- ${n}`),
  ].join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (CPUS.load !== null) spawnSync('taskset', ['-a', '-p', '-c', CPUS.load, String(process.pid)], { stdio: 'ignore' });
  const db = await createDatabase(`pgbench_w6_${process.pid}`);
  if (!db) console.error('no PostgreSQL at BENCH_POSTGRES_URL: embedded only');
  try {
    const result = await runW6({ databaseUrl: db?.url ?? null, log: (s) => console.log(`[w6 ${new Date().toISOString().slice(11, 19)}] ${s}`) });
    console.log('\n' + formatW6(result));
  } finally {
    await db?.drop();
  }
  process.exit(0);
}

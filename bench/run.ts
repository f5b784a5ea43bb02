/**
 * npm run bench — personagraph side by side with PostGraphile 4 and 5 and a
 * hand-written node:http + pg handler, on the same PostgreSQL, the same data
 * and the same machine, in one run (see bench/README.md for what each
 * workload is and how to read the table).
 *
 *  1. Creates a PostgreSQL database, lets personagraph migrate it, seeds it
 *     (bench/lib/seed.ts); does the same for an embedded (PGlite) data dir.
 *  2. Checks, before timing anything, that every contender returns the same
 *     canonical JSON for each workload, and counts the SQL statements each
 *     one sends per request (a wire-protocol counter between it and PostgreSQL).
 *  3. Times W1–W4: servers pinned to one core, this process (the load
 *     generator) to the other; a warm-up, then BENCH_ROUNDS interleaved rounds.
 *  4. Runs W5 (chat-token fan-out) and W6 (cold start, memory).
 *  5. Writes bench/results/bench.md and bench.json.
 *
 * Knobs: BENCH_SECONDS (per measurement, default 3), BENCH_ROUNDS (default 5),
 * BENCH_ONLY (comma-separated: w1,w2,w3create,w3batch,w4,w5,w6),
 * BENCH_POSTGRES_URL (the server's admin URL).
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { statementCounter } from '../test/helpers/pg-statements.js';
import { ADMIN_URL, BENCH_KEY, CPUS, createDatabase, median, root, startPersonagraph, startProcess, type Started } from './lib/proc.js';
import { load, once, type LoadResult } from './lib/load.js';
import { seed, seedPostgres, SEED } from './lib/seed.js';
import { personagraphWorkloads, rawWorkloads, type Workload } from './contenders/personagraph.js';
import { postgraphile4, postgraphile5, type Contender as PostGraphileContender } from './contenders/postgraphile.js';
import { busyNote, cpuSnapshot, runW5, type W5Result } from './w5-fanout.js';
import { runW6, type W6Result } from './w6-startup.js';
import { runW8, W8_PROCESSES, type W8Result } from './w8-scale.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Math.max(5, Number(process.env.BENCH_ROUNDS ?? 5));
const WARMUP_SECONDS = 2;
const ALL = 'w1,w2,w3create,w3batch,w4,w5,w6,w7,w8';
const ONLY = new Set((process.env.BENCH_ONLY ?? ALL).split(',').map((s) => s.trim()));
/** A run narrowed by BENCH_ONLY or BENCH_CONTENDERS is for working on one thing: its results go to a scratch file. */
const PARTIAL = (process.env.BENCH_ONLY !== undefined && process.env.BENCH_ONLY !== ALL) || process.env.BENCH_CONTENDERS !== undefined;
const log = (s: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}`);

type WorkloadName = 'w1' | 'w2' | 'w3create' | 'w3batch' | 'w4rest' | 'w4graphql' | 'w7w1' | 'w7w2';
const WORKLOADS: Record<WorkloadName, string> = {
  w1: 'W1 point lookup (persona by id, random over 100k)',
  w2: 'W2 nested: 100 profiles × 10 batches × 3 items',
  w3create: 'W3 create one persona',
  w3batch: 'W3 write 10 personas in one transaction',
  w4rest: 'W4 persona by id through REST',
  w4graphql: 'W4 persona by id through GraphQL',
  w7w1: 'W7 the W1 read, gzip accepted',
  w7w2: 'W7 the W2 read, gzip accepted',
};
const enabled = (w: WorkloadName) => ONLY.has(w) || (w.startsWith('w4') && ONLY.has('w4')) || (w.startsWith('w7') && ONLY.has('w7'));
/** The workload whose canonical answer a workload must equal (W4 and W7 read what W1/W2 read). */
const REFERENCE: Partial<Record<WorkloadName, WorkloadName>> = { w4graphql: 'w4rest', w7w1: 'w1', w7w2: 'w2' };

/** W7: the same request with `Accept-Encoding: gzip`, as a browser or an HTTP client library sends it. */
const gzipped = (w: Workload): Workload => ({
  request: (i) => {
    const r = w.request(i);
    return { ...r, headers: { ...r.headers, 'accept-encoding': 'gzip' } };
  },
  normalize: w.normalize,
});
const withW7 = (ws: Partial<Record<WorkloadName, Workload>>): Partial<Record<WorkloadName, Workload>> => ({
  ...ws,
  ...(ws.w1 ? { w7w1: gzipped(ws.w1) } : {}),
  ...(ws.w2 ? { w7w2: gzipped(ws.w2) } : {}),
});

interface Contender {
  name: string;
  /** Counts statements (PostgreSQL only). */
  counted: boolean;
  /** `checking`: the start whose statements are counted (background work slowed down, so only requests count). */
  start(databaseUrl: string | null, checking?: boolean): Promise<Started>;
  workloads: Partial<Record<WorkloadName, Workload>>;
}

/** JSON with sorted keys: two answers are the same when these strings are. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, x[k]])) : x,
  );
}

function pinSelf() {
  if (CPUS.load === null) return log('one core or no taskset: server and load generator share the cores (figures are a floor)');
  spawnSync('taskset', ['-a', '-p', '-c', CPUS.load, String(process.pid)], { stdio: 'ignore' });
  log(`load generator pinned to core ${CPUS.load}, servers to core ${CPUS.server}`);
}

async function teamOf(url: string): Promise<string> {
  const me = (await (await fetch(`${url}/api/v1/me`, { headers: { authorization: `Bearer ${BENCH_KEY}` } })).json()) as { team: { id: string } };
  return me.team.id;
}

async function machine() {
  const cpu = (await readFile('/proc/cpuinfo', 'utf8').catch(() => '')).match(/model name\s*:\s*(.+)/)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  const { rows } = await c.query('SHOW server_version');
  await c.end();
  return {
    cpu,
    cores: os.cpus().length, // not availableParallelism(): this process is pinned to one core
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    postgres: rows[0].server_version as string,
    pinned: CPUS.load !== null,
  };
}

interface Check {
  contender: string;
  workload: WorkloadName;
  same: boolean;
  statementsPerRequest: number | null;
  parsesPerRequest: number | null;
}

/** Starts each contender through a statement counter, compares its answers with the reference's and counts statements. */
async function checkAll(contenders: Contender[], pgUrl: string, embeddedDir: string): Promise<Check[]> {
  const checks: Check[] = [];
  const reference = new Map<WorkloadName, string>();
  for (const c of contenders) {
    const url = new URL(pgUrl);
    const counter = c.counted ? await statementCounter({ host: url.hostname, port: Number(url.port || 5432) }) : null;
    if (counter) url.port = String(counter.port);
    const server = await c.start(c.counted ? url.toString() : embeddedDir, true);
    try {
      for (const [w, workload] of Object.entries(c.workloads) as [WorkloadName, Workload][]) {
        if (!enabled(w)) continue;
        // Writes are probed with names the timed rounds never use (Bench writer 1000000.k); every contender writes the same ones.
        const probe = w.startsWith('w3') ? 1_000_000 : 0;
        const first = await once(server.url, workload.request(probe));
        if (first.status !== 200) throw new Error(`${c.name} ${w}: HTTP ${first.status}: ${first.text.slice(0, 500)}`);
        const answer = canonical(workload.normalize(first.json));
        const refKey = REFERENCE[w] ?? w;
        // W7 measures compression: a large answer must arrive compressed, or the contender is not doing the work.
        if (w === 'w7w2' && first.encoding !== 'gzip') throw new Error(`${c.name} ${w}: answered without gzip (Content-Encoding: ${first.encoding})`);
        const ref = reference.get(refKey);
        if (ref === undefined) reference.set(refKey, answer);
        const same = ref === undefined || ref === answer;
        if (!same) {
          log(`${c.name} ${w}: answer differs from the reference`);
          log(`  reference: ${ref!.slice(0, 600)}`);
          log(`  ${c.name}: ${answer.slice(0, 600)}`);
        }
        let statements: number | null = null;
        let parses: number | null = null;
        if (counter) {
          const n = w === 'w2' ? 5 : 20;
          await once(server.url, workload.request(probe + 1)); // connections and prepared statements warm
          counter.reset();
          for (let i = 0; i < n; i++) await once(server.url, workload.request(probe + 2 + i));
          statements = counter.counts.statements / n;
          parses = counter.counts.parses / n;
        }
        checks.push({ contender: c.name, workload: w, same, statementsPerRequest: statements, parsesPerRequest: parses });
        log(`check ${c.name} ${w}: ${same ? 'same answer' : 'DIFFERENT answer'}${statements === null ? '' : `, ${statements} SQL statements per request (${parses} parses)`}`);
      }
    } finally {
      await server.stop();
      await counter?.close();
    }
  }
  return checks;
}

interface Cell {
  contender: string;
  workload: WorkloadName;
  rounds: LoadResult[];
}

async function timeAll(contenders: Contender[], pgUrl: string, embeddedDir: string): Promise<Cell[]> {
  const servers = new Map<string, Started>();
  for (const c of contenders) servers.set(c.name, await c.start(c.counted ? pgUrl : embeddedDir));
  const cells: Cell[] = [];
  const cell = (c: Contender, w: WorkloadName) => {
    let x = cells.find((k) => k.contender === c.name && k.workload === w);
    if (!x) cells.push((x = { contender: c.name, workload: w, rounds: [] }));
    return x;
  };
  const counters = new Map<string, number>();
  const run = async (c: Contender, w: WorkloadName, seconds: number) => {
    const key = `${c.name}/${w}`;
    const start = counters.get(key) ?? 0;
    let used = 0;
    const r = await load(servers.get(c.name)!.url, (i) => ((used = i + 1), c.workloads[w]!.request(start + i)), { seconds });
    counters.set(key, start + used);
    if (r.errors || r.non2xx) log(`  ${c.name} ${w}: ${r.errors} errors, ${r.non2xx} non-2xx answers`);
    return r;
  };
  try {
    const names = (Object.keys(WORKLOADS) as WorkloadName[]).filter(enabled);
    for (const w of names) for (const c of contenders) if (c.workloads[w]) await run(c, w, WARMUP_SECONDS);
    log('warm-up done');
    for (let round = 0; round < ROUNDS; round++) {
      for (const w of names) {
        const order = contenders.filter((c) => c.workloads[w]);
        // Rotate who goes first so no contender always runs on the warmest (or most loaded) database.
        for (let k = 0; k < order.length; k++) {
          const c = order[(k + round) % order.length]!;
          const r = await run(c, w, SECONDS);
          cell(c, w).rounds.push(r);
        }
      }
      log(`round ${round + 1}/${ROUNDS} done`);
    }
  } finally {
    for (const s of servers.values()) await s.stop();
  }
  return cells;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const round2 = (x: number) => Math.round(x * 100) / 100;

/** Per round, a ÷ b; the median and the spread of those ratios. */
function ratio(a: Cell | undefined, b: Cell | undefined) {
  if (!a || !b) return null;
  const rs = a.rounds.map((r, i) => r.perSecond / b.rounds[i]!.perSecond);
  return { median: round2(median(rs)), min: round2(Math.min(...rs)), max: round2(Math.max(...rs)) };
}

async function main() {
  pinSelf();
  const started = Date.now();
  const machineBefore = await cpuSnapshot();
  const db = await createDatabase('pgbench_suite');
  if (!db) {
    console.error(`npm run bench needs PostgreSQL at ${ADMIN_URL} (set BENCH_POSTGRES_URL): the contenders compared here all read one PostgreSQL database.`);
    process.exit(2);
  }
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'personagraph-bench-'));
  try {
    // PostgreSQL: personagraph migrates and bootstraps the key's team; the data set goes into that team.
    log(`seeding PostgreSQL: ${SEED.personas} personas, ${SEED.profiles} profiles × ${SEED.batchesPerProfile} batches × ${SEED.itemsPerBatch} items`);
    const first = await startPersonagraph({ DATABASE_URL: db.url, DATA_DIR: path.join(tmp, 'pg-data') });
    const teamId = await teamOf(first.url);
    await first.stop();
    const seeded = await seedPostgres(db.url, teamId);
    // Embedded: the same rows in a PGlite data dir (personagraph's own database; nobody else can open it while it runs).
    log('seeding the embedded database');
    const embeddedDir = path.join(tmp, 'embedded');
    const firstEmbedded = await startPersonagraph({ DATA_DIR: embeddedDir });
    const embeddedTeam = await teamOf(firstEmbedded.url);
    await firstEmbedded.stop();
    const lite = new PGlite(path.join(embeddedDir, 'pglite'));
    const embeddedSeed = await seed(lite, embeddedTeam);
    await lite.close();
    // Same rows, same order: both id lists come from the same md5 ids, so W1 asks both databases for the same personas.
    if (canonical(embeddedSeed.personaIds) !== canonical(seeded.personaIds)) throw new Error('the embedded seed differs from the PostgreSQL seed');

    const ids = seeded.personaIds;
    const pgWorkloads = (c: PostGraphileContender): Partial<Record<WorkloadName, Workload>> => ({
      w1: { request: (i) => c.w1.request(i, ids), normalize: c.w1.normalize },
      w2: { request: (i) => c.w2.request(i, ids), normalize: c.w2.normalize },
      w3create: { request: (i) => c.w3create.request(i, ids), normalize: c.w3create.normalize },
      w3batch: { request: (i) => c.w3batch.request(i, ids), normalize: c.w3batch.normalize },
    });
    postgraphile4.setTeam(teamId);
    postgraphile5.setTeam(teamId);
    const ours = personagraphWorkloads(ids);
    const contenders: Contender[] = [
      { name: 'raw node:http + pg', counted: true, workloads: rawWorkloads(ids, teamId), start: (url) => startProcess({ cmd: process.execPath, args: ['bench/contenders/raw.mjs'], env: { DATABASE_URL: url! }, ready: 'listening on' }) },
      {
        name: 'personagraph',
        counted: true,
        workloads: withW7(ours),
        // While statements are counted, the job queue is polled once a minute instead of every second: its polls are the
        // server's own background statements, not the request's (the suite leaves them out the same way: BACKGROUND_STATEMENT).
        start: (url, checking) => startPersonagraph({ DATABASE_URL: url!, DATA_DIR: path.join(tmp, 'pg-data'), ...(checking ? { JOB_POLL_MS: '60000' } : {}) }),
      },
      ...[postgraphile4, postgraphile5].map((c) => ({
        name: c.name,
        counted: true,
        workloads: pgWorkloads(c),
        start: (url: string | null) => startProcess({ cmd: process.execPath, args: [c.script], env: { DATABASE_URL: url! }, ready: 'listening on' }),
      })),
      // W7: the same PostGraphile servers behind the `compression` middleware (contenders/compress.cjs).
      ...[postgraphile4, postgraphile5].map((c) => {
        const { w1, w2 } = pgWorkloads(c);
        return {
          name: `${c.name} + compression`,
          counted: true,
          workloads: { w7w1: gzipped(w1!), w7w2: gzipped(w2!) },
          start: (url: string | null) => startProcess({ cmd: process.execPath, args: [c.script], env: { DATABASE_URL: url!, COMPRESS: '1' }, ready: 'listening on' }),
        };
      }),
      { name: 'personagraph (embedded)', counted: false, workloads: personagraphWorkloads(ids), start: () => startPersonagraph({ DATA_DIR: embeddedDir }) },
    ];

    // BENCH_CONTENDERS narrows the run while working on one thing (never for published figures).
    const wanted = process.env.BENCH_CONTENDERS?.split(',').map((x) => x.trim().toLowerCase());
    if (wanted) contenders.splice(0, contenders.length, ...contenders.filter((c) => wanted.some((w) => c.name.toLowerCase().includes(w))));
    const runHttp = (['w1', 'w2', 'w3create', 'w3batch', 'w4rest', 'w7w1'] as WorkloadName[]).some(enabled);
    const checks = runHttp ? await checkAll(contenders, db.url, embeddedDir) : [];
    const different = checks.filter((c) => !c.same);
    if (different.length) throw new Error(`different answers: ${different.map((c) => `${c.contender} ${c.workload}`).join(', ')}; nothing was timed`);
    const cells = runHttp ? await timeAll(contenders, db.url, embeddedDir) : [];

    let w5: W5Result | null = null;
    let w6: W6Result | null = null;
    if (ONLY.has('w5')) {
      log('W5: chat-token fan-out');
      const w5db = await createDatabase('pgbench_suite_w5');
      try {
        w5 = await runW5({ databaseUrl: w5db!.url, rounds: ROUNDS, log });
      } finally {
        await w5db!.drop();
      }
    }
    if (ONLY.has('w6')) {
      log('W6: cold start and memory');
      w6 = await runW6({ databaseUrl: db.url, log });
    }
    let w8: W8Result | null = null;
    if (ONLY.has('w8')) {
      const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
      if (await reachable(redisUrl)) {
        log(`W8: ${W8_PROCESSES} processes on PostgreSQL and Redis`);
        w8 = await runW8({ databaseUrl: db.url, redisUrl, dataDir: tmp, ids, rounds: ROUNDS, seconds: SECONDS, cores: os.cpus().length, log });
      } else log(`W8 skipped: no Redis at ${redisUrl} (BENCH_REDIS_URL)`);
    }
    await report({ cells, checks, w5, w6, w8, busy: await busyNote(machineBefore), seconds: Math.round((Date.now() - started) / 1000) });
  } finally {
    await db.drop();
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Throughput targets: personagraph ÷ the contender, median of per-round ratios (issue 21 raised W1 and W2). */
const TARGETS: Array<{ workload: WorkloadName; vs: string; target: number }> = [
  { workload: 'w1', vs: 'PostGraphile 4', target: 1.2 },
  { workload: 'w1', vs: 'PostGraphile 5', target: 1.2 },
  { workload: 'w1', vs: 'raw node:http + pg', target: 0.6 },
  { workload: 'w2', vs: 'PostGraphile 4', target: 2.0 },
  { workload: 'w2', vs: 'PostGraphile 5', target: 1.2 },
  { workload: 'w2', vs: 'raw node:http + pg', target: 0.75 },
  { workload: 'w3create', vs: 'PostGraphile 4', target: 1.0 },
  { workload: 'w3create', vs: 'PostGraphile 5', target: 1.0 },
  { workload: 'w3create', vs: 'raw node:http + pg', target: 0.3 },
  { workload: 'w3batch', vs: 'PostGraphile 4', target: 1.0 },
  { workload: 'w3batch', vs: 'PostGraphile 5', target: 1.0 },
  { workload: 'w3batch', vs: 'raw node:http + pg', target: 0.3 },
  // W7: the W1/W2 targets, with compression on both sides.
  { workload: 'w7w1', vs: 'PostGraphile 4 + compression', target: 1.2 },
  { workload: 'w7w1', vs: 'PostGraphile 5 + compression', target: 1.2 },
  { workload: 'w7w2', vs: 'PostGraphile 4 + compression', target: 2.0 },
  { workload: 'w7w2', vs: 'PostGraphile 5 + compression', target: 1.2 },
];

/** Issue 21's other targets. */
const W2_MAX_STATEMENTS = 3;
const W5_MIN_RATIO = 0.6;
const TTFT_MAX_OVER_MS = 2;
const W6_COLD_START_MS = 1000;
const W6_MAX_RSS_MB = 350;
const W8_MIN_RATIO = 1.7;
const W8_MIN_CORES = 4;

interface TargetRow {
  workload: string;
  measure: string;
  value: string;
  target: string;
  /** null: not measured in this run, or not judged on this machine (the note says why). */
  met: boolean | null;
  note?: string;
}

/** Every target of the suite, judged on this run's figures. */
function targetRows(j: any): TargetRow[] {
  const fmt = (r: { median: number; min: number; max: number } | null) => (r ? `**${r.median}×** (${r.min}–${r.max})` : 'n/a');
  const rows: TargetRow[] = j.ratios.map((t: any) => ({ workload: WORKLOADS[t.workload as WorkloadName], measure: `personagraph ÷ ${t.vs}`, value: fmt(t.ratio), target: `≥ ${t.target}×`, met: t.met }));
  const w2 = j.checks.find((c: any) => c.contender === 'personagraph' && c.workload === 'w2');
  rows.push({ workload: WORKLOADS.w2, measure: 'SQL statements per request', value: w2?.statementsPerRequest ?? 'n/a', target: `≤ ${W2_MAX_STATEMENTS}`, met: w2 ? w2.statementsPerRequest <= W2_MAX_STATEMENTS : null });
  rows.push({ workload: 'W4 same read', measure: 'REST ÷ GraphQL (PostgreSQL)', value: fmt(j.w4.restOverGraphql), target: '≥ 1.0×', met: j.w4.met });
  if (j.w5) {
    for (const r of j.w5.rows as W5Result['rows']) {
      const clean = r.lost === 0 && r.reordered === 0 && r.mismatched === 0;
      rows.push({ workload: `W5 ${r.shape}`, measure: 'msgs/s ÷ raw ws; lost, reordered', value: `${fmt(r.ratio)}; ${r.lost}, ${r.reordered}`, target: `≥ ${W5_MIN_RATIO}×; 0, 0`, met: r.ratio.median >= W5_MIN_RATIO && clean });
    }
    const t = j.w5.ttft as W5Result['ttft'];
    rows.push({ workload: 'W5 time to first token', measure: 'graphql-ws p50 over direct', value: `${t.overMs} ms`, target: `≤ +${TTFT_MAX_OVER_MS} ms`, met: t.overMs <= TTFT_MAX_OVER_MS });
    rows.push({ workload: 'W5 time to first token', measure: 'SSE p50 over direct', value: `${t.sseOverMs} ms`, target: `≤ +${TTFT_MAX_OVER_MS} ms`, met: t.sseOverMs <= TTFT_MAX_OVER_MS });
  }
  if (j.w6) {
    const w6 = j.w6 as W6Result;
    const cold = w6.coldStart.find((r) => r.database === 'embedded' && r.case === 'existing data dir');
    rows.push({ workload: 'W6 cold start', measure: 'embedded, existing data dir', value: cold ? `${cold.medianMs} ms` : 'n/a', target: `≤ ${W6_COLD_START_MS} ms`, met: cold ? cold.medianMs <= W6_COLD_START_MS : null });
    for (const r of w6.rss.filter((x) => x.database.startsWith('embedded'))) {
      rows.push({ workload: 'W6 memory', measure: `${r.database}: RSS ${r.case}`, value: `${r.mb} MB`, target: `≤ ${W6_MAX_RSS_MB} MB`, met: r.mb <= W6_MAX_RSS_MB });
    }
  }
  const w7 = (w: WorkloadName) => j.throughput.find((t: any) => t.contender === 'personagraph' && t.workload === w)?.perSecond;
  for (const [gz, plain] of [['w7w1', 'w1'], ['w7w2', 'w2']] as const) {
    if (w7(gz) && w7(plain)) rows.push({ workload: WORKLOADS[gz], measure: 'compression\'s cost: gzip ÷ identity, personagraph', value: `${round2(w7(gz) / w7(plain))}×`, target: 'reported', met: null, note: 'no target: what compression costs' });
  }
  if (j.w8) {
    const w8 = j.w8 as W8Result;
    const judged = w8.cores >= W8_MIN_CORES;
    rows.push({
      workload: `W8 ${w8.processes} processes on PostgreSQL + Redis`,
      measure: `W1 throughput ÷ one process`,
      value: fmt(w8.ratio),
      target: `≥ ${W8_MIN_RATIO}× (with ≥ ${W8_MIN_CORES} cores)`,
      met: judged ? w8.ratio.median >= W8_MIN_RATIO : null,
      note: judged ? undefined : `not judged: ${w8.cores} cores`,
    });
    const f = w8.fanout;
    rows.push({
      workload: `W8 ${w8.processes} processes on PostgreSQL + Redis`,
      measure: `fan-out ${f.shape}: msgs/s ÷ one process; lost, reordered`,
      value: `${fmt(f.ratio)}; ${f.one.lost + f.many.lost}, ${f.one.reordered + f.many.reordered}`,
      target: 'reported; 0, 0',
      met: f.one.lost + f.many.lost + f.one.reordered + f.many.reordered + f.one.mismatched + f.many.mismatched === 0,
    });
  }
  return rows;
}

/** Whether a TCP server answers at this URL's host and port. */
function reachable(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(u.port || 6379), u.hostname);
    socket.setTimeout(2000);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}

async function report(r: { cells: Cell[]; checks: Check[]; w5: W5Result | null; w6: W6Result | null; w8: W8Result | null; busy: string[]; seconds: number }) {
  const { cells, checks } = r;
  const m = await machine();
  const find = (contender: string, w: WorkloadName) => cells.find((c) => c.contender === contender && c.workload === w);
  const ratios = TARGETS.map((t) => {
    const x = ratio(find('personagraph', t.workload), find(t.vs, t.workload));
    return { ...t, ratio: x, met: x ? x.median >= t.target : null };
  });
  const w4 = ratio(find('personagraph', 'w4rest'), find('personagraph', 'w4graphql'));
  const w4embedded = ratio(find('personagraph (embedded)', 'w4rest'), find('personagraph (embedded)', 'w4graphql'));
  const json = {
    when: new Date().toISOString(),
    machine: m,
    settings: { seconds: SECONDS, rounds: ROUNDS, warmupSeconds: WARMUP_SECONDS, connections: 10, seed: SEED },
    checks,
    throughput: cells.map((c) => ({
      contender: c.contender,
      workload: c.workload,
      perSecond: round1(median(c.rounds.map((x) => x.perSecond))),
      min: round1(Math.min(...c.rounds.map((x) => x.perSecond))),
      max: round1(Math.max(...c.rounds.map((x) => x.perSecond))),
      p50ms: median(c.rounds.map((x) => x.p50ms)),
      p99ms: median(c.rounds.map((x) => x.p99ms)),
      errors: c.rounds.reduce((n, x) => n + x.errors + x.non2xx, 0),
    })),
    ratios,
    w4: { restOverGraphql: w4, restOverGraphqlEmbedded: w4embedded, target: 1.0, met: w4 ? w4.median >= 1 : null },
    w5: r.w5,
    w6: r.w6,
    w8: r.w8,
    partial: PARTIAL,
    busy: r.busy,
    durationSeconds: r.seconds,
    targets: [] as TargetRow[],
  };
  json.targets = targetRows(json);
  // A narrowed run (BENCH_ONLY, BENCH_CONTENDERS) never replaces the published figures.
  const out = path.join(root, PARTIAL ? 'bench/results/partial' : 'bench/results');
  await mkdir(out, { recursive: true });
  await writeFile(path.join(out, 'bench.json'), JSON.stringify(json, null, 2) + '\n');
  await writeFile(path.join(out, 'bench.md'), markdown(json));
  log(`wrote ${path.relative(root, out)}/bench.md and bench.json (${r.seconds} s)`);
  console.log(markdown(json));
}

function markdown(j: any): string {
  const fmt = (r: { median: number; min: number; max: number } | null) => (r ? `**${r.median}×** (${r.min}–${r.max})` : 'n/a');
  const contenders = [...new Set<string>(j.throughput.map((t: any) => t.contender))];
  const lines = [
    `# personagraph benchmark (${j.when.slice(0, 10)})`,
    '',
    `Machine: ${j.machine.cpu}, ${j.machine.cores} cores, ${j.machine.memoryGb} GB, ${j.machine.os}; Node ${j.machine.node}; PostgreSQL ${j.machine.postgres}.`,
    j.machine.pinned ? 'Each server pinned to core 0, the load generator (autocannon, 10 keep-alive connections) to core 1.' : 'Not pinned (one core or no taskset).',
    `Warm-up ${j.settings.warmupSeconds} s per cell, then ${j.settings.rounds} interleaved rounds of ${j.settings.seconds} s; ratios are medians of per-round ratios (min–max). Whole run: ${j.durationSeconds} s.`,
    ...j.busy.map((b: string) => `**${b}**`),
    ...(j.partial ? ['**A narrowed run (BENCH_ONLY / BENCH_CONTENDERS): for working on one thing, not for published figures.**'] : []),
    `Data: ${j.settings.seed.personas.toLocaleString('en')} personas; ${j.settings.seed.profiles} profiles × ${j.settings.seed.batchesPerProfile} batches × ${j.settings.seed.itemsPerBatch} items.`,
    '',
    '## Targets',
    '',
    `${j.targets.filter((t: TargetRow) => t.met === true).length} met, ${j.targets.filter((t: TargetRow) => t.met === false).length} not met, ${j.targets.filter((t: TargetRow) => t.met === null).length} not judged in this run.`,
    '',
    '| workload | measure | value | target | met |',
    '| --- | --- | --- | --- | --- |',
    ...j.targets.map((t: TargetRow) => `| ${t.workload} | ${t.measure} | ${t.value} | ${t.target} | ${t.met === null ? (t.note ?? 'n/a') : t.met ? 'met' : '**not met**'} |`),
    `| W4 same read | REST ÷ GraphQL (embedded) | ${fmt(j.w4.restOverGraphqlEmbedded)} | | reported |`,
    '',
    '## Requests per second (median of rounds, min–max; p50 / p99 latency in ms)',
    '',
    `| workload | ${contenders.join(' | ')} |`,
    `| --- | ${contenders.map(() => '---').join(' | ')} |`,
    ...(Object.keys(WORKLOADS) as WorkloadName[])
      .filter((w) => j.throughput.some((t: any) => t.workload === w))
      .map((w) => {
        const row = contenders.map((c) => {
          const t = j.throughput.find((x: any) => x.contender === c && x.workload === w);
          return t ? `${t.perSecond} (${t.min}–${t.max}); ${t.p50ms} / ${t.p99ms}${t.errors ? `; ${t.errors} errors` : ''}` : '';
        });
        return `| ${WORKLOADS[w]} | ${row.join(' | ')} |`;
      }),
    '',
    '## SQL statements per request (counted on the wire; parses in brackets)',
    '',
    `| workload | ${contenders.filter((c) => c !== 'personagraph (embedded)').join(' | ')} |`,
    `| --- | ${contenders.filter((c) => c !== 'personagraph (embedded)').map(() => '---').join(' | ')} |`,
    ...(Object.keys(WORKLOADS) as WorkloadName[])
      .filter((w) => j.checks.some((c: any) => c.workload === w && c.statementsPerRequest !== null))
      .map((w) => {
        const row = contenders
          .filter((c) => c !== 'personagraph (embedded)')
          .map((c) => {
            const x = j.checks.find((k: any) => k.contender === c && k.workload === w);
            return x && x.statementsPerRequest !== null ? `${x.statementsPerRequest} (${x.parsesPerRequest})` : '';
          });
        return `| ${WORKLOADS[w]} | ${row.join(' | ')} |`;
      }),
    '',
  ];
  if (j.w5) {
    const w5 = j.w5 as W5Result;
    lines.push(
      '## W5 chat-token fan-out over graphql-ws',
      '',
      `Each run streams ${w5.tokens} tokens (or the shape's share) from the local OpenAI-compatible server; the raw contender is a plain \`ws\` server broadcasting pre-serialised frames of the same size. ${w5.rounds} interleaved rounds.`,
      '',
      '| shape | personagraph msgs/s | raw ws msgs/s | ratio | lost | reordered | mismatched | server CPU µs/msg (pg / raw) |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      ...w5.rows.map((r) => `| ${r.shape} | ${Math.round(r.personagraph)} | ${Math.round(r.raw)} | ${fmt(r.ratio)} | ${r.lost} | ${r.reordered} | ${r.mismatched} | ${r.serverCpuUsPerMessage.personagraph} / ${r.serverCpuUsPerMessage.raw} |`),
      '',
      `Time to first token (p50 of ${w5.ttft.rounds}): direct ${w5.ttft.directMs} ms, graphql-ws ${w5.ttft.graphqlWsMs} ms (**${w5.ttft.overMs} ms over direct**), SSE ${w5.ttft.sseMs} ms (${w5.ttft.sseOverMs} ms over direct).`,
      '',
      ...w5.notes.map((n) => `- ${n}`),
      '',
    );
  }
  if (j.w6) {
    const w6 = j.w6 as W6Result;
    lines.push(
      '## W6 cold start and memory',
      '',
      '| database | case | spawn → first query (median, min–max) | spawn → listening |',
      '| --- | --- | --- | --- |',
      ...w6.coldStart.map((r) => `| ${r.database} | ${r.case} | **${r.medianMs} ms** (${r.minMs}–${r.maxMs}) | ${r.listeningMs ?? ''} ms |`),
      '',
      '| database | case | RSS MB (peak) |',
      '| --- | --- | --- |',
      ...w6.rss.map((r) => `| ${r.database} | ${r.case} | **${r.mb}** (${r.peakMb})${r.delivered !== undefined ? `; ${r.delivered} of 1,000 subscriptions got the event` : ''} |`),
      '',
      ...w6.notes.map((n) => `- ${n}`),
      '',
    );
  }
  if (j.w8) {
    const w8 = j.w8 as W8Result;
    const row = (name: string, x: W8Result['one']) => `| ${name} | ${x.perSecond} (${x.min}–${x.max}) | ${x.p99ms} | ${x.cpuUsPerRequest} | ${x.errors} |`;
    lines.push(
      `## W8 ${w8.processes} processes on PostgreSQL and Redis`,
      '',
      '| setup | W1 requests/s (median, min–max) | p99 ms | server CPU µs per request | errors |',
      '| --- | --- | --- | --- | --- |',
      row('one process', w8.one),
      row(`${w8.processes} processes`, w8.many),
      '',
      `Ratio ${w8.processes} ÷ one: ${fmt(w8.ratio)}.`,
      '',
      `| fan-out, ${w8.fanout.shape} (${w8.fanout.tokens} tokens a run) | msgs/s (median, min–max) | server CPU µs per message | lost | reordered | mismatched |`,
      '| --- | --- | --- | --- | --- | --- |',
      ...([['one process', w8.fanout.one], [`${w8.processes} processes`, w8.fanout.many]] as const).map(
        ([name, x]) => `| ${name} | ${x.perSecond} (${x.min}–${x.max}) | ${x.serverCpuUsPerMessage} | ${x.lost} | ${x.reordered} | ${x.mismatched} |`,
      ),
      '',
      `Fan-out ratio ${w8.processes} ÷ one: ${fmt(w8.fanout.ratio)}.`,
      '',
      ...w8.notes.map((n) => `- ${n}`),
      '',
    );
  }
  return lines.join('\n');
}

await main();
process.exit(0);

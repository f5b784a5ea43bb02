/**
 * Capacity of one process on this machine, for the deployment guide:
 *  - requests per second one server process answers with 32 concurrent
 *    keep-alive clients for 10 s: a REST read (`GET /api/v1/me`: key check,
 *    rate limit), a GraphQL read (a page of personas) and a REST write
 *    (`POST /api/v1/autousers`, idempotency bookkeeping included);
 *  - jobs per second one worker process finishes: 1,000 signed webhook
 *    deliveries to a local receiver (needs PostgreSQL: the events are emitted
 *    from this process into the shared database).
 * PostgreSQL at BENCH_POSTGRES_URL (default the local server) when it
 * answers, else the embedded database (requests only). The load generator
 * shares the machine: figures are a floor. Writes bench/results/capacity.md
 * and capacity.json.
 *
 *   npm run bench:capacity
 */
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase } from '../src/infra/db/client.js';
import { emitEvent } from '../src/modules/webhooks/service.js';
import { createDatabase, root, startProcess } from './lib/proc.js';

const KEY = 'pg_bench_capacity_admin_key_0123456789abcd';
const CONCURRENCY = 32;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const JOBS = 1000;

const postgres = () => createDatabase(`pg_bench_${process.pid}`);

/** One server process, not pinned (this benchmark measures the machine as a deployment would use it). */
const server = (env: Record<string, string>) =>
  startProcess({ cmd: process.execPath, args: ['--import', 'tsx', 'src/main.ts'], env: { LOG_LEVEL: 'warn', ...env }, ready: 'personagraph is listening', cpu: null });

interface Load {
  name: string;
  requests: number;
  errors: number;
  perSecond: number;
  p50ms: number;
  p99ms: number;
}

async function load(name: string, send: (i: number) => Promise<Response>): Promise<Load> {
  const latencies: number[] = [];
  let errors = 0;
  let n = 0;
  const until = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        const res = await send(n++);
        await res.arrayBuffer();
        if (res.status >= 400) errors++;
        latencies.push(performance.now() - t);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]! * 10) / 10;
  return { name, requests: latencies.length, errors, perSecond: Math.round(latencies.length / SECONDS), p50ms: at(0.5), p99ms: at(0.99) };
}

async function main() {
  const db = await postgres();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'personagraph-capacity-'));
  const env = {
    BOOTSTRAP_API_KEY: KEY,
    SECRET_KEY: 'bench-capacity-secret-key-0123456789abcdef',
    RATE_LIMIT_PER_MINUTE: '100000000',
    OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
    DATA_DIR: dataDir,
    ...(db ? { DATABASE_URL: db.url } : {}),
  };
  const database = db ? 'PostgreSQL (local server)' : 'embedded PGlite';
  console.log(`capacity on ${database}: ${CONCURRENCY} clients, ${SECONDS} s per workload`);
  const api = await server(env);
  const auth = { authorization: `Bearer ${KEY}` };
  const json = { ...auth, 'content-type': 'application/json' };
  const me = await (await fetch(`${api.url}/api/v1/me`, { headers: auth })).json() as { team: { id: string } };
  const results: Load[] = [];
  try {
    results.push(await load('REST read: GET /api/v1/me', () => fetch(`${api.url}/api/v1/me`, { headers: auth })));
    results.push(
      await load('GraphQL read: personas(first: 10)', () =>
        fetch(`${api.url}/graphql`, { method: 'POST', headers: json, body: JSON.stringify({ query: '{ personas(first: 10) { edges { node { id name } } } }' }) }),
      ),
    );
    results.push(
      await load('REST write: POST /api/v1/autousers', (i) =>
        fetch(`${api.url}/api/v1/autousers`, { method: 'POST', headers: { ...json, 'Idempotency-Key': `bench-${i}` }, body: JSON.stringify({ teamId: me.team.id, name: `bench-${i}`, systemPrompt: 'You are a load test.' }) }),
      ),
    );
    for (const r of results) console.log(`${r.name}: ${r.perSecond}/s, p50 ${r.p50ms} ms, p99 ${r.p99ms} ms, ${r.errors} errors`);
  } finally {
    api.child.kill('SIGTERM');
  }

  let jobs: { jobs: number; seconds: number; perSecond: number } | null = null;
  if (db) {
    let received = 0;
    const receiver = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received++;
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const hook = `http://127.0.0.1:${(receiver.address() as net.AddressInfo).port}/hook`;
    const apiOnly = await server({ ...env, PROCESS_ROLE: 'api' });
    const made = await fetch(`${apiOnly.url}/api/v1/webhooks`, { method: 'POST', headers: json, body: JSON.stringify({ url: hook }) });
    if (made.status !== 201) throw new Error(`webhook endpoint: ${made.status} ${await made.text()}`);
    apiOnly.child.kill('SIGTERM');
    const direct = await openDatabase({ kind: 'postgres', url: db.url }, { migrate: false });
    for (let i = 0; i < JOBS; i++) await direct.prisma.$transaction((tx) => emitEvent(tx, { teamId: me.team.id, type: 'import.completed', data: { importId: `imp_${i}` } }));
    const worker = await server({ ...env, PROCESS_ROLE: 'worker', JOB_CONCURRENCY: '8', JOB_POLL_MS: '50' });
    const t = performance.now();
    while (received < JOBS) await new Promise((r) => setTimeout(r, 20));
    const seconds = (performance.now() - t) / 1000;
    jobs = { jobs: JOBS, seconds: Math.round(seconds * 10) / 10, perSecond: Math.round(JOBS / seconds) };
    console.log(`one worker (JOB_CONCURRENCY=8): ${JOBS} webhook deliveries in ${jobs.seconds} s = ${jobs.perSecond}/s`);
    worker.child.kill('SIGTERM');
    await direct.close();
    receiver.close();
  }
  await db?.drop();

  const outDir = path.join(root, 'bench/results');
  await mkdir(outDir, { recursive: true });
  const when = new Date().toISOString();
  await writeFile(path.join(outDir, 'capacity.json'), JSON.stringify({ when, database, concurrency: CONCURRENCY, seconds: SECONDS, requests: results, jobs }, null, 2) + '\n');
  const md = [
    `# Capacity of one process (${when.slice(0, 10)}, ${database})`,
    '',
    `${CONCURRENCY} concurrent keep-alive clients on the same 2-core machine, ${SECONDS} s per workload.`,
    '',
    '| workload | requests/s | p50 ms | p99 ms | errors |',
    '| --- | --- | --- | --- | --- |',
    ...results.map((r) => `| ${r.name} | ${r.perSecond} | ${r.p50ms} | ${r.p99ms} | ${r.errors} |`),
    '',
    jobs ? `One worker process (JOB_CONCURRENCY=8) delivered ${jobs.jobs} signed webhooks in ${jobs.seconds} s: **${jobs.perSecond} jobs/s**.` : 'Jobs: not measured (needs PostgreSQL).',
    '',
  ].join('\n');
  await writeFile(path.join(outDir, 'capacity.md'), md);
  console.log(`wrote bench/results/capacity.md`);
}

await main();

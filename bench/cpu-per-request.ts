/**
 * npx tsx bench/cpu-per-request.ts <workload> [requests] — server CPU time per request (user + system, from
 * /proc), for comparing two builds or flags on a machine that is not quiet: CPU time moves far less with
 * other load than requests per second do. BENCH_NODE_FLAGS as in profile.ts; runs BENCH_ROUNDS rounds.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BENCH_KEY, createDatabase, median, personagraphArgs, processCpuMs, startPersonagraph, startProcess } from './lib/proc.js';
import { seedPostgres } from './lib/seed.js';
import { load } from './lib/load.js';
import { personagraphWorkloads, type Workload } from './contenders/personagraph.js';

const name = process.argv[2] ?? 'w1';
const requests = Number(process.argv[3] ?? 2000);
const db = await createDatabase('pgbench_cpu');
if (!db) throw new Error('needs PostgreSQL (BENCH_POSTGRES_URL)');
const dir = await mkdtemp(path.join(os.tmpdir(), 'personagraph-cpu-'));
try {
  const env = { DATABASE_URL: db.url, DATA_DIR: path.join(dir, 'data') };
  const first = await startPersonagraph(env);
  const me = (await (await fetch(`${first.url}/api/v1/me`, { headers: { authorization: `Bearer ${BENCH_KEY}` } })).json()) as { team: { id: string } };
  await first.stop();
  const seeded = await seedPostgres(db.url, me.team.id);
  const workload = (personagraphWorkloads(seeded.personaIds) as Record<string, Workload>)[name]!;
  const server = await startProcess({
    cmd: process.execPath,
    args: [...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []), ...personagraphArgs()],
    env: { LOG_LEVEL: 'warn', BOOTSTRAP_API_KEY: BENCH_KEY, SECRET_KEY: 'bench-suite-secret-key-0123456789abcdef0123', RATE_LIMIT_PER_MINUTE: '1000000000', JOB_POLL_MS: '60000', ...env },
    ready: 'personagraph is listening',
  });
  await load(server.url, workload.request, { seconds: 3 });
  const perRequest: number[] = [];
  for (let r = 0; r < Math.max(3, Number(process.env.BENCH_ROUNDS ?? 5)); r++) {
    const cpu0 = processCpuMs(server.pid);
    const res = await load(server.url, (i) => workload.request(r * 1_000_000 + i), { seconds: 3 });
    perRequest.push(((processCpuMs(server.pid) - cpu0) * 1000) / res.requests);
  }
  await new Promise((r) => setTimeout(r, 2000));
  const status = await readFile(`/proc/${server.pid}/status`, 'utf8');
  const mb = (k: string) => Math.round(Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024);
  console.log(`${name} ${process.env.BENCH_NODE_FLAGS ?? ''}: server CPU per request ${Math.round(median(perRequest))} µs (rounds: ${perRequest.map((x) => Math.round(x)).join(', ')}); RSS ${mb('VmRSS')} MB (peak ${mb('VmHWM')}) 2 s after; ${os.loadavg()[0]!.toFixed(1)} load`);
  await server.stop();
} finally {
  await db.drop();
}
process.exit(0);

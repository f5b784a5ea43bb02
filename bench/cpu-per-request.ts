/**
 * npx tsx bench/cpu-per-request.ts <workload> — server CPU time per request (user + system, from
 * /proc), for comparing two builds or flags on a machine that is not quiet: CPU time moves far less with
 * other load than requests per second do. BENCH_NODE_FLAGS as in profile.ts; runs BENCH_ROUNDS rounds.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { BENCH_KEY, median, personagraphArgs, processCpuMs, startProcess } from './lib/proc.js';
import { seededWorkload } from './lib/seeded.js';
import { load } from './lib/load.js';

const name = process.argv[2] ?? 'w1';
const { db, dir, env, workload } = await seededWorkload('pgbench_cpu', name);
try {
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

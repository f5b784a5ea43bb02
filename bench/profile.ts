/**
 * npm run bench:profile -- <workload> — where personagraph spends its CPU on
 * one workload: seeds a PostgreSQL database as the suite does, starts the
 * server with --cpu-prof (pinned like in the suite), loads it for 5 s after a
 * warm-up, and prints the functions with the most self time and the packages
 * they belong to. The .cpuprofile is kept (open it in Chrome DevTools).
 * Workloads: w1, w2, w3create, w3batch, w4rest, w4graphql.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { BENCH_KEY, personagraphArgs, startProcess } from './lib/proc.js';
import { seededWorkload } from './lib/seeded.js';
import { load } from './lib/load.js';

const name = process.argv[2] ?? 'w1';

/** The bundle's positions read through its source maps: which package or source file a function came from. */
const maps = new Map<string, SourceMap | null>();
function original(frame: { url: string; lineNumber: number; columnNumber: number }): string {
  const file = frame.url.replace(/^file:\/\//, '');
  if (!file.endsWith('.js') || !file.includes('/dist/')) return file;
  if (!maps.has(file)) maps.set(file, existsSync(`${file}.map`) ? new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8'))) : null);
  const entry = maps.get(file)?.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string } | undefined;
  return entry?.originalSource ? path.resolve(path.dirname(file), entry.originalSource.replace(/^file:\/\//, '')) : file;
}
const { db, dir, env, workload } = await seededWorkload('pgbench_profile', name);
try {
  const server = await startProcess({
    cmd: process.execPath,
    // What `npm start` runs (the bundle), so the profile shows the code users run, not tsx's loader.
    // BENCH_NODE_FLAGS: extra V8/node flags to try (e.g. --max-semi-space-size=32), before the start script's own.
    args: ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? []), ...personagraphArgs()],
    env: { LOG_LEVEL: 'warn', BOOTSTRAP_API_KEY: BENCH_KEY, SECRET_KEY: 'bench-suite-secret-key-0123456789abcdef0123', RATE_LIMIT_PER_MINUTE: '1000000000', ...env },
    ready: 'personagraph is listening',
  });
  await load(server.url, workload.request, { seconds: 2 });
  const t0 = performance.now();
  const r = await load(server.url, (i) => workload.request(100_000 + i), { seconds: 5 });
  const t1 = performance.now();
  console.log(`${name}: ${Math.round(r.perSecond)} requests/s, p50 ${r.p50ms} ms, p99 ${r.p99ms} ms, ${r.errors + r.non2xx} errors`);
  await server.stop();
  const exited = performance.now();
  const file = (await readdir(dir)).find((f) => f.endsWith('.cpuprofile'))!;
  const profile = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as {
    nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; hitCount?: number }>;
    endTime: number;
    samples: number[];
    timeDeltas: number[];
  };
  // Only the samples of the measured 5 s: the profile ends when the process exits, so the window is
  // placed back from its end by what this process saw (startup, warm-up and shutdown are left out).
  const from = profile.endTime - (exited - t0) * 1000;
  const to = profile.endTime - (exited - t1) * 1000;
  const hitsOf = new Map<number, number>();
  let at = profile.endTime - profile.timeDeltas.reduce((a, b) => a + b, 0);
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i]!;
    if (at >= from && at <= to) hitsOf.set(id, (hitsOf.get(id) ?? 0) + 1);
  });
  for (const n of profile.nodes) n.hitCount = hitsOf.get(n.id) ?? 0;
  const total = profile.nodes.reduce((n, x) => n + (x.hitCount ?? 0), 0);
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const n of profile.nodes) {
    const hits = n.hitCount ?? 0;
    if (!hits) continue;
    const url = original(n.callFrame);
    const pkg = url.includes('node_modules/') ? url.split('node_modules/').pop()!.split('/').slice(0, url.split('node_modules/').pop()!.startsWith('@') ? 2 : 1).join('/') : url.startsWith('node:') || !url ? url || `(${n.callFrame.functionName || 'native'})` : path.relative(process.cwd(), url).split('/').slice(0, 3).join('/');
    const fn = `${n.callFrame.functionName || '(anonymous)'} ${pkg}:${n.callFrame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + hits);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + hits);
  }
  const top = (m: Map<string, number>, k: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k).map(([f, h]) => `${((100 * h) / total).toFixed(1).padStart(5)}%  ${f}`);
  console.log('\nself time by package:\n' + top(byPackage, 25).join('\n'));
  console.log('\nself time by function:\n' + top(byFunction, 40).join('\n'));
  console.log(`\nprofile: ${path.join(dir, file)}`);
} finally {
  await db.drop();
}
process.exit(0);

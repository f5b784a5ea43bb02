/**
 * W8: several processes on PostgreSQL and Redis, the deployment a busy team
 * runs. Three personagraph processes share one database and one Redis (rate
 * limits, live events and job leases go through them); the load generator
 * spreads its connections round-robin over the three ports, as a load
 * balancer in front of them would. Against one process of the same build on
 * the same database and Redis, loaded with as many connections in all.
 *
 * Measured, interleaved for BENCH_ROUNDS rounds of BENCH_SECONDS:
 *  - W1 (persona by id) requests per second of the three together and of one;
 *  - server CPU per request (the processes' user + system time over the
 *    round ÷ requests answered), which shows what running several processes
 *    costs per request whatever the core count.
 * Neither the servers nor this process are pinned here: the point is to let
 * the processes use every core. The issue's target (≥ 1.7× one process)
 * needs a machine with cores for three servers and the load generator; with
 * fewer than 4 cores the figure is reported, not judged.
 */
import path from 'node:path';
import { load, once, type LoadResult } from './lib/load.js';
import { median, processCpuMs, startPersonagraph, type Started } from './lib/proc.js';
import { personagraphWorkloads } from './contenders/personagraph.js';
import { runFanoutScale, type FanoutScaleResult } from './w5-fanout.js';

export const W8_PROCESSES = 3;
/** Connections in all, for both setups (one process gets them all; three get a third each). */
const CONNECTIONS = 30;

export interface W8Side {
  perSecond: number;
  min: number;
  max: number;
  p99ms: number;
  cpuUsPerRequest: number;
  errors: number;
}

export interface W8Result {
  processes: number;
  cores: number;
  connections: number;
  one: W8Side;
  many: W8Side;
  ratio: { median: number; min: number; max: number };
  /** W5's 100 runs × 10 subscribers on the same processes (w5-fanout.ts runFanoutScale). */
  fanout: FanoutScaleResult;
  notes: string[];
}

const round2 = (x: number) => Math.round(x * 100) / 100;

interface Measured {
  result: LoadResult;
  cpuMs: number;
}

/** One round against `servers`: CONNECTIONS split evenly, all started together; their CPU over the round. */
async function measure(servers: Started[], make: (i: number) => import('./lib/load.js').HttpRequest, offset: number, seconds: number): Promise<Measured> {
  const cpu0 = servers.map((s) => processCpuMs(s.pid));
  const per = Math.max(1, Math.floor(CONNECTIONS / servers.length));
  const results = await Promise.all(servers.map((s, k) => load(s.url, (i) => make(offset + k * 1_000_000 + i), { seconds, connections: per })));
  const cpuMs = servers.reduce((n, s, k) => n + processCpuMs(s.pid) - cpu0[k]!, 0);
  const sum = (f: (r: LoadResult) => number) => results.reduce((n, r) => n + f(r), 0);
  return {
    result: {
      requests: sum((r) => r.requests),
      perSecond: sum((r) => r.perSecond),
      p50ms: Math.max(...results.map((r) => r.p50ms)),
      p99ms: Math.max(...results.map((r) => r.p99ms)),
      errors: sum((r) => r.errors),
      non2xx: sum((r) => r.non2xx),
    },
    cpuMs,
  };
}

function side(rounds: Measured[]): W8Side {
  const rates = rounds.map((r) => r.result.perSecond);
  const requests = rounds.reduce((n, r) => n + r.result.requests, 0);
  return {
    perSecond: Math.round(median(rates)),
    min: Math.round(Math.min(...rates)),
    max: Math.round(Math.max(...rates)),
    p99ms: median(rounds.map((r) => r.result.p99ms)),
    cpuUsPerRequest: requests ? Math.round((rounds.reduce((n, r) => n + r.cpuMs, 0) * 1000) / requests) : 0,
    errors: rounds.reduce((n, r) => n + r.result.errors + r.result.non2xx, 0),
  };
}

async function runW8Requests(opts: {
  databaseUrl: string;
  redisUrl: string;
  dataDir: string;
  ids: string[];
  rounds: number;
  seconds: number;
  cores: number;
  log: (s: string) => void;
}): Promise<Omit<W8Result, 'fanout'>> {
  const w1 = personagraphWorkloads(opts.ids).w1;
  const env = (k: number) => ({ DATABASE_URL: opts.databaseUrl, REDIS_URL: opts.redisUrl, DATA_DIR: path.join(opts.dataDir, `w8-${k}`) });
  const started: Started[] = [];
  try {
    // Not pinned (cpu null): each process may use every core.
    for (let k = 0; k <= W8_PROCESSES; k++) started.push(await startPersonagraph(env(k), null));
    const [single, ...many] = started as [Started, ...Started[]];
    // Every process answers the same persona as the others before anything is timed.
    const answers = await Promise.all(started.map(async (s) => JSON.stringify(w1.normalize((await once(s.url, w1.request(0))).json))));
    if (new Set(answers).size !== 1) throw new Error(`W8: the processes answer differently: ${answers.join(' | ').slice(0, 500)}`);
    await measure([single], w1.request, 0, 2);
    await measure(many, w1.request, 0, 2);
    const one: Measured[] = [];
    const three: Measured[] = [];
    for (let r = 0; r < opts.rounds; r++) {
      const offset = (r + 1) * 10_000_000;
      // Alternate who goes first, as the other workloads rotate.
      if (r % 2 === 0) {
        one.push(await measure([single], w1.request, offset, opts.seconds));
        three.push(await measure(many, w1.request, offset, opts.seconds));
      } else {
        three.push(await measure(many, w1.request, offset, opts.seconds));
        one.push(await measure([single], w1.request, offset, opts.seconds));
      }
      opts.log(`W8 round ${r + 1}/${opts.rounds}: one ${Math.round(one.at(-1)!.result.perSecond)}/s, ${W8_PROCESSES} processes ${Math.round(three.at(-1)!.result.perSecond)}/s`);
    }
    const ratios = three.map((t, i) => t.result.perSecond / one[i]!.result.perSecond);
    return {
      processes: W8_PROCESSES,
      cores: opts.cores,
      connections: CONNECTIONS,
      one: side(one),
      many: side(three),
      ratio: { median: round2(median(ratios)), min: round2(Math.min(...ratios)), max: round2(Math.max(...ratios)) },
      notes: [
        `W1 over ${CONNECTIONS} keep-alive connections in all: one process gets them all; ${W8_PROCESSES} processes get ${Math.floor(CONNECTIONS / W8_PROCESSES)} each (round-robin from the load generator, as a balancer would spread them). Same database, same Redis (REDIS_URL), same build; not pinned.`,
        'CPU per request: the server processes\' user + system time over the measured rounds ÷ the requests they answered (PostgreSQL and Redis not included).',
        opts.cores < 4
          ? `This machine has ${opts.cores} cores: ${W8_PROCESSES} servers and the load generator share them, so the throughput ratio is reported, not judged (the target needs ≥ 4 cores).`
          : `This machine has ${opts.cores} cores.`,
      ],
    };
  } finally {
    for (const s of started) await s.stop();
  }
}

/** W8 in full: the W1 half, then the fan-out half on a fresh set of processes (their own fake provider). */
export async function runW8(opts: Parameters<typeof runW8Requests>[0]): Promise<W8Result> {
  const w1 = await runW8Requests(opts);
  opts.log(`W8: fan-out, 100 runs × 10 subscribers, one process against ${W8_PROCESSES}`);
  const fanout = await runFanoutScale({ databaseUrl: opts.databaseUrl, redisUrl: opts.redisUrl, processes: W8_PROCESSES, rounds: opts.rounds, log: opts.log });
  const notes = [
    ...w1.notes,
    `Fan-out: ${fanout.tokens} tokens a run; the ${W8_PROCESSES} processes start the runs in turn and hold the 1,000 subscribers' sockets round-robin, so a token mostly reaches its subscribers through Redis from another process; figure = token messages received ÷ (last − first), as W5; CPU per message summed over the processes.`,
  ];
  return { ...w1, fanout, notes };
}

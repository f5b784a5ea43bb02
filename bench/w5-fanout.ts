/**
 * W5: chat-token fan-out over graphql-ws, personagraph against a raw `ws`
 * broadcast server (bench/contenders/raw-ws.mjs, the physical limit), and
 * time to first token against calling the OpenAI-compatible server directly.
 *
 * Fan-out shapes: one run → 100 subscribers (`tokens` tokens, default 200),
 * one run → 1,000 subscribers (tokens/4), 100 concurrent runs × 10
 * subscribers (tokens/8 each; 100 agents, one run each), so that a round of
 * each stays at a few seconds. Every subscriber has its own
 * websocket (1,000 graphql-ws connections per contender, opened once and
 * reused by every round; connection i takes run i mod R). Both contenders
 * are read by the same subscriber code in this process (the load core): a
 * minimal graphql-transport-ws client on `ws` that JSON-parses every frame
 * and checks, per subscriber, that seq goes 1, 2, 3 … without a gap and that
 * the deltas concatenate to the reply.
 *
 * personagraph's runs start (startChatRun) against a gate, an
 * OpenAI-compatible endpoint in this process that forwards the request to
 * the local fake (test/helpers/fake-openai.ts), reads its whole answer (the
 * fake paces words ≥ 1 ms apart with setTimeout) and holds it; the
 * subscribers subscribe (afterSeq 0, so nothing could be missed anyway);
 * once the gate holds every run's answer and the server has gone idle, the
 * gate releases all answers at once, so the run streams as fast as
 * personagraph can store, publish and deliver each token. The raw server is
 * told to broadcast the same tokens once its subscribers are in. Figure:
 * token (delta) messages received by all subscribers ÷ time from the first
 * to the last token received. Ratio per round = personagraph ÷ raw (rounds
 * interleaved); median and min–max.
 *
 * Time to first token (a second personagraph, pointed at the fake itself,
 * words `TTFT_DELAY_MS` apart, the first one too), interleaved, p50 of
 * `TTFT_ROUNDS`:
 *   direct      timer starts just before `openai.chat.completions.create({stream:true})`
 *               (a new client each time, as personagraph makes one per run),
 *               stops at the first chunk with content.
 *   graphql-ws  timer starts just before the startChatRun POST /graphql is sent; the
 *               subscription (an already open, acknowledged graphql-ws connection) is
 *               sent as soon as the run id is back, afterSeq 0; stops at the first
 *               `delta` frame.
 *   sse         timer starts just before POST /api/v1/users/:u/agents/:a/chat/stream;
 *               stops at the first `event: delta` block.
 *
 * The raw contender speaks the same protocol and sends frames of the same
 * bytes (ids as long as personagraph's run ids). Server and load-core CPU
 * are read from /proc during every round, and the server CPU per message
 * is reported beside the throughput (the subscribers, on one core, can cap
 * the raw figure).
 *
 *   npx tsx bench/w5-fanout.ts        (BENCH_ROUNDS, BENCH_W5_TOKENS)
 * Diagnosis knobs: BENCH_W5_SHAPES=1,3 (which shapes), BENCH_W5_NO_TTFT=1,
 * BENCH_W5_PROFILE=<dir> (personagraph with --cpu-prof into dir; prints each
 * round's window in the profile's clock).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import WebSocket from 'ws';
import { startFakeOpenAI, type FakeOpenAI } from '../test/helpers/fake-openai.js';
import { BENCH_KEY, CPUS, createDatabase, median, startPersonagraph, startProcess, type Started } from './lib/proc.js';
import { sseFirstDelta } from './lib/sse.js';

export interface W5Options {
  databaseUrl: string;
  rounds?: number;
  tokens?: number;
  log?: (s: string) => void;
}

export interface W5Row {
  shape: string;
  runs: number;
  subscribers: number;
  /** Tokens each run streams. */
  tokens: number;
  /** Median delivered token messages per second. */
  personagraph: number;
  raw: number;
  ratio: { median: number; min: number; max: number };
  /** Token messages missing, summed over every subscriber of every measured round (both contenders). */
  lost: number;
  /** Frames whose seq was not the previous one + 1, summed likewise. */
  reordered: number;
  /** Subscribers whose deltas did not concatenate to the reply (or got an error), summed likewise. */
  mismatched: number;
  /** Median milliseconds from the first to the last token received. */
  personagraphMs: number;
  rawMs: number;
  /** Median CPU use of the server core and of this process (the load core) during the window, 0–1. */
  cpu: { personagraphServer: number; personagraphLoad: number; rawServer: number; rawLoad: number };
  /**
   * Median server CPU (µs, /proc ticks) per token message delivered, and raw's ÷ personagraph's:
   * the ratio of what each message costs the server, whatever capped the throughput.
   */
  serverCpuUsPerMessage: { personagraph: number; raw: number; ratio: number };
}

export interface W5Result {
  tokens: number;
  rounds: number;
  rows: W5Row[];
  ttft: { directMs: number; graphqlWsMs: number; sseMs: number; overMs: number; sseOverMs: number; rounds: number; delayMs: number };
  notes: string[];
}

const SUBSCRIPTION = 'subscription($r: ID!, $a: Int) { chatRunEvents(runId: $r, afterSeq: $a) { seq type delta } }';
const START_RUN = 'mutation($u: ID!, $a: ID!) { startChatRun(user: $u, agent: $a, messages: [{ role: "user", content: "go" }]) { ... on MutationStartChatRunSuccess { data { id } } } }';
/** `share`: the fraction of `tokens` each run of the shape streams (keeps a round of the bigger shapes to a few seconds). */
const SHAPES = [
  { shape: 'one run → 100 subscribers', runs: 1, subscribers: 100, share: 1 },
  { shape: 'one run → 1,000 subscribers', runs: 1, subscribers: 1000, share: 1 / 4 },
  { shape: '100 runs × 10 subscribers', runs: 100, subscribers: 1000, share: 1 / 8 },
] as const;
const CONNECTIONS = 1000;
const TTFT_ROUNDS = 25;
const TTFT_DELAY_MS = 10;
const TTFT_TOKENS = 5;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The reply a run streams: n words (`tok0 tok1 …`). */
const tokensOf = (n: number) => Array.from({ length: n }, (_, i) => `tok${i}` + (i < n - 1 ? ' ' : ''));

// --- CPU of a process (clock ticks from /proc) ------------------------------------------

const TICK_MS = 1000 / (Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100);

/** utime + stime + cutime + cstime (ticks) from a /proc/<pid>/stat text. */
function treeTicks(stat: string): number {
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
}

export interface CpuSnapshot {
  at: number;
  /** Busy ticks of the whole machine (every core). */
  machine: number;
  /** This process with its reaped children (the servers it started and stopped). */
  mine: number;
  /** Every PostgreSQL process (the database the servers use counts as this benchmark's work). */
  postgres: number;
}

/** Who used the machine's CPU: the machine, this process tree, PostgreSQL. */
export async function cpuSnapshot(): Promise<CpuSnapshot> {
  const cpu = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const machine = cpu[0]! + cpu[1]! + cpu[2]! + cpu[5]! + cpu[6]! + (cpu[7] ?? 0); // user nice system irq softirq steal
  let postgres = 0;
  for (const pid of (await readdir('/proc')).filter((d) => /^\d+$/.test(d))) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    if (stat.includes('(postgres)')) postgres += treeTicks(stat);
  }
  return { at: performance.now(), machine, mine: treeTicks(await readFile('/proc/self/stat', 'utf8')), postgres };
}

/**
 * A note when other work took a noticeable share of the machine between `before` and now
 * (call it once the servers this run started are stopped, so their CPU is counted as its own).
 */
export async function busyNote(before: CpuSnapshot): Promise<string[]> {
  const after = await cpuSnapshot();
  const foreign = after.machine - before.machine - (after.mine - before.mine) - (after.postgres - before.postgres);
  const share = (foreign * TICK_MS) / ((after.at - before.at) * os.cpus().length); // os.cpus(): this process is pinned to one core
  return share > 0.1
    ? [`Other work on this machine took ${Math.round(share * 100)}% of its CPU during this run (beyond this benchmark, its servers and PostgreSQL): figures may be low; rerun on a quiet machine.`]
    : [];
}

async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime, stime
}

/** Waits until `pid` used at most one tick of CPU over 100 ms (at most `maxMs`). */
async function idle(pid: number, maxMs = 20_000): Promise<void> {
  const deadline = performance.now() + maxMs;
  let prev = await cpuMs(pid);
  while (performance.now() < deadline) {
    await sleep(100);
    const now = await cpuMs(pid);
    if (now - prev <= TICK_MS) return;
    prev = now;
  }
}

/** CPU ms of one process, or summed over several. */
async function cpuOf(pids: number | number[]): Promise<number> {
  let total = 0;
  for (const pid of typeof pids === 'number' ? [pids] : pids) total += await cpuMs(pid);
  return total;
}

// --- The gate: holds every chat completion until released --------------------------------

interface Gate {
  url: string;
  /** Answers fully read from the fake and held. */
  held(): number;
  release(): void;
  close(): Promise<void>;
}

async function startGate(fake: FakeOpenAI): Promise<Gate> {
  let waiting: { res: http.ServerResponse; status: number; headers: Record<string, string>; body: Buffer }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const upstream = await fetch(fake.url.replace(/\/v1$/, '') + req.url, {
        method: req.method,
        headers: { 'content-type': String(req.headers['content-type'] ?? 'application/json'), authorization: String(req.headers.authorization ?? '') },
        body: req.method === 'POST' ? Buffer.concat(chunks) : undefined,
      });
      const body = Buffer.from(await upstream.arrayBuffer());
      const headers = { 'content-type': upstream.headers.get('content-type') ?? 'application/json' };
      if (req.url?.startsWith('/v1/chat/completions')) waiting.push({ res, status: upstream.status, headers, body });
      else res.writeHead(upstream.status, headers).end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    held: () => waiting.length,
    release() {
      const all = waiting;
      waiting = [];
      for (const w of all) w.res.writeHead(w.status, w.headers).end(w.body);
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

// --- Subscribers: a minimal graphql-transport-ws client ------------------------------------

/** Closes a socket and waits for it (at most 5 s). */
export function closeSocket(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => (ws.terminate(), resolve()), 5000);
    ws.removeAllListeners('close');
    ws.on('error', () => {});
    ws.once('close', () => (clearTimeout(timer), resolve()));
    ws.close();
  });
}

interface Sub {
  id: string;
  expected: string[];
  nextSeq: number;
  text: string;
  deltas: number;
  reordered: number;
  errors: number;
  done: boolean;
}

interface Round {
  subs: Sub[];
  pending: number;
  firstAt: number;
  lastAt: number;
  tokenMessages: number;
  finished: () => void;
}

class Subscribers {
  conns: { ws: WebSocket; subs: Map<string, Sub> }[] = [];
  round: Round | null = null;

  /** n connections, spread round-robin over `wsUrls` (several processes behind no balancer). */
  static async open(wsUrls: string | string[], n: number, apiKey: string | null): Promise<Subscribers> {
    const urls = typeof wsUrls === 'string' ? [wsUrls] : wsUrls;
    const s = new Subscribers();
    for (let i = 0; i < n; i += 100) {
      await Promise.all(Array.from({ length: Math.min(100, n - i) }, (_, k) => s.connect(urls[(i + k) % urls.length]!, apiKey)));
    }
    return s;
  }

  private connect(url: string, apiKey: string | null): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, 'graphql-transport-ws', { perMessageDeflate: false, skipUTF8Validation: true } as WebSocket.ClientOptions);
      const conn = { ws, subs: new Map<string, Sub>() };
      ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: apiKey ? { apiKey } : {} })));
      ws.on('error', reject);
      ws.on('close', (code) => reject(new Error(`websocket closed with ${code}`)));
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data));
        if (msg.type === 'connection_ack') {
          this.conns.push(conn);
          return resolve();
        }
        if (msg.type === 'ping') return ws.send('{"type":"pong"}');
        const sub = conn.subs.get(msg.id);
        if (!sub) return;
        if (msg.type === 'next') {
          const ev = msg.payload?.data?.chatRunEvents;
          if (!ev) return void sub.errors++;
          if (ev.seq !== sub.nextSeq) sub.reordered++;
          sub.nextSeq = ev.seq + 1;
          if (ev.type === 'delta') {
            const r = this.round!;
            const now = performance.now();
            if (!r.firstAt) r.firstAt = now;
            r.lastAt = now;
            r.tokenMessages++;
            sub.deltas++;
            sub.text += ev.delta;
          }
        } else if (msg.type === 'complete' || msg.type === 'error') {
          if (msg.type === 'error') sub.errors++;
          conn.subs.delete(msg.id);
          sub.done = true;
          const r = this.round!;
          if (--r.pending === 0) r.finished();
        }
      });
    });
  }

  /** Subscriber i takes run i mod runs.length (the subscription id is the run id). */
  subscribe(runIds: string[], count: number, tokens: string[]): Promise<void> {
    let finished!: () => void;
    const done = new Promise<void>((r) => (finished = r));
    const round: Round = { subs: [], pending: count, firstAt: 0, lastAt: 0, tokenMessages: 0, finished };
    this.round = round;
    for (let i = 0; i < count; i++) {
      const run = runIds[i % runIds.length]!;
      const conn = this.conns[i]!;
      const sub: Sub = { id: run, expected: tokens, nextSeq: 1, text: '', deltas: 0, reordered: 0, errors: 0, done: false };
      conn.subs.set(run, sub);
      round.subs.push(sub);
      conn.ws.send(JSON.stringify({ id: run, type: 'subscribe', payload: { query: SUBSCRIPTION, variables: { r: run, a: 0 } } }));
    }
    return done;
  }

  async close() {
    await Promise.all(this.conns.map((c) => closeSocket(c.ws)));
  }
}

interface Measured {
  perSecond: number;
  ms: number;
  lost: number;
  reordered: number;
  mismatched: number;
  serverCpu: number;
  loadCpu: number;
  serverCpuUsPerMessage: number;
  /** From the round's start to the release (runs started, subscribed, server idle). */
  setupMs: number;
}

/** Waits for the round's end (or `timeoutMs`) and checks every subscriber. */
async function finish(subs: Subscribers, done: Promise<void>, serverPids: number | number[], tokens: string[], cpu0: { server: number; load: NodeJS.CpuUsage; at: number }, timeoutMs = 60_000): Promise<Measured> {
  const timedOut = await Promise.race([done.then(() => false), sleep(timeoutMs).then(() => true)]);
  const r = subs.round!;
  const wall = performance.now() - cpu0.at;
  const serverCpu = (await cpuOf(serverPids)) - cpu0.server;
  const load = process.cpuUsage(cpu0.load);
  const reply = tokens.join('');
  let lost = 0;
  let reordered = 0;
  let mismatched = 0;
  for (const s of r.subs) {
    lost += Math.max(0, tokens.length - s.deltas);
    reordered += s.reordered;
    if (s.text !== reply || s.errors || !s.done) mismatched++;
  }
  if (timedOut) {
    // Unsubscribe what is still open, so the next round starts clean.
    for (const c of subs.conns) {
      for (const id of c.subs.keys()) if (c.ws.readyState === WebSocket.OPEN) c.ws.send(JSON.stringify({ id, type: 'complete' }));
      c.subs.clear();
    }
  }
  const ms = r.lastAt - r.firstAt;
  return {
    perSecond: ms > 0 ? (r.tokenMessages / ms) * 1000 : 0,
    ms,
    lost,
    reordered,
    mismatched,
    serverCpu: serverCpu / wall,
    loadCpu: (load.user + load.system) / 1000 / wall,
    serverCpuUsPerMessage: r.tokenMessages ? (serverCpu * 1000) / r.tokenMessages : 0,
    setupMs: 0,
  };
}

// --- The two contenders, one round each ---------------------------------------------------

interface PgSetup {
  /** One process, or several sharing a database and Redis: runs start on them in turn. */
  servers: Started[];
  gate: Gate;
  user: string;
  agents: string[];
  subs: Subscribers;
}

async function api(base: string, pathname: string, body: unknown): Promise<any> {
  const res = await fetch(base + pathname, { method: 'POST', headers: { 'X-API-Key': BENCH_KEY, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const json = await res.json();
  if (!res.ok) throw new Error(`${pathname}: HTTP ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function startRun(base: string, user: string, agent: string): Promise<string> {
  const res = await api(base, '/graphql', { query: START_RUN, variables: { u: user, a: agent } });
  const id = res?.data?.startChatRun?.data?.id;
  if (!id) throw new Error(`startChatRun: ${JSON.stringify(res)}`);
  return id;
}

async function personagraphRound(pg: PgSetup, runs: number, subscribers: number, tokens: string[]): Promise<Measured> {
  const started = performance.now();
  const runIds = await Promise.all(Array.from({ length: runs }, (_, i) => startRun(pg.servers[i % pg.servers.length]!.url, pg.user, pg.agents[i]!)));
  const done = pg.subs.subscribe(runIds, subscribers, tokens);
  const deadline = performance.now() + 30_000;
  while (pg.gate.held() < runs && performance.now() < deadline) await sleep(5);
  const pids = pg.servers.map((x) => x.pid);
  for (const pid of pids) await idle(pid);
  const cpu0 = { server: await cpuOf(pids), load: process.cpuUsage(), at: performance.now() };
  const t0 = process.hrtime.bigint() / 1000n;
  pg.gate.release();
  const m = await finish(pg.subs, done, pids, tokens, cpu0);
  m.setupMs = cpu0.at - started;
  // With BENCH_W5_PROFILE: the window in the profile's clock (CLOCK_MONOTONIC, µs).
  if (process.env.BENCH_W5_PROFILE) console.log(`profile window ${t0} ${process.hrtime.bigint() / 1000n}`);
  return m;
}

let fakeRunSerial = 0;
/** Ids as long as personagraph's run ids, so the frames are the same size. */
const fakeRunId = (like: string) => `r${(fakeRunSerial++).toString(36)}`.padEnd(like.length, 'x');

async function rawRound(raw: { server: Started; subs: Subscribers }, runs: number, subscribers: number, tokens: string[], idLike: string): Promise<Measured> {
  const started = performance.now();
  const runIds = Array.from({ length: runs }, () => fakeRunId(idLike));
  const done = raw.subs.subscribe(runIds, subscribers, tokens);
  const deadline = performance.now() + 30_000;
  for (;;) {
    const { subscribers: n } = (await (await fetch(`${raw.server.url}/subscribers`)).json()) as { subscribers: number };
    if (n >= subscribers || performance.now() > deadline) break;
    await sleep(5);
  }
  await idle(raw.server.pid);
  const cpu0 = { server: await cpuMs(raw.server.pid), load: process.cpuUsage(), at: performance.now() };
  await fetch(`${raw.server.url}/broadcast`, { method: 'POST', body: JSON.stringify({ runs: Object.fromEntries(runIds.map((r) => [r, tokens])) }) });
  const m = await finish(raw.subs, done, raw.server.pid, tokens, cpu0);
  m.setupMs = cpu0.at - started;
  return m;
}

// --- Time to first token ----------------------------------------------------------------

async function ttft(fake: FakeOpenAI, databaseUrl: string, dataDir: string, log: (s: string) => void) {
  fake.chat.reply = Array.from({ length: TTFT_TOKENS }, (_, i) => `tok${i}`).join(' ');
  fake.chat.delayMs = TTFT_DELAY_MS;
  const server = await startPersonagraph({ DATABASE_URL: databaseUrl, OPENAI_API_KEY: 'sk-bench', OPENAI_BASE_URL: fake.url, DATA_DIR: dataDir });
  const conn = await Subscribers.open(server.url.replace('http', 'ws') + '/graphql', 1, BENCH_KEY);
  const ws = conn.conns[0]!.ws;
  try {
    const user = (await api(server.url, '/api/v1/users', { username: 'ttft', tier: 'enterprise' })).id as string;
    const agent = (await api(server.url, `/api/v1/users/${user}/agents`, { name: 'ttft', provider: 'openai', model: 'gpt-4o-mini' })).id as string;

    const direct = async () => {
      const client = new OpenAI({ apiKey: 'sk-bench', baseURL: fake.url });
      const t0 = performance.now();
      let first = 0;
      const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'go' }] });
      for await (const c of stream) if (!first && c.choices[0]?.delta?.content) first = performance.now() - t0;
      return first;
    };
    const graphqlWs = async () => {
      const t0 = performance.now();
      const run = await startRun(server.url, user, agent);
      return new Promise<number>((resolve, reject) => {
        let first = 0;
        const onMessage = (data: Buffer) => {
          const msg = JSON.parse(String(data));
          if (msg.id !== run) return;
          if (msg.type === 'next' && !first && msg.payload?.data?.chatRunEvents?.type === 'delta') first = performance.now() - t0;
          if (msg.type === 'complete' || msg.type === 'error') {
            ws.off('message', onMessage);
            if (msg.type === 'error' || !first) reject(new Error(`graphql-ws: ${JSON.stringify(msg)}`));
            else resolve(first);
          }
        };
        ws.on('message', onMessage);
        ws.send(JSON.stringify({ id: run, type: 'subscribe', payload: { query: SUBSCRIPTION, variables: { r: run, a: 0 } } }));
      });
    };
    const sse = async () => {
      const t0 = performance.now();
      const res = await fetch(`${server.url}/api/v1/users/${user}/agents/${agent}/chat/stream`, {
        method: 'POST',
        headers: { 'X-API-Key': BENCH_KEY, 'Content-Type': 'application/json' },
        body: JSON.stringify({ messages: [{ role: 'user', content: 'go' }] }),
      });
      return sseFirstDelta(res, t0);
    };

    const paths = { direct, graphqlWs, sse };
    const samples: Record<keyof typeof paths, number[]> = { direct: [], graphqlWs: [], sse: [] };
    for (const f of Object.values(paths)) await f(); // warm-up
    for (const f of Object.values(paths)) await f();
    for (let r = 0; r < TTFT_ROUNDS; r++) for (const [name, f] of Object.entries(paths)) samples[name as keyof typeof paths].push(await f());
    const p50 = (xs: number[]) => +median(xs).toFixed(2);
    const result = { directMs: p50(samples.direct), graphqlWsMs: p50(samples.graphqlWs), sseMs: p50(samples.sse), overMs: 0, sseOverMs: 0, rounds: TTFT_ROUNDS, delayMs: TTFT_DELAY_MS };
    result.overMs = +(result.graphqlWsMs - result.directMs).toFixed(2);
    result.sseOverMs = +(result.sseMs - result.directMs).toFixed(2);
    log(`W5 TTFT p50: direct ${result.directMs} ms, graphql-ws ${result.graphqlWsMs} ms (+${result.overMs}), SSE ${result.sseMs} ms (+${result.sseOverMs})`);
    return result;
  } finally {
    await conn.close();
    await server.stop();
  }
}

/** personagraph as startPersonagraph starts it, with --cpu-prof into `dir` (written when it stops). */
function startProfiled(env: Record<string, string>, dir: string): Promise<Started> {
  return startProcess({
    cmd: process.execPath,
    args: ['--cpu-prof', '--cpu-prof-dir', dir, '--import', 'tsx', 'src/main.ts'],
    env: { LOG_LEVEL: 'warn', BOOTSTRAP_API_KEY: BENCH_KEY, SECRET_KEY: 'bench-suite-secret-key-0123456789abcdef0123', RATE_LIMIT_PER_MINUTE: '1000000000', ...env },
    ready: 'personagraph is listening',
  });
}

// --- The workload -----------------------------------------------------------------------

export async function runW5(opts: W5Options): Promise<W5Result> {
  const log = opts.log ?? ((s: string) => console.log(s));
  const rounds = opts.rounds ?? 5;
  const T = opts.tokens ?? 200;
  const machine0 = await cpuSnapshot();
  const notes: string[] = [];
  const fake = await startFakeOpenAI();
  fake.chat.delayMs = 0;
  const gate = await startGate(fake);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pg-bench-w5-'));
  let pgServer: Started | null = null;
  let rawServer: Started | null = null;
  let pgSubs: Subscribers | null = null;
  let rawSubs: Subscribers | null = null;
  let result: W5Result;
  try {
    const pgEnv = { DATABASE_URL: opts.databaseUrl, OPENAI_API_KEY: 'sk-bench', OPENAI_BASE_URL: gate.url, DATA_DIR: dataDir };
    pgServer = process.env.BENCH_W5_PROFILE ? await startProfiled(pgEnv, process.env.BENCH_W5_PROFILE) : await startPersonagraph(pgEnv);
    rawServer = await startProcess({ cmd: process.execPath, args: ['bench/contenders/raw-ws.mjs'], env: {}, ready: 'raw-ws is listening' });
    const user = (await api(pgServer.url, '/api/v1/users', { username: 'fanout', tier: 'enterprise' })).id as string;
    const agents: string[] = [];
    for (let i = 0; i < 100; i++) agents.push((await api(pgServer.url, `/api/v1/users/${user}/agents`, { name: `fanout${i}`, provider: 'openai', model: 'gpt-4o-mini' })).id);
    pgSubs = await Subscribers.open(pgServer.url.replace('http', 'ws') + '/graphql', CONNECTIONS, BENCH_KEY);
    rawSubs = await Subscribers.open(rawServer.url.replace('http', 'ws') + '/graphql', CONNECTIONS, null);
    const pg: PgSetup = { servers: [pgServer], gate, user, agents, subs: pgSubs };
    const raw = { server: rawServer, subs: rawSubs };
    log(`W5: ${CONNECTIONS} graphql-ws connections open to each contender`);

    const rows: W5Row[] = [];
    let idLike = '';
    const only = process.env.BENCH_W5_SHAPES?.split(',').map(Number);
    for (const s of SHAPES.filter((_, i) => !only || only.includes(i + 1))) {
      const pgRounds: Measured[] = [];
      const rawRounds: Measured[] = [];
      const tokens = tokensOf(Math.max(1, Math.round(T * s.share)));
      fake.chat.reply = tokens.join('');
      for (let r = 0; r <= rounds; r++) {
        const p = await personagraphRound(pg, s.runs, s.subscribers, tokens);
        idLike ||= pgSubs.round!.subs[0]!.id;
        const q = await rawRound(raw, s.runs, s.subscribers, tokens, idLike);
        if (r === 0) continue; // warm-up
        pgRounds.push(p);
        rawRounds.push(q);
        log(
          `W5 ${s.shape} round ${r}: personagraph ${Math.round(p.perSecond)} msgs/s (${p.ms.toFixed(0)} ms after ${p.setupMs.toFixed(0)} ms setup, server cpu ${(p.serverCpu * 100).toFixed(0)}%, load cpu ${(p.loadCpu * 100).toFixed(0)}%), ` +
            `raw ${Math.round(q.perSecond)} msgs/s (${q.ms.toFixed(0)} ms after ${q.setupMs.toFixed(0)} ms setup, server cpu ${(q.serverCpu * 100).toFixed(0)}%, load cpu ${(q.loadCpu * 100).toFixed(0)}%)` +
            (p.lost + p.reordered + p.mismatched + q.lost + q.reordered + q.mismatched ? `; LOST ${p.lost}+${q.lost} REORDERED ${p.reordered}+${q.reordered} MISMATCHED ${p.mismatched}+${q.mismatched}` : ''),
        );
      }
      const ratios = pgRounds.map((p, i) => p.perSecond / rawRounds[i]!.perSecond);
      const sum = (f: (m: Measured) => number) => [...pgRounds, ...rawRounds].reduce((a, m) => a + f(m), 0);
      rows.push({
        shape: s.shape,
        runs: s.runs,
        subscribers: s.subscribers,
        tokens: tokens.length,
        personagraph: Math.round(median(pgRounds.map((m) => m.perSecond))),
        raw: Math.round(median(rawRounds.map((m) => m.perSecond))),
        ratio: { median: +median(ratios).toFixed(3), min: +Math.min(...ratios).toFixed(3), max: +Math.max(...ratios).toFixed(3) },
        lost: sum((m) => m.lost),
        reordered: sum((m) => m.reordered),
        mismatched: sum((m) => m.mismatched),
        personagraphMs: +median(pgRounds.map((m) => m.ms)).toFixed(1),
        rawMs: +median(rawRounds.map((m) => m.ms)).toFixed(1),
        cpu: {
          personagraphServer: +median(pgRounds.map((m) => m.serverCpu)).toFixed(2),
          personagraphLoad: +median(pgRounds.map((m) => m.loadCpu)).toFixed(2),
          rawServer: +median(rawRounds.map((m) => m.serverCpu)).toFixed(2),
          rawLoad: +median(rawRounds.map((m) => m.loadCpu)).toFixed(2),
        },
        serverCpuUsPerMessage: {
          personagraph: +median(pgRounds.map((m) => m.serverCpuUsPerMessage)).toFixed(1),
          raw: +median(rawRounds.map((m) => m.serverCpuUsPerMessage)).toFixed(1),
          ratio: +(median(rawRounds.map((m) => m.serverCpuUsPerMessage)) / median(pgRounds.map((m) => m.serverCpuUsPerMessage))).toFixed(3),
        },
      });
    }
    await pgSubs.close();
    pgSubs = null;
    await rawSubs.close();
    rawSubs = null;
    await pgServer.stop();
    pgServer = null;

    const ttftResult = process.env.BENCH_W5_NO_TTFT ? { directMs: 0, graphqlWsMs: 0, sseMs: 0, overMs: 0, sseOverMs: 0, rounds: 0, delayMs: 0 } : await ttft(fake, opts.databaseUrl, dataDir, log);
    notes.push(
      `Fan-out: ${SHAPES.map((x) => `${x.shape}: ${Math.round(T * x.share)} tokens a run`).join('; ')}; every subscriber on its own websocket (${CONNECTIONS} per contender, opened once); subscribed with afterSeq 0 before the run's upstream answer is released; figure = token messages received ÷ (last − first token received); ${rounds} measured rounds after a warm-up, interleaved personagraph/raw.`,
      `personagraph's upstream answer is the local fake's, read in full and released at once, so token pace is personagraph's own (each token is stored in the database before it is published).`,
      `The subscribers of both contenders share this process on the load core (${CPUS.load ?? 'not pinned'}); with two cores a worker thread there would add no capacity. Median CPU of the load core during raw's rounds: ${rows.map((x) => `${x.shape} ${Math.round(x.cpu.rawLoad * 100)}%`).join(', ')} (raw's server core: ${rows.map((x) => `${Math.round(x.cpu.rawServer * 100)}%`).join(', ')}). Where the load core nears 100% while raw's server core is below it, the raw figure is capped by the subscribers, not by the server, and the msgs/s ratio flatters personagraph; "server µs per message" compares the servers' own cost whatever capped the throughput.`,
      `TTFT: fake words ${TTFT_DELAY_MS} ms apart (the first too), ${TTFT_TOKENS} tokens, p50 of ${TTFT_ROUNDS} interleaved rounds; timers start just before the SDK call (direct), the startChatRun POST (graphql-ws, subscribed on an open connection as soon as the run id is back) and the chat/stream POST (SSE), and stop at the first token.`,
    );
    result = { tokens: T, rounds, rows, ttft: ttftResult, notes };
  } finally {
    await pgSubs?.close().catch(() => {});
    await rawSubs?.close().catch(() => {});
    await pgServer?.stop();
    await rawServer?.stop();
    await gate.close();
    await fake.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  notes.push(...(await busyNote(machine0)));
  return result;
}

// --- W8's live half: the same fan-out on several processes ---------------------------------

export interface FanoutScaleSide {
  perSecond: number;
  min: number;
  max: number;
  serverCpuUsPerMessage: number;
  lost: number;
  reordered: number;
  mismatched: number;
}

export interface FanoutScaleResult {
  shape: string;
  tokens: number;
  one: FanoutScaleSide;
  many: FanoutScaleSide;
  ratio: { median: number; min: number; max: number };
}

/**
 * 100 runs × 10 subscribers against `processes` personagraph processes on one database and one Redis
 * (runs start on them in turn; the 1,000 subscribers' sockets are spread over them round-robin, so most
 * tokens cross processes through Redis), and against one process of the same setup. Interleaved rounds
 * after a warm-up; not pinned.
 */
export async function runFanoutScale(opts: { databaseUrl: string; redisUrl: string; processes: number; rounds: number; tokens?: number; log: (s: string) => void }): Promise<FanoutScaleResult> {
  const shape = SHAPES[2];
  const tokens = tokensOf(Math.max(1, Math.round((opts.tokens ?? 200) * shape.share)));
  const fake = await startFakeOpenAI();
  fake.chat.delayMs = 0;
  fake.chat.reply = tokens.join('');
  const gate = await startGate(fake);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pg-bench-w8-'));
  const servers: Started[] = [];
  const subs: Subscribers[] = [];
  try {
    const env = (k: number) => ({ DATABASE_URL: opts.databaseUrl, REDIS_URL: opts.redisUrl, OPENAI_API_KEY: 'sk-bench', OPENAI_BASE_URL: gate.url, DATA_DIR: path.join(dataDir, String(k)) });
    for (let k = 0; k <= opts.processes; k++) servers.push(await startPersonagraph(env(k), null));
    const [single, ...many] = servers as [Started, ...Started[]];
    const user = (await api(single.url, '/api/v1/users', { username: 'fanout-scale', tier: 'enterprise' })).id as string;
    const agents: string[] = [];
    for (let i = 0; i < shape.runs; i++) agents.push((await api(single.url, `/api/v1/users/${user}/agents`, { name: `scale${i}`, provider: 'openai', model: 'gpt-4o-mini' })).id);
    const ws = (s: Started) => s.url.replace('http', 'ws') + '/graphql';
    subs.push(await Subscribers.open(ws(single), CONNECTIONS, BENCH_KEY), await Subscribers.open(many.map(ws), CONNECTIONS, BENCH_KEY));
    const one: PgSetup = { servers: [single], gate, user, agents, subs: subs[0]! };
    const spread: PgSetup = { servers: many, gate, user, agents, subs: subs[1]! };
    const oneRounds: Measured[] = [];
    const manyRounds: Measured[] = [];
    for (let r = 0; r <= opts.rounds; r++) {
      const order = r % 2 === 0 ? [one, spread] : [spread, one];
      const measured = new Map<PgSetup, Measured>();
      for (const setup of order) measured.set(setup, await personagraphRound(setup, shape.runs, shape.subscribers, tokens));
      if (r === 0) continue; // warm-up
      oneRounds.push(measured.get(one)!);
      manyRounds.push(measured.get(spread)!);
      opts.log(`W8 fan-out round ${r}/${opts.rounds}: one process ${Math.round(measured.get(one)!.perSecond)} msgs/s, ${opts.processes} processes ${Math.round(measured.get(spread)!.perSecond)} msgs/s`);
    }
    const side = (ms: Measured[]): FanoutScaleSide => ({
      perSecond: Math.round(median(ms.map((m) => m.perSecond))),
      min: Math.round(Math.min(...ms.map((m) => m.perSecond))),
      max: Math.round(Math.max(...ms.map((m) => m.perSecond))),
      serverCpuUsPerMessage: +median(ms.map((m) => m.serverCpuUsPerMessage)).toFixed(1),
      lost: ms.reduce((n, m) => n + m.lost, 0),
      reordered: ms.reduce((n, m) => n + m.reordered, 0),
      mismatched: ms.reduce((n, m) => n + m.mismatched, 0),
    });
    const ratios = manyRounds.map((m, i) => m.perSecond / oneRounds[i]!.perSecond);
    return {
      shape: shape.shape,
      tokens: tokens.length,
      one: side(oneRounds),
      many: side(manyRounds),
      ratio: { median: +median(ratios).toFixed(2), min: +Math.min(...ratios).toFixed(2), max: +Math.max(...ratios).toFixed(2) },
    };
  } finally {
    for (const x of subs) await x.close().catch(() => {});
    for (const x of servers) await x.stop();
    await gate.close();
    await fake.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

// --- Alone: npx tsx bench/w5-fanout.ts ----------------------------------------------------

/** The markdown tables (what the script prints alone). */
export function formatW5(r: W5Result): string {
  const lines = [
    `W5 chat-token fan-out over graphql-ws, medians of ${r.rounds} rounds (min–max of the ratio).`,
    '',
    '| shape | tokens a run | personagraph msgs/s | raw ws msgs/s | ratio (min–max) | lost | reordered | mismatched | CPU server/load, personagraph | CPU server/load, raw | server µs per message, personagraph / raw (ratio) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...r.rows.map(
      (x) =>
        `| ${x.shape} | ${x.tokens} | ${x.personagraph} | ${x.raw} | ${x.ratio.median} (${x.ratio.min}–${x.ratio.max}) | ${x.lost} | ${x.reordered} | ${x.mismatched} | ${x.cpu.personagraphServer} / ${x.cpu.personagraphLoad} | ${x.cpu.rawServer} / ${x.cpu.rawLoad} | ${x.serverCpuUsPerMessage.personagraph} / ${x.serverCpuUsPerMessage.raw} (${x.serverCpuUsPerMessage.ratio}) |`,
    ),
    '',
    '| time to first token, p50 | ms | over direct |',
    '| --- | --- | --- |',
    `| direct openai SDK → fake | ${r.ttft.directMs} | |`,
    `| graphql-ws (startChatRun → first delta) | ${r.ttft.graphqlWsMs} | ${r.ttft.overMs} |`,
    `| SSE (POST chat/stream → first delta) | ${r.ttft.sseMs} | ${r.ttft.sseOverMs} |`,
    '',
    ...r.notes.map((n) => `- ${n}`),
  ];
  return lines.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (CPUS.load !== null) spawnSync('taskset', ['-a', '-p', '-c', CPUS.load, String(process.pid)], { stdio: 'ignore' });
  const db = await createDatabase(`pgbench_w5_${process.pid}`);
  if (!db) {
    console.error('W5 needs PostgreSQL (BENCH_POSTGRES_URL)');
    process.exit(1);
  }
  try {
    const result = await runW5({
      databaseUrl: db.url,
      rounds: Number(process.env.BENCH_ROUNDS ?? 5),
      tokens: Number(process.env.BENCH_W5_TOKENS ?? 200),
      log: (s) => console.log(`[w5 ${new Date().toISOString().slice(11, 19)}] ${s}`),
    });
    console.log('\n' + formatW5(result));
  } finally {
    await db.drop();
  }
  process.exit(0);
}

/**
 * npm run bench:ttft-trace — where a chat's time to first token goes, statement by statement.
 *
 * Starts personagraph in this process on PostgreSQL (BENCH_DATABASE_URL, default a fresh database on
 * 127.0.0.1) with the local OpenAI-compatible server (first word after 10 ms, like W5's TTFT), then chats over
 * SSE, interleaved with calling that server directly, and prints the timeline of the last SSE chat: every SQL
 * statement as it ends (ms since the request was sent, and its own duration), when the model server received
 * the request, and when the first token reached the client; then the p50s and the overhead over direct.
 * Not part of npm test or npm run bench.
 */
import OpenAI from 'openai';
import { loadConfig } from '../src/config.js';
import { createApp } from '../src/app.js';
import { createLogger } from '../src/infra/logger.js';
import { startFakeOpenAI } from '../test/helpers/fake-openai.js';
import { createDatabase } from './lib/proc.js';
import { sseFirstDelta } from './lib/sse.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const KEY = 'pg_bench_admin_key_0123456789abcdefghij';

const fake = await startFakeOpenAI();
fake.chat.reply = 'tok0 tok1 tok2 tok3 tok4';
fake.chat.delayMs = 10;
const made = process.env.BENCH_DATABASE_URL ? null : await createDatabase('pgbench_ttft_trace');
const databaseUrl = process.env.BENCH_DATABASE_URL ?? made?.url;
if (!databaseUrl) throw new Error('no PostgreSQL at 127.0.0.1:5432: set BENCH_DATABASE_URL');
const app = await createApp(
  loadConfig({
    DATABASE_URL: databaseUrl,
    PORT: '0',
    BOOTSTRAP_API_KEY: KEY,
    SECRET_KEY: 'bench-secret-key-0123456789abcdef0123456789',
    DATA_DIR: '/tmp/personagraph-ttft-trace',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '1000000',
    OPENAI_API_KEY: 'sk-bench',
    OPENAI_BASE_URL: fake.url,
  }),
  createLogger('silent'),
  { observeQueries: true },
);
const { port } = await app.listen();
const base = `http://127.0.0.1:${port}`;
const headers = { 'X-API-Key': KEY, 'Content-Type': 'application/json' };
const post = async (p: string, body: unknown) => (await (await fetch(`${base}${p}`, { method: 'POST', headers, body: JSON.stringify(body) })).json()) as { id: string };
const user = (await post('/api/v1/users', { username: 'trace', tier: 'enterprise' })).id;
const agent = (await post(`/api/v1/users/${user}/agents`, { name: 'trace', provider: 'openai', model: 'gpt-4o-mini' })).id;

/** The timeline of the SSE chat being traced (t0: its request sent; 0 while calling the provider directly). */
let t0 = 0;
let timeline: string[] = [];
const at = (what: string) => t0 && timeline.push(`${(performance.now() - t0).toFixed(2).padStart(8)} ms  ${what}`);
app.onQuery((e) => at(`statement ended (${e.duration.toFixed(2)} ms): ${e.query.replace(/\s+/g, ' ').slice(0, 100)}`));
const received = fake.requests.push.bind(fake.requests);
fake.requests.push = (...r) => (at(`model server received ${r[0]?.path}`), received(...r));

async function sse(): Promise<number> {
  timeline = [];
  t0 = performance.now();
  const res = await fetch(`${base}/api/v1/users/${user}/agents/${agent}/chat/stream`, { method: 'POST', headers, body: JSON.stringify({ messages: [{ role: 'user', content: 'go' }] }) });
  const first = await sseFirstDelta(res, t0, () => at('first token at the client'));
  t0 = 0;
  return first;
}

async function direct(): Promise<number> {
  const client = new OpenAI({ apiKey: 'sk-bench', baseURL: fake.url });
  const t = performance.now();
  let first = 0;
  const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'go' }] });
  for await (const c of stream) if (!first && c.choices[0]?.delta?.content) first = performance.now() - t;
  return first;
}

const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
for (let i = 0; i < 3; i++) await sse(), await direct(); // warm-up
const samples = { sse: [] as number[], direct: [] as number[] };
for (let i = 0; i < ROUNDS; i++) samples.sse.push(await sse()), samples.direct.push(await direct());
console.log(`The last SSE chat (ms since its request was sent):\n${timeline.join('\n')}\n`);
console.log(`p50 of ${ROUNDS}: SSE ${p50(samples.sse).toFixed(2)} ms, direct ${p50(samples.direct).toFixed(2)} ms, over direct ${(p50(samples.sse) - p50(samples.direct)).toFixed(2)} ms`);
await app.close();
await fake.close();
await made?.drop();
process.exit(0);

/**
 * npm run bench:chat — time to first token and per-token overhead of the chat
 * paths against calling the OpenAI-compatible server directly (all on
 * loopback, one machine). Not part of npm test. Writes
 * bench/results/chat-stream.json and prints a markdown table.
 *
 * The local server streams TOKENS words, DELAY_MS apart. For each path:
 * TTFT = request sent → first token received; overhead per token =
 * (path's total − direct total) / TOKENS. Medians over ROUNDS interleaved rounds.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import OpenAI from 'openai';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { loadConfig } from '../src/config.js';
import { createApp } from '../src/app.js';
import { createLogger } from '../src/infra/logger.js';
import { startFakeOpenAI } from '../test/helpers/fake-openai.js';

const TOKENS = Number(process.env.BENCH_TOKENS ?? 50);
const DELAY_MS = Number(process.env.BENCH_DELAY_MS ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const KEY = 'pg_bench_admin_key_0123456789abcdefghij';

const fake = await startFakeOpenAI();
fake.chat.reply = Array.from({ length: TOKENS }, (_, i) => `tok${i}`).join(' ');
fake.chat.delayMs = DELAY_MS;
const config = loadConfig({
  DATABASE_URL: process.env.BENCH_DATABASE_URL ?? 'pglite:memory',
  PORT: '0',
  BOOTSTRAP_API_KEY: KEY,
  SECRET_KEY: 'bench-secret-key-0123456789abcdef0123456789',
  DATA_DIR: '/tmp/personagraph-bench',
  LOG_LEVEL: 'silent',
  RATE_LIMIT_PER_MINUTE: '1000000',
  OPENAI_API_KEY: 'sk-bench',
  OPENAI_BASE_URL: fake.url,
});
const app = await createApp(config, createLogger('silent'));
const { port } = await app.listen();
const base = `http://127.0.0.1:${port}`;
const headers = { 'X-API-Key': KEY, 'Content-Type': 'application/json' };
const user = (await (await fetch(`${base}/api/v1/users`, { method: 'POST', headers, body: JSON.stringify({ username: 'bench', tier: 'enterprise' }) })).json()).id;
const agent = (await (await fetch(`${base}/api/v1/users/${user}/agents`, { method: 'POST', headers, body: JSON.stringify({ name: 'bench', provider: 'openai', model: 'gpt-4o-mini' }) })).json()).id;
const body = JSON.stringify({ messages: [{ role: 'user', content: 'go' }] });

interface Sample { ttft: number; total: number; tokens: number }

async function direct(): Promise<Sample> {
  const client = new OpenAI({ apiKey: 'sk-bench', baseURL: fake.url });
  const t0 = performance.now();
  let ttft = 0;
  let tokens = 0;
  const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'go' }] });
  for await (const c of stream) {
    if (c.choices[0]?.delta?.content) {
      if (!tokens) ttft = performance.now() - t0;
      tokens++;
    }
  }
  return { ttft, total: performance.now() - t0, tokens };
}

async function sse(): Promise<Sample> {
  const t0 = performance.now();
  const res = await fetch(`${base}/api/v1/users/${user}/agents/${agent}/chat/stream`, { method: 'POST', headers, body });
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let buf = '';
  let ttft = 0;
  let tokens = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let i;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      if (block.includes('event: delta')) {
        if (!tokens) ttft = performance.now() - t0;
        tokens++;
      }
    }
  }
  return { ttft, total: performance.now() - t0, tokens };
}

const ws = createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WebSocket, connectionParams: { apiKey: KEY } });
async function graphqlWs(): Promise<Sample> {
  const t0 = performance.now();
  const started = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      query: `mutation($u: ID!, $a: ID!) { startChatRun(user: $u, agent: $a, messages: [{ role: "user", content: "go" }]) { ... on MutationStartChatRunSuccess { data { id } } } }`,
      variables: { u: user, a: agent },
    }),
  }).then((r) => r.json());
  const runId = started.data.startChatRun.data.id;
  return new Promise((resolve, reject) => {
    let ttft = 0;
    let tokens = 0;
    ws.subscribe(
      { query: `subscription($r: ID!) { chatRunEvents(runId: $r) { type delta } }`, variables: { r: runId } },
      {
        next: (v) => {
          if ((v.data as any).chatRunEvents.type === 'delta') {
            if (!tokens) ttft = performance.now() - t0;
            tokens++;
          }
        },
        error: reject,
        complete: () => resolve({ ttft, total: performance.now() - t0, tokens }),
      },
    );
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const paths = { direct, sse, 'graphql-ws': graphqlWs } as const;
const samples: Record<string, Sample[]> = { direct: [], sse: [], 'graphql-ws': [] };
for (const f of Object.values(paths)) await f(); // warm-up
for (let r = 0; r < ROUNDS; r++) for (const [name, f] of Object.entries(paths)) samples[name]!.push(await f());

const directTotal = median(samples.direct!.map((s) => s.total));
const rows = Object.entries(samples).map(([name, s]) => {
  const total = median(s.map((x) => x.total));
  return {
    path: name,
    ttftMs: +median(s.map((x) => x.ttft)).toFixed(2),
    totalMs: +total.toFixed(2),
    overheadPerTokenMs: name === 'direct' ? 0 : +((total - directTotal) / TOKENS).toFixed(3),
    tokens: s[0]!.tokens,
  };
});
const table = [
  `Chat streaming, ${TOKENS} tokens ${DELAY_MS} ms apart from a local OpenAI-compatible server; medians of ${ROUNDS} rounds; database ${config.database.kind}.`,
  '',
  '| path | time to first token (ms) | total (ms) | overhead per token vs direct (ms) |',
  '| --- | --- | --- | --- |',
  ...rows.map((r) => `| ${r.path} | ${r.ttftMs} | ${r.totalMs} | ${r.overheadPerTokenMs} |`),
].join('\n');
console.log(table);
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(new URL('./results/chat-stream.json', import.meta.url), JSON.stringify({ date: new Date().toISOString(), tokens: TOKENS, delayMs: DELAY_MS, rounds: ROUNDS, database: config.database.kind, rows }, null, 2) + '\n');
await ws.dispose();
await app.close();
await fake.close();
process.exit(0);

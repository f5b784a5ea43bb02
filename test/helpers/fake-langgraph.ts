/**
 * A local fake LangGraph server for tests: `GET /info`, and
 * `POST /threads/{threadId}/runs/wait`, which keeps each thread's messages
 * (creating the thread when `if_not_exists` is "create"), appends the input
 * messages and the reply, and answers the thread state `{messages}` as a
 * LangGraph server does, and `GET /threads/{threadId}/state` (`{values:
 * {messages}}`). A held run still completes once released even if its caller
 * left, as on a real server. It records every request with its headers,
 * counts concurrent calls, and can hold replies until released or fail.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LgMessage {
  type: 'human' | 'ai' | 'tool' | 'system';
  content: string;
  id?: string;
  tool_calls?: { id: string; name: string; args: Record<string, unknown> }[];
  tool_call_id?: string;
  name?: string;
  usage_metadata?: { input_tokens: number; output_tokens: number; total_tokens: number };
}

export interface LgRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
  threadId: string | null;
}

export interface FakeLangGraph {
  url: string;
  requests: LgRequest[];
  threads: Map<string, LgMessage[]>;
  /** What the graph adds after the input (default: one AI message answering the last human one). */
  reply: (input: { threadId: string; thread: LgMessage[]; body: any }) => LgMessage[];
  /** Calls running right now, and the most ever at once. */
  inFlight: number;
  maxInFlight: number;
  /** Replies wait until `release()` (or forever while held). */
  hold(): void;
  release(): void;
  /** Resolves once `n` run requests have arrived in total. */
  waitForRuns(n: number): Promise<void>;
  delayMs: number;
  failWith(status: number | null): void;
  close(): Promise<void>;
}

export const defaultReply = ({ thread }: { thread: LgMessage[] }): LgMessage[] => {
  const last = [...thread].reverse().find((m) => m.type === 'human');
  return [{ type: 'ai', content: `Thanks for your message about: ${last?.content ?? 'nothing'}`, usage_metadata: { input_tokens: 10, output_tokens: 5, total_tokens: 15 } }];
};

export async function startFakeLangGraph(): Promise<FakeLangGraph> {
  const requests: LgRequest[] = [];
  const threads = new Map<string, LgMessage[]>();
  let held = false;
  let waiters: (() => void)[] = [];
  let failure: number | null = null;
  let runCount = 0;
  let runWaiters: { n: number; resolve: () => void }[] = [];
  let seq = 0;

  const fake: FakeLangGraph = {
    url: '',
    requests,
    threads,
    reply: defaultReply,
    inFlight: 0,
    maxInFlight: 0,
    delayMs: 0,
    hold() {
      held = true;
    },
    release() {
      held = false;
      const w = waiters;
      waiters = [];
      for (const r of w) r();
    },
    waitForRuns(n) {
      if (runCount >= n) return Promise.resolve();
      return new Promise((resolve) => runWaiters.push({ n, resolve }));
    },
    failWith(status) {
      failure = status;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        fake.release();
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };

  const send = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const path = (req.url ?? '/').split('?')[0]!;
        let body: any = null;
        try {
          body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : null;
        } catch {
          return send(res, 422, { detail: 'invalid JSON' });
        }
        const m = /^\/threads\/([^/]+)\/runs\/wait$/.exec(path);
        const rec: LgRequest = { method: req.method ?? 'GET', path, headers: req.headers, body, threadId: m ? decodeURIComponent(m[1]!) : null };
        requests.push(rec);
        if (req.method === 'POST' && m) {
          runCount += 1;
          for (const w of runWaiters.filter((w) => runCount >= w.n)) w.resolve();
          runWaiters = runWaiters.filter((w) => runCount < w.n);
        }
        if (failure !== null) return send(res, failure, { detail: 'the graph failed' });
        if (req.method === 'GET' && path === '/info') return send(res, 200, { version: '0.4.0', flags: { assistants: true, crons: false } });
        const st = /^\/threads\/([^/]+)\/state$/.exec(path);
        if (req.method === 'GET' && st) {
          const thread = threads.get(decodeURIComponent(st[1]!));
          if (!thread) return send(res, 404, { detail: 'Thread not found' });
          return send(res, 200, { values: { messages: thread }, next: [], tasks: [], metadata: {} });
        }
        if (req.method !== 'POST' || !m) return send(res, 404, { detail: 'Not Found' });
        if (!body?.assistant_id) return send(res, 422, { detail: 'assistant_id is required' });
        const threadId = rec.threadId!;
        if (!threads.has(threadId)) {
          if (body.if_not_exists !== 'create') return send(res, 404, { detail: `Thread ${threadId} not found` });
          threads.set(threadId, []);
        }
        fake.inFlight += 1;
        fake.maxInFlight = Math.max(fake.maxInFlight, fake.inFlight);
        try {
          if (fake.delayMs) await new Promise((r) => setTimeout(r, fake.delayMs));
          while (held) await new Promise<void>((r) => waiters.push(r));
          // Like a real LangGraph server, the run completes even when its caller has gone away.
          const thread = threads.get(threadId)!;
          for (const msg of body.input?.messages ?? []) {
            const type = msg.role === 'assistant' || msg.role === 'ai' ? 'ai' : msg.role === 'system' ? 'system' : 'human';
            thread.push({ type, content: String(msg.content ?? ''), id: `msg-${++seq}` });
          }
          for (const r of fake.reply({ threadId, thread, body })) thread.push({ id: `msg-${++seq}`, ...r });
          if (!res.destroyed) send(res, 200, { messages: thread });
        } finally {
          fake.inFlight -= 1;
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

/**
 * Real server processes on loopback for the scale-out tests: start one (it
 * resolves once the banner is printed), call it over HTTP, and collect a
 * graphql-ws subscription's results in order.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Client } from 'graphql-ws';
import { answering, freePort } from './net.js';
import { root, serverArgs } from './server-command.js';

export const MULTIPROCESS_KEY = 'pg_test_multiprocess_admin_key_0123456789';
const KEY = MULTIPROCESS_KEY;
const WAIT_MS = 20_000;

export interface Proc {
  name: string;
  url: string;
  wsUrl: string;
  child: ChildProcess;
  output: () => string;
}

export async function startProcess(name: string, env: Record<string, string>): Promise<Proc> {
  const port = await freePort();
  const child = spawn(process.execPath, serverArgs(), {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + 60_000;
  while (!out.includes('personagraph is listening')) {
    if (child.exitCode !== null) throw new Error(`${name} exited ${child.exitCode}:\n${out}`);
    if (Date.now() > deadline) throw new Error(`${name} did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  await answering(`http://127.0.0.1:${port}`); // its signal handlers are in place (see answering)
  return { name, url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/graphql`, child, output: () => out };
}

export async function request(p: Proc, method: string, pathname: string, opts: { body?: unknown; key?: string; headers?: Record<string, string> } = {}) {
  const res = await fetch(p.url + pathname, {
    method,
    headers: { Authorization: `Bearer ${opts.key ?? KEY}`, ...(opts.body ? { 'Content-Type': 'application/json' } : {}), ...opts.headers },
    body: opts.body ? JSON.stringify(opts.body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
}

/** Collects a subscription's results; `next()` waits for the next one. */
export class Feed {
  private items: any[] = [];
  private waiters: (() => void)[] = [];
  readonly stop: () => void;
  constructor(c: Client, query: string, variables?: Record<string, unknown>) {
    this.stop = c.subscribe({ query, variables }, { next: (v) => this.push(v), error: (e) => this.push({ error: e }), complete: () => {} });
  }
  private push(v: any) {
    this.items.push(v);
    for (const w of this.waiters.splice(0)) w();
  }
  /** The next result; throws if none arrives within `timeoutMs` (and then leaves later results for the next call). */
  async next(timeoutMs = WAIT_MS): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    while (!this.items.length) {
      if (Date.now() > deadline) throw new Error('no event arrived');
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(200, Math.max(1, deadline - Date.now())));
        this.waiters.push(() => (clearTimeout(t), r()));
      });
    }
    const v = this.items.shift();
    if (v.error) throw new Error(`subscription failed: ${JSON.stringify(v.error)}`);
    return v;
  }
  drain() {
    this.items = [];
  }
}


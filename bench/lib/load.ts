/**
 * The load generator: autocannon (keep-alive, 10 connections by default) in
 * this process, which bench/run.ts pins to the load core. Each request is
 * built by the workload (a counter picks the id or name), so every contender
 * sees the same sequence.
 */
import { createRequire } from 'node:module';

const require = createRequire(new URL('../package.json', import.meta.url));
const autocannon = require('autocannon') as (opts: object, cb?: unknown) => Promise<any>;

export interface HttpRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  requests: number;
  perSecond: number;
  p50ms: number;
  p99ms: number;
  errors: number;
  non2xx: number;
}

export async function load(url: string, make: (i: number) => HttpRequest, opts: { seconds: number; connections?: number }): Promise<LoadResult> {
  let i = 0;
  const result = await autocannon({
    url,
    connections: opts.connections ?? 10,
    duration: opts.seconds,
    // A fresh headers object per request: autocannon writes Content-Length into the one it is given.
    requests: [{ setupRequest: (req: object) => { const r = make(i++); return { ...req, ...r, headers: { ...r.headers } }; } }],
  });
  return {
    requests: result.requests.total,
    perSecond: result.requests.total / opts.seconds,
    p50ms: result.latency.p50,
    p99ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/** Sends one request (for the equality and statement-count checks). */
export async function once(url: string, req: HttpRequest): Promise<{ status: number; json: unknown; text: string; encoding: string | null }> {
  const res = await fetch(url + req.path, { method: req.method, headers: req.headers, body: req.body });
  const text = await res.text(); // decoded, whatever the Content-Encoding
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, json, text, encoding: res.headers.get('content-encoding') };
}

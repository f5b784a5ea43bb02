/**
 * `safeFetch`: one buffered request to a user-supplied URL (webhook
 * endpoints, connectors, image URLs, the skill registry, the agents'
 * http_fetch tool), redirects followed hop by hop, one time bound for the
 * whole exchange and a response size cap.
 */
import type http from 'node:http';
import { OutboundFailed, OutboundRefused } from './errors.js';
import { bareHost, checkOutboundUrl, type OutboundPolicy } from './policy.js';
import { openHop, REDIRECTS, type Resolver } from './connect.js';

export interface SafeFetchOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Bound on the whole exchange, redirects included. */
  timeoutMs: number;
  /** Most response body bytes read. */
  maxBytes: number;
  policy: OutboundPolicy;
  signal?: AbortSignal;
  /** Follow redirects (default true), at most `maxRedirects` (default 5) hops, each checked like the first. */
  followRedirects?: boolean;
  maxRedirects?: number;
  /** A body over `maxBytes`: `error` (default) fails with `too_large`; `truncate` keeps the first `maxBytes`. */
  onTooLarge?: 'error' | 'truncate';
  /** Name resolution; default the system resolver (tests pass their own). */
  resolve?: Resolver;
}

export interface SafeResponse {
  status: number;
  /** Lower-cased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
  /** The body was cut at `maxBytes` (`onTooLarge: 'truncate'`). */
  truncated: boolean;
  /** The URL that answered (after redirects). */
  url: string;
  /** The URLs redirected to, in order. */
  redirects: string[];
  text(): string;
}

/** One request to a user-supplied URL; see the module comment for what is refused. */
export async function safeFetch(rawUrl: string, opts: SafeFetchOptions): Promise<SafeResponse> {
  const deadline = Date.now() + opts.timeoutMs;
  const follow = opts.followRedirects ?? true;
  const maxRedirects = opts.maxRedirects ?? 5;
  let url = checkOutboundUrl(rawUrl, opts.policy);
  let method = (opts.method ?? 'GET').toUpperCase();
  let headers: Record<string, string> = { ...opts.headers };
  let body = opts.body;
  const redirects: string[] = [];
  for (;;) {
    if (opts.signal?.aborted) throw new OutboundFailed('aborted', 'the request was cancelled');
    const hop = await oneHop(url, { ...opts, method, headers, body }, deadline).catch((e: unknown) => {
      // A name on a redirect hop is checked when that hop connects: say it was the redirect.
      if (e instanceof OutboundRefused && redirects.length) throw new OutboundRefused(`refused redirect to ${url.protocol}//${url.host}: ${e.message.replace(/^refused: /, '')}`);
      throw e;
    });
    const location = hop.headers.location;
    if (!follow || !REDIRECTS.has(hop.status) || !location) return { ...hop, url: url.toString(), redirects, text: () => hop.body.toString('utf8') };
    if (redirects.length >= maxRedirects) throw new OutboundFailed('too_many_redirects', `more than ${maxRedirects} redirects`);
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      throw new OutboundRefused('refused: a redirect pointed to an invalid URL');
    }
    try {
      next = checkOutboundUrl(next.toString(), opts.policy);
    } catch (e) {
      throw new OutboundRefused(`refused redirect to ${next.protocol}//${next.host}: ${(e as Error).message.replace(/^refused: /, '')}`);
    }
    if (hop.status === 303 || ((hop.status === 301 || hop.status === 302) && method === 'POST')) {
      method = method === 'HEAD' ? 'HEAD' : 'GET';
      body = undefined;
      headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !/^content-(type|length|encoding)$/i.test(k)));
    }
    if (next.origin !== url.origin) headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !/^(authorization|cookie|proxy-authorization)$/i.test(k)));
    redirects.push(next.toString());
    url = next;
  }
}

interface Hop {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  truncated: boolean;
}

function headerRecord(res: http.IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  return headers;
}

async function oneHop(url: URL, opts: SafeFetchOptions & { method: string; headers: Record<string, string> }, deadline: number): Promise<Hop> {
  const host = bareHost(url.hostname);
  const res = await openHop(url, opts, deadline);
  return new Promise<Hop>((resolvePromise, reject) => {
    let settled = false;
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    const headers = headerRecord(res);
    const finish = (err: Error | null, hop?: Hop) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (err) {
        res.destroy();
        reject(err);
      } else resolvePromise(hop!);
    };
    const done = () => finish(null, { status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks), truncated });
    const timer = setTimeout(() => finish(new OutboundFailed('timeout', `${host} did not answer within the time limit`)), Math.max(0, deadline - Date.now()));
    const onAbort = () => finish(new OutboundFailed('aborted', 'the request was cancelled'));
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    // A redirect's body is not read.
    if (REDIRECTS.has(res.statusCode ?? 0) && headers.location && (opts.followRedirects ?? true)) {
      res.destroy();
      return done();
    }
    const announced = Number(res.headers['content-length']);
    if ((opts.onTooLarge ?? 'error') === 'error' && Number.isFinite(announced) && announced > opts.maxBytes) {
      return finish(new OutboundFailed('too_large', `the response from ${host} is larger than ${opts.maxBytes} bytes`));
    }
    res.on('data', (c: Buffer) => {
      if (settled) return;
      const room = opts.maxBytes - size;
      if (c.length > room) {
        if ((opts.onTooLarge ?? 'error') === 'error') return finish(new OutboundFailed('too_large', `the response from ${host} is larger than ${opts.maxBytes} bytes`));
        chunks.push(c.subarray(0, room));
        size += room;
        truncated = true;
        res.destroy();
        return done();
      }
      chunks.push(c);
      size += c.length;
    });
    res.on('end', done);
    res.on('error', () => finish(new OutboundFailed('broken', `the response from ${host} broke off`)));
    res.on('close', () => (res.complete ? done() : finish(new OutboundFailed('broken', `the response from ${host} broke off`))));
  });
}

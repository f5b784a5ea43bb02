/**
 * The guarded connection: one request to one URL whose socket connects only
 * to an address that passed the policy at connect time (the lookup is pinned
 * inside the connection, so DNS rebinding cannot swap in another address).
 * Both fetches (buffered-fetch.ts, guarded-fetch.ts) open every hop here; it
 * is the one place a raw http(s) request is made.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { OutboundFailed, OutboundRefused } from './errors.js';
import { addressRefusal, bareHost, parseAddress, policyFor, type OutboundPolicy } from './policy.js';

export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;

/** The statuses followed as redirects (when the request follows them). */
export const REDIRECTS = new Set([301, 302, 303, 307, 308]);

const defaultResolve: Resolver = (host) => dnsLookup(host, { all: true, verbatim: true });

export interface HopRequest {
  method: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  policy: OutboundPolicy;
  resolve?: Resolver;
  signal?: AbortSignal;
  /** Keep-alive pools to reuse connections from (ConnectionPools); without them every request opens its own. */
  pools?: ConnectionPools;
}

/**
 * Keep-alive connection pools (http and https) that belong to ONE guarded fetch, and so to one policy. Every socket
 * in them was opened by openHop, through the pinned, checked lookup, under that policy, for the host and port it
 * is pooled under (Node's agents key sockets by host, port and TLS name, so by origin); a request reuses a socket
 * only for the origin the socket was checked for, whose policy (policyFor) is the same. A reused socket stays on
 * the address checked when it connected, as a long request would. Idle sockets are unref'd (they keep no process
 * alive) and closed after IDLE_SOCKET_MS, or sooner when the server's Keep-Alive header says so.
 *
 * Why: a model server's first token waited for a new TCP (and, for https, TLS) connection on every chat run; a
 * pooled one saves that round trip or three (bench W5 time to first token).
 */
export interface ConnectionPools {
  http: http.Agent;
  https: https.Agent;
}

const IDLE_SOCKET_MS = 30_000;
const STALE_SOCKET = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);
const MAX_IDLE_SOCKETS = 32;

export function connectionPools(): ConnectionPools {
  const opts = { keepAlive: true, timeout: IDLE_SOCKET_MS, maxFreeSockets: MAX_IDLE_SOCKETS };
  return { http: new http.Agent(opts), https: new https.Agent(opts) };
}

/**
 * Connects to `url` through the pinned, checked lookup, sends the request and
 * resolves with the response once its head arrives (the body unread). Fails
 * with OutboundRefused / OutboundFailed; `deadline` bounds the wait for the head.
 */
export function openHop(url: URL, opts: HopRequest, deadline: number | null): Promise<http.IncomingMessage> {
  const host = bareHost(url.hostname);
  const resolve = opts.resolve ?? defaultResolve;
  const policy = policyFor(url, opts.policy);
  let refused: OutboundRefused | null = null;
  let unresolvable = false;

  // Runs when the socket connects: the addresses checked here are the ones it connects to.
  const pinnedLookup = ((hostname: string, options: { all?: boolean; family?: number | string }, callback: (...args: unknown[]) => void) => {
    resolve(hostname)
      .then((found) => {
        const family = options?.family === 'IPv4' ? 4 : options?.family === 'IPv6' ? 6 : Number(options?.family) || 0;
        const addresses = found.filter((a) => !family || a.family === family);
        if (!addresses.length) {
          unresolvable = true;
          return callback(Object.assign(new Error('no address'), { code: 'ENOTFOUND' }));
        }
        for (const a of addresses) {
          const why = addressRefusal(a.address, policy, hostname);
          if (why) {
            refused = new OutboundRefused(`refused: ${host} resolves to an address that ${why}`);
            return callback(refused);
          }
        }
        if (options?.all) callback(null, addresses.map((a) => ({ address: a.address, family: a.family })));
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      })
      .catch(() => {
        unresolvable = true;
        callback(Object.assign(new Error('lookup failed'), { code: 'ENOTFOUND' }));
      });
  }) as unknown as LookupFunction;

  return new Promise<http.IncomingMessage>((resolvePromise, reject) => {
    if (deadline !== null && deadline - Date.now() <= 0) return reject(new OutboundFailed('timeout', `${host} did not answer within the time limit`));
    const mod = url.protocol === 'https:' ? https : http;
    let settled = false;
    const finish = (err: Error | null, res?: http.IncomingMessage | Promise<http.IncomingMessage>) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (err) {
        req.destroy();
        reject(err);
      } else resolvePromise(res!);
    };
    const literal = parseAddress(host) !== null;
    const req = mod.request(
      url,
      {
        method: opts.method,
        headers: opts.headers,
        lookup: pinnedLookup,
        // Without pools, a fresh connection per request; never the global agents, whose sockets nothing here checked.
        agent: opts.pools ? (url.protocol === 'https:' ? opts.pools.https : opts.pools.http) : false,
        servername: literal ? undefined : host,
      },
      (res) => finish(null, res),
    );
    const timer = deadline === null ? null : setTimeout(() => finish(new OutboundFailed('timeout', `${host} did not answer within the time limit`)), deadline - Date.now());
    const onAbort = () => finish(new OutboundFailed('aborted', 'the request was cancelled'));
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (settled) return; // ended here already (aborted, timed out): destroying the request is what failed it
      // A pooled socket the server had closed while idle: the request never reached it; sent again once on a new
      // connection (Node's documented answer to this race, `request.reusedSocket`).
      if (req.reusedSocket && STALE_SOCKET.has(err.code ?? '')) return finish(null, openHop(url, { ...opts, pools: undefined }, deadline));
      if (refused) return finish(refused);
      if (unresolvable) return finish(new OutboundFailed('unresolvable', `${host} could not be resolved`));
      finish(new OutboundFailed('unreachable', `could not connect to ${host}${url.port ? `:${url.port}` : ''}`));
    });
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

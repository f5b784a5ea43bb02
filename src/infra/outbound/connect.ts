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
    const finish = (err: Error | null, res?: http.IncomingMessage) => {
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
        // A fresh connection per request: a pooled socket could have been opened by an unchecked request.
        agent: false,
        servername: literal ? undefined : host,
      },
      (res) => finish(null, res),
    );
    const timer = deadline === null ? null : setTimeout(() => finish(new OutboundFailed('timeout', `${host} did not answer within the time limit`)), deadline - Date.now());
    const onAbort = () => finish(new OutboundFailed('aborted', 'the request was cancelled'));
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', () => {
      if (refused) return finish(refused);
      if (unresolvable) return finish(new OutboundFailed('unresolvable', `${host} could not be resolved`));
      finish(new OutboundFailed('unreachable', `could not connect to ${host}${url.port ? `:${url.port}` : ''}`));
    });
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

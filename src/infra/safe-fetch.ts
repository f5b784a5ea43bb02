/**
 * Every request the server makes goes through this module, guarded against
 * server-side request forgery: `safeFetch` (buffered: webhook endpoints,
 * connectors, image URLs, the skill registry, the agents' http_fetch tool)
 * and `guardedFetch` (a WHATWG `fetch` with a streaming body, given to the
 * openai SDK and used for the social platforms' APIs). A test
 * (test/outbound-guard.test.ts) fails when code outside this module calls
 * `fetch(` or builds an OpenAI client without it:
 *
 * - http and https only, no credentials in the URL;
 * - the host is resolved when the connection is made and EVERY address it
 *   resolves to must be public unicast (ipaddr.js ranges). Private, loopback,
 *   link-local, unique-local and carrier-grade NAT addresses are refused
 *   unless the policy allows private networks or lists the host (by name,
 *   address or CIDR) in `allowedHosts`. Unspecified, broadcast, multicast,
 *   reserved and the IPv6 forms that embed another address (NAT64, 6to4,
 *   Teredo) are refused always; IPv4-mapped IPv6 is judged as the IPv4
 *   address it maps. Cloud metadata addresses and names are refused always,
 *   whatever the policy says;
 * - the socket connects to the very address that was checked (the lookup
 *   is pinned inside the connection), so a second DNS answer cannot swap in
 *   another address (DNS rebinding);
 * - redirects (up to 5 hops, or none) are followed only after the next hop
 *   passes the same checks at its own connect time;
 * - one time bound for the whole exchange, a response size cap, and an
 *   optional AbortSignal.
 *
 * URLs the OPERATOR configured (OPENAI_BASE_URL, SKILL_REGISTRY_URL, the
 * platforms' API base URLs) are trusted: `trustOrigins` lists their exact
 * origins (scheme, host, port) in the policy, and requests to those origins
 * may reach private addresses (a local model server); metadata addresses stay
 * refused, and a redirect away from a trusted origin is checked as usual.
 * URLs a tenant supplies (webhooks, connectors, llmSettings.baseUrl, tool
 * calls) get the policy from OUTBOUND_ALLOW_PRIVATE_NETWORKS and
 * OUTBOUND_ALLOWED_HOSTS only.
 *
 * Failures are `OutboundRefused` (the policy said no) or `OutboundFailed`
 * (timeout, unreachable, too large…), each with a message safe to show to
 * the user who supplied the URL; socket and TLS error text is never passed on.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { Readable } from 'node:stream';
import ipaddr from 'ipaddr.js';

/** Where outbound requests may go; from config (`OUTBOUND_ALLOW_PRIVATE_NETWORKS`, `OUTBOUND_ALLOWED_HOSTS`). */
export interface OutboundPolicy {
  allowPrivateNetworks: boolean;
  /** Host names (`*.example.com` for subdomains), addresses or CIDRs allowed even when private (never metadata). */
  allowedHosts: string[];
  /**
   * Exact origins (`http://127.0.0.1:11434`) the operator configured: requests
   * to them may reach private addresses (never metadata). Build with `trustOrigins`.
   */
  trustedOrigins?: string[];
}

/** The policy said no: the URL's scheme, host, address or a redirect target is not allowed. */
export class OutboundRefused extends Error {
  override name = 'OutboundRefused';
}

export type OutboundFailure = 'timeout' | 'unresolvable' | 'unreachable' | 'broken' | 'too_large' | 'too_many_redirects' | 'aborted';

/** The request was allowed but did not complete. */
export class OutboundFailed extends Error {
  override name = 'OutboundFailed';
  constructor(readonly reason: OutboundFailure, message: string) {
    super(message);
  }
}

export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;

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

const PRIVATE_RANGES = new Set(['private', 'loopback', 'linkLocal', 'uniqueLocal', 'carrierGradeNat']);
/** Never reachable: AWS/Azure/GCP/OpenStack (169.254.169.254), AWS DNS and ECS, AWS IPv6, Alibaba, Oracle, Azure wire server. */
const METADATA_ADDRESSES = new Set([
  '169.254.169.254',
  '169.254.169.253',
  '169.254.170.2',
  '169.254.170.23',
  'fd00:ec2::254',
  'fd00:ec2::23',
  '100.100.100.200',
  '192.0.0.192',
  '168.63.129.16',
]);
const METADATA_NAMES = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal', 'metadata.azure.internal']);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

type Parsed = ipaddr.IPv4 | ipaddr.IPv6;

function parseAddress(address: string): Parsed | null {
  try {
    return ipaddr.process(address.replace(/^\[|\]$/g, ''));
  } catch {
    return null;
  }
}

function bareHost(hostname: string): string {
  return hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
}

interface AllowList {
  names: string[];
  ranges: [Parsed, number][];
}

const allowListCache = new WeakMap<OutboundPolicy, AllowList>();

/** `OUTBOUND_ALLOWED_HOSTS` entries: a CIDR, an address or a host name (`*.` for subdomains). Throws on a malformed one. */
export function parseAllowedHost(entry: string): { kind: 'range'; range: [Parsed, number] } | { kind: 'name'; name: string } {
  const e = bareHost(entry.trim());
  if (!e) throw new Error('empty entry');
  if (e.includes('/')) {
    const [addr, bits] = e.split('/');
    const ip = parseAddress(addr!);
    const n = Number(bits);
    if (!ip || !/^\d+$/.test(bits ?? '') || n > (ip.kind() === 'ipv4' ? 32 : 128)) throw new Error(`${entry} is not a valid CIDR`);
    return { kind: 'range', range: [ip, n] };
  }
  const ip = parseAddress(e);
  if (ip) return { kind: 'range', range: [ip, ip.kind() === 'ipv4' ? 32 : 128] };
  if (!/^(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/.test(e)) throw new Error(`${entry} is not a host name, address or CIDR`);
  return { kind: 'name', name: e };
}

function allowList(policy: OutboundPolicy): AllowList {
  let list = allowListCache.get(policy);
  if (!list) {
    list = { names: [], ranges: [] };
    for (const entry of policy.allowedHosts) {
      const p = parseAllowedHost(entry);
      if (p.kind === 'name') list.names.push(p.name);
      else list.ranges.push(p.range);
    }
    allowListCache.set(policy, list);
  }
  return list;
}

/** Whether `host` is `pattern` (case-insensitive), or a subdomain of it when the pattern is `*.example.com`. */
export function hostMatches(host: string, pattern: string): boolean {
  const h = bareHost(host);
  const n = bareHost(pattern);
  return n.startsWith('*.') ? h.endsWith(n.slice(1)) && h.length > n.length - 1 : h === n;
}

function nameAllowed(host: string, list: AllowList): boolean {
  return list.names.some((n) => hostMatches(host, n));
}

const trustCache = new WeakMap<OutboundPolicy, Map<string, OutboundPolicy>>();

/**
 * The policy plus the origins of URLs the operator configured (null and
 * unparsable entries are skipped). The same inputs give the same object, so
 * the parsed allow-list is cached once.
 */
export function trustOrigins(policy: OutboundPolicy, urls: (string | null | undefined)[]): OutboundPolicy {
  const origins = [...new Set(urls.flatMap((u) => {
    try {
      return u ? [new URL(u).origin] : [];
    } catch {
      return [];
    }
  }))].sort();
  if (!origins.length) return policy;
  let byKey = trustCache.get(policy);
  if (!byKey) trustCache.set(policy, (byKey = new Map()));
  const key = origins.join(' ');
  let trusted = byKey.get(key);
  if (!trusted) byKey.set(key, (trusted = { ...policy, trustedOrigins: [...(policy.trustedOrigins ?? []), ...origins] }));
  return trusted;
}

const ALLOW_PRIVATE = new WeakMap<OutboundPolicy, OutboundPolicy>();

/** The policy for one URL: a trusted origin may reach private addresses. */
function policyFor(url: URL, policy: OutboundPolicy): OutboundPolicy {
  if (!policy.trustedOrigins?.includes(url.origin)) return policy;
  let open = ALLOW_PRIVATE.get(policy);
  if (!open) ALLOW_PRIVATE.set(policy, (open = { ...policy, allowPrivateNetworks: true, trustedOrigins: [] }));
  return open;
}

/**
 * Why a request to `address` (reached through the URL host `host`) is
 * refused, or null when it may go. Metadata addresses are refused whatever
 * the policy; private ranges pass when the policy allows private networks or
 * lists the host or a range holding the address.
 */
export function addressRefusal(address: string, policy: OutboundPolicy, host = address): string | null {
  const ip = parseAddress(address);
  if (!ip) return 'is not a valid address';
  if (METADATA_ADDRESSES.has(ip.toString())) return 'is a cloud metadata address';
  const range = ip.range();
  if (range === 'unicast') return null;
  if (range === 'unspecified' || range === 'broadcast' || range === 'multicast') return `is ${article(range)} ${range} address`;
  const list = allowList(policy);
  const listed = nameAllowed(bareHost(host), list) || list.ranges.some(([r, bits]) => r.kind() === ip.kind() && ip.match(r as never, bits));
  if (listed) return null;
  if (PRIVATE_RANGES.has(range)) return policy.allowPrivateNetworks ? null : `is ${article(range)} ${range} address (private networks are not allowed)`;
  return `is ${article(range)} ${range} address`;
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

/**
 * Checks what can be checked without resolving names: scheme, credentials,
 * metadata names, and a literal address. Returns the parsed URL; throws
 * `OutboundRefused` with a message fit for a 400. Names are checked when a
 * request is made (their addresses can change).
 */
export function checkOutboundUrl(raw: string, policy: OutboundPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OutboundRefused('url must be an absolute http or https URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundRefused('url must be an absolute http or https URL');
  if (url.username || url.password) throw new OutboundRefused('url must not carry credentials');
  const host = bareHost(url.hostname);
  if (!host) throw new OutboundRefused('url must name a host');
  if (METADATA_NAMES.has(host)) throw new OutboundRefused(`refused: ${host} is a cloud metadata host`);
  if (parseAddress(host)) {
    const why = addressRefusal(host, policyFor(url, policy), host);
    if (why) throw new OutboundRefused(`refused: ${host} ${why}`);
  }
  return url;
}

const defaultResolve: Resolver = (host) => dnsLookup(host, { all: true, verbatim: true });

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

interface HopRequest {
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
function openHop(url: URL, opts: HopRequest, deadline: number | null): Promise<http.IncomingMessage> {
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

export interface GuardedFetchOptions {
  policy: OutboundPolicy;
  /** Most redirects followed (each checked like the first) when the request asks to follow them; default 5. */
  maxRedirects?: number;
  /** Name resolution; default the system resolver (tests pass their own). */
  resolve?: Resolver;
}

const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * A WHATWG `fetch` whose every connection goes through the guard: the
 * checked, pinned lookup at connect time (DNS rebinding cannot swap in a
 * private address), redirects (when the request follows them) checked hop
 * by hop, credentials dropped on a cross-origin hop. The response body
 * streams (server-sent events work). Refusals reject with OutboundRefused,
 * other failures with OutboundFailed (callers such as the openai SDK report
 * them as connection errors, with the error as `cause`); an abort of the
 * request's signal rejects with the signal's reason, as fetch does.
 */
export function guardedFetch(opts: GuardedFetchOptions): typeof fetch {
  const maxRedirects = opts.maxRedirects ?? 5;
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init?.body instanceof ReadableStream ? ({ ...init, duplex: 'half' } as RequestInit) : init);
    const signal = init?.signal ?? request.signal;
    const abortReason = () => signal?.reason ?? new DOMException('This operation was aborted', 'AbortError');
    if (signal?.aborted) throw abortReason();
    let method = request.method.toUpperCase();
    let headers: Record<string, string> = {};
    // No accept-encoding: this transport does not decompress, so ask for identity bodies.
    request.headers.forEach((v, k) => k !== 'accept-encoding' && (headers[k] = v));
    let body: Uint8Array | undefined = method === 'GET' || method === 'HEAD' || !request.body ? undefined : new Uint8Array(await request.arrayBuffer());
    let url = checkOutboundUrl(request.url, opts.policy);
    const redirects: string[] = [];
    for (;;) {
      let res: http.IncomingMessage;
      if (body !== undefined) headers['content-length'] = String(body.byteLength);
      else delete headers['content-length'];
      try {
        res = await openHop(url, { method, headers, body, policy: opts.policy, resolve: opts.resolve, signal: signal ?? undefined }, null);
      } catch (e) {
        if (signal?.aborted) throw abortReason();
        if (e instanceof OutboundRefused && redirects.length) throw new OutboundRefused(`refused redirect to ${url.protocol}//${url.host}: ${e.message.replace(/^refused: /, '')}`);
        throw e;
      }
      const status = res.statusCode ?? 0;
      const location = typeof res.headers.location === 'string' ? res.headers.location : null;
      if (REDIRECTS.has(status) && location && request.redirect !== 'manual') {
        res.destroy();
        if (request.redirect === 'error') throw new OutboundRefused(`refused: ${url.host} answered a redirect`);
        if (redirects.length >= maxRedirects) throw new OutboundFailed('too_many_redirects', `more than ${maxRedirects} redirects`);
        let next: URL;
        try {
          next = checkOutboundUrl(new URL(location, url).toString(), opts.policy);
        } catch (e) {
          throw new OutboundRefused(`refused redirect from ${url.host}: ${(e as Error).message.replace(/^refused: /, '')}`);
        }
        if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
          method = method === 'HEAD' ? 'HEAD' : 'GET';
          body = undefined;
          headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !/^content-(type|length|encoding)$/i.test(k)));
        }
        if (next.origin !== url.origin) headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !/^(authorization|cookie|proxy-authorization|api-key|x-api-key)$/i.test(k)));
        redirects.push(next.toString());
        url = next;
        continue;
      }
      const onAbort = () => res.destroy(abortReason());
      signal?.addEventListener('abort', onAbort, { once: true });
      res.once('close', () => signal?.removeEventListener('abort', onAbort));
      const responseHeaders = new Headers();
      for (const [k, v] of Object.entries(res.headers)) {
        if (v === undefined) continue;
        for (const one of Array.isArray(v) ? v : [v]) responseHeaders.append(k, one);
      }
      const nullBody = NULL_BODY.has(status) || method === 'HEAD';
      if (nullBody) res.resume();
      const response = new Response(nullBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status, statusText: res.statusMessage ?? '', headers: responseHeaders });
      // Response.url is read-only and empty for a constructed Response; callers that care read it from here.
      Object.defineProperty(response, 'url', { value: url.toString() });
      if (redirects.length) Object.defineProperty(response, 'redirected', { value: true });
      return response;
    }
  };
}

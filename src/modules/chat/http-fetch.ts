/**
 * The agents' `http_fetch` tool transport, guarded against server-side
 * request forgery:
 * - http and https only; when the agent's config lists `allowedHosts`, only
 *   those hosts (`*.example.com` matches subdomains, `host:port` one port);
 * - the host name is resolved first and EVERY address must be public unicast
 *   (ipaddr.js ranges): private, loopback, link-local, unique-local and
 *   carrier-grade NAT addresses are refused unless `allowPrivateNetworks`;
 *   unspecified, broadcast, multicast, reserved, NAT64/6to4/Teredo forms and
 *   the cloud metadata addresses are refused always;
 * - the connection goes to the address that was checked (the lookup is
 *   pinned), so a second DNS answer cannot swap in another address;
 * - redirects are not followed (the status and Location are reported);
 * - a time bound and a response size cap (the rest is cut off).
 * Failures are `FetchRefused` with a message safe to show; the underlying
 * error text is never passed on.
 */
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

export class FetchRefused extends Error {
  override name = 'FetchRefused';
}

export interface FetchPolicy {
  allowPrivateNetworks: boolean;
  allowedHosts: string[];
  timeoutMs: number;
  maxBytes: number;
}

export interface FetchResult {
  status: number;
  contentType: string;
  /** Text bodies as text; other types described by size. */
  body: string;
  bytes: number;
  truncated: boolean;
  location: string | null;
}

const PRIVATE_RANGES = new Set(['private', 'loopback', 'linkLocal', 'uniqueLocal', 'carrierGradeNat']);
const METADATA = new Set(['169.254.169.254', '169.254.170.2', '100.100.100.200', 'fd00:ec2::254']);

/** Why an address may not be fetched, or null when it may. */
export function addressRefusal(address: string, allowPrivateNetworks: boolean): string | null {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.process(address);
  } catch {
    return 'is not a valid address';
  }
  if (METADATA.has(ip.toString())) return 'is a cloud metadata address';
  const range = ip.range();
  if (range === 'unicast') return null;
  if (PRIVATE_RANGES.has(range)) return allowPrivateNetworks ? null : `is a ${range} address (private networks are not allowed for this agent)`;
  return `is a ${range} address`;
}

function hostAllowed(url: URL, allowed: string[]): boolean {
  if (!allowed.length) return true;
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return allowed.some((entry) => {
    const e = entry.toLowerCase();
    const m = /^(.*?)(?::(\d+))?$/.exec(e)!;
    const [pattern, p] = [m[1]!, m[2]];
    if (p && p !== port) return false;
    return pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1 : host === pattern;
  });
}

const TEXTUAL = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded|[\w.+-]+\+(json|xml)))/i;

export async function guardedFetch(
  input: { url: string; method: string; headers: Record<string, string>; body?: string },
  policy: FetchPolicy,
  signal?: AbortSignal,
): Promise<FetchResult> {
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    throw new FetchRefused('url must be an absolute http or https URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new FetchRefused('url must be an absolute http or https URL');
  if (url.username || url.password) throw new FetchRefused('url must not carry credentials (use a header with a secret)');
  if (!hostAllowed(url, policy.allowedHosts)) throw new FetchRefused(`host ${url.hostname} is not in this agent's allowed hosts`);

  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: { address: string; family: number }[];
  if (ipaddr.isValid(host)) addresses = [{ address: host, family: host.includes(':') ? 6 : 4 }];
  else {
    try {
      addresses = await lookup(host, { all: true, verbatim: true });
    } catch {
      throw new FetchRefused(`host ${host} could not be resolved`);
    }
  }
  if (!addresses.length) throw new FetchRefused(`host ${host} could not be resolved`);
  for (const a of addresses) {
    const why = addressRefusal(a.address, policy.allowPrivateNetworks);
    if (why) throw new FetchRefused(`refused: ${host}${host === a.address ? '' : ` resolves to ${a.address}, which`} ${why}`);
  }
  const pinned = addresses[0]!;
  const pinnedLookup = ((_h: string, opts: { all?: boolean }, cb: (...args: unknown[]) => void) => {
    if (opts?.all) cb(null, [{ address: pinned.address, family: pinned.family }]);
    else cb(null, pinned.address, pinned.family);
  }) as unknown as LookupFunction;

  return new Promise<FetchResult>((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    let settled = false;
    const finish = (err: Error | null, result?: FetchResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(result!);
    };
    const req = mod.request(url, { method: input.method, headers: input.headers, lookup: pinnedLookup, servername: ipaddr.isValid(host) ? undefined : host }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      const done = () => {
        const bytes = Buffer.concat(chunks);
        const contentType = String(res.headers['content-type'] ?? '');
        finish(null, {
          status: res.statusCode ?? 0,
          contentType,
          body: !bytes.length ? '' : TEXTUAL.test(contentType) || !contentType ? bytes.toString('utf8') : `[${bytes.length} bytes of ${contentType}]`,
          bytes: bytes.length,
          truncated,
          location: typeof res.headers.location === 'string' ? res.headers.location : null,
        });
      };
      res.on('data', (c: Buffer) => {
        const room = policy.maxBytes - size;
        if (c.length > room) {
          chunks.push(c.subarray(0, room));
          size += room;
          truncated = true;
          res.destroy();
          done();
          return;
        }
        chunks.push(c);
        size += c.length;
      });
      res.on('end', done);
      res.on('error', () => finish(new FetchRefused(`the response from ${host} broke off`)));
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish(new FetchRefused(`${host} did not answer within ${policy.timeoutMs} ms`));
    }, policy.timeoutMs);
    const onAbort = () => {
      req.destroy();
      finish(new FetchRefused('the run was cancelled'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', () => finish(new FetchRefused(`could not connect to ${host}`)));
    if (input.body !== undefined) req.write(input.body);
    req.end();
  });
}

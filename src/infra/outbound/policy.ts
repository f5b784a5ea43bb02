/**
 * Where an outbound request may go, decided without a connection: the policy
 * (private networks, allowed hosts, trusted operator origins), how an address
 * is classified (ipaddr.js ranges, cloud metadata) and the URL checks made
 * before any name is resolved. The connect-time check (connect.ts) applies
 * `addressRefusal` to every address a name resolves to.
 */
import ipaddr from 'ipaddr.js';
import { OutboundRefused } from './errors.js';

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

type Parsed = ipaddr.IPv4 | ipaddr.IPv6;

export function parseAddress(address: string): Parsed | null {
  try {
    return ipaddr.process(address.replace(/^\[|\]$/g, ''));
  } catch {
    return null;
  }
}

export function bareHost(hostname: string): string {
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
export function policyFor(url: URL, policy: OutboundPolicy): OutboundPolicy {
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

/**
 * The outbound request guard (src/infra/safe-fetch.ts) against real loopback
 * servers: the address-safety matrix with the default policy (loopback in
 * every spelling, private, metadata, names that resolve to loopback,
 * redirects to private addresses), loopback allowed only when configured
 * explicitly, metadata refused even then, the pinned lookup, time and size
 * bounds, and error messages that never carry socket error text.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { OutboundFailed, OutboundRefused, safeFetch, type OutboundPolicy, type SafeFetchOptions } from '../src/infra/safe-fetch.js';
import { freePort } from './helpers/net.js';

const DEFAULT: OutboundPolicy = { allowPrivateNetworks: false, allowedHosts: [] };
const LOOPBACK: OutboundPolicy = { allowPrivateNetworks: false, allowedHosts: ['127.0.0.1', '::1'] };

let v4: http.Server;
let v6: http.Server;
let port4 = 0;
let port6 = 0;
/** Requests the servers received, by path: what a refused request must never reach. */
const hits: string[] = [];

function handler(req: http.IncomingMessage, res: http.ServerResponse) {
  const url = new URL(req.url ?? '/', 'http://x');
  hits.push(url.pathname);
  const to = url.searchParams.get('to');
  if (url.pathname === '/redirect' && to) return res.writeHead(Number(url.searchParams.get('status') ?? 302), { location: to }).end();
  if (url.pathname === '/loop') return res.writeHead(302, { location: `/loop?n=${Number(url.searchParams.get('n') ?? 0) + 1}` }).end();
  if (url.pathname === '/hang') return; // never answers
  if (url.pathname === '/big') return res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(10_000));
  if (url.pathname === '/echo') {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ method: req.method, body: Buffer.concat(chunks).toString(), auth: req.headers.authorization ?? null })));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain' }).end(`hello from ${url.pathname}`);
}

beforeAll(async () => {
  v4 = http.createServer(handler);
  v6 = http.createServer(handler);
  await new Promise<void>((r) => v4.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => v6.listen(0, '::1', r));
  port4 = (v4.address() as AddressInfo).port;
  port6 = (v6.address() as AddressInfo).port;
});
afterAll(async () => {
  v4.closeAllConnections();
  v6.closeAllConnections();
  await new Promise((r) => v4.close(r));
  await new Promise((r) => v6.close(r));
});

const opts = (policy: OutboundPolicy, extra: Partial<SafeFetchOptions> = {}): SafeFetchOptions => ({ timeoutMs: 3000, maxBytes: 64 * 1024, policy, ...extra });

async function refused(url: string, policy: OutboundPolicy = DEFAULT, extra: Partial<SafeFetchOptions> = {}): Promise<string> {
  const before = hits.length;
  const err = await safeFetch(url, opts(policy, extra)).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, url).toBeInstanceOf(OutboundRefused);
  expect(hits.length, `${url} must not reach a server`).toBe(before);
  return (err as Error).message;
}

describe('the address-safety matrix with the default policy', () => {
  it('refuses loopback in every spelling: 127.0.0.1, [::1], IPv4-mapped IPv6, decimal, octal and hex forms, 127.1', async () => {
    expect(await refused(`http://127.0.0.1:${port4}/a`)).toMatch(/127\.0\.0\.1 is a loopback address/);
    expect(await refused(`http://[::1]:${port6}/a`)).toMatch(/::1 is a loopback address/);
    expect(await refused(`http://[::ffff:127.0.0.1]:${port4}/a`)).toMatch(/loopback/);
    expect(await refused(`http://[0:0:0:0:0:ffff:7f00:1]:${port4}/a`)).toMatch(/loopback/);
    expect(await refused(`http://2130706433:${port4}/a`)).toMatch(/loopback/); // decimal
    expect(await refused(`http://0177.0.0.1:${port4}/a`)).toMatch(/loopback/); // octal
    expect(await refused(`http://0x7f.0.0.1:${port4}/a`)).toMatch(/loopback/); // hex
    expect(await refused(`http://127.1:${port4}/a`)).toMatch(/loopback/);
  });

  it('refuses private, link-local, unique-local, CGNAT, unspecified and embedded-IPv4 forms', async () => {
    expect(await refused('http://10.0.0.1/')).toMatch(/private address/);
    expect(await refused('http://192.168.1.10/')).toMatch(/private address/);
    expect(await refused('http://172.16.0.5/')).toMatch(/private address/);
    expect(await refused('http://[::ffff:10.0.0.1]/')).toMatch(/private address/);
    expect(await refused('http://169.254.1.1/')).toMatch(/linkLocal/);
    expect(await refused('http://[fe80::1]/')).toMatch(/linkLocal/);
    expect(await refused('http://[fd12:3456::1]/')).toMatch(/uniqueLocal/);
    expect(await refused('http://100.64.0.1/')).toMatch(/carrierGradeNat/);
    expect(await refused(`http://0.0.0.0:${port4}/`)).toMatch(/unspecified/);
    expect(await refused('http://[64:ff9b::7f00:1]/')).toMatch(/rfc6052/); // NAT64 of 127.0.0.1
    expect(await refused('http://[2002:7f00:1::]/')).toMatch(/6to4/);
  });

  it('refuses cloud metadata by address and by name', async () => {
    expect(await refused('http://169.254.169.254/latest/meta-data/')).toMatch(/metadata/);
    expect(await refused('http://[fd00:ec2::254]/latest/meta-data/')).toMatch(/metadata/);
    expect(await refused('http://[::ffff:169.254.169.254]/')).toMatch(/metadata/);
    expect(await refused('http://metadata.google.internal/computeMetadata/v1/')).toMatch(/metadata/);
    expect(await refused('http://METADATA.google.internal./computeMetadata/v1/')).toMatch(/metadata/);
    expect(await refused('http://100.100.100.200/latest/meta-data/')).toMatch(/metadata/);
  });

  it('refuses a name that resolves to loopback: localhost, and any name through a resolver', async () => {
    expect(await refused(`http://localhost:${port4}/a`)).toMatch(/localhost resolves to an address that is a loopback address/);
    const resolve = async () => [{ address: '127.0.0.1', family: 4 }];
    expect(await refused(`http://innocent.example:${port4}/a`, DEFAULT, { resolve })).toMatch(/innocent\.example resolves to an address that is a loopback/);
    // every address counts: a public one beside a private one does not make it safe
    const mixed = async () => [{ address: '93.184.215.14', family: 4 }, { address: '10.1.2.3', family: 4 }];
    expect(await refused('http://mixed.example/', DEFAULT, { resolve: mixed })).toMatch(/private/);
  });

  it('refuses a redirect from an allowed host to a private, loopback or metadata address, and never reaches it', async () => {
    const only127: OutboundPolicy = { allowPrivateNetworks: false, allowedHosts: ['127.0.0.1'] };
    const internalDns = async (host: string) => (host === 'internal.example' ? [{ address: '10.0.0.5', family: 4 }] : []);
    const via = (to: string, status = 302) => `http://127.0.0.1:${port4}/redirect?status=${status}&to=${encodeURIComponent(to)}`;
    for (const [to, why] of [
      ['http://10.0.0.1/admin', /private/],
      [`http://[::1]:${port6}/inside`, /loopback/],
      ['http://169.254.169.254/latest/meta-data/', /metadata/],
      ['http://internal.example/inside', /internal\.example resolves to an address that is a private/],
      ['file:///etc/passwd', /http or https/],
    ] as const) {
      const before = hits.filter((h) => h === '/inside').length;
      const err = await safeFetch(via(to), opts(only127, { resolve: internalDns })).catch((e) => e);
      expect(err, to).toBeInstanceOf(OutboundRefused);
      expect(err.message).toMatch(/refused redirect/);
      expect(err.message).toMatch(why);
      expect(hits.filter((h) => h === '/inside').length).toBe(before);
    }
    // with redirects off the 3xx comes back as it is
    const raw = await safeFetch(via('http://10.0.0.1/'), opts(only127, { followRedirects: false }));
    expect(raw.status).toBe(302);
    expect(raw.headers.location).toBe('http://10.0.0.1/');
  });

  it('refuses other schemes and credentials in the URL', async () => {
    expect(await refused('file:///etc/passwd')).toMatch(/http or https/);
    expect(await refused('ftp://example.com/')).toMatch(/http or https/);
    expect(await refused('gopher://127.0.0.1:70/')).toMatch(/http or https/);
    expect(await refused('not a url')).toMatch(/http or https/);
    expect(await refused('http://user:pass@example.com/')).toMatch(/credentials/);
  });
});

describe('when the configuration allows loopback', () => {
  it('reaches 127.0.0.1 and [::1] when they are listed, and only those', async () => {
    const a = await safeFetch(`http://127.0.0.1:${port4}/ok4`, opts(LOOPBACK));
    expect([a.status, a.text()]).toEqual([200, 'hello from /ok4']);
    const b = await safeFetch(`http://[::1]:${port6}/ok6`, opts(LOOPBACK));
    expect([b.status, b.text()]).toEqual([200, 'hello from /ok6']);
    const byName = await safeFetch(`http://localhost:${port4}/byname`, opts(LOOPBACK));
    expect(byName.text()).toBe('hello from /byname');
    // a CIDR works too; other private ranges stay refused
    const cidr = await safeFetch(`http://127.0.0.1:${port4}/cidr`, opts({ allowPrivateNetworks: false, allowedHosts: ['127.0.0.0/8'] }));
    expect(cidr.status).toBe(200);
    expect(await refused('http://10.0.0.1/', LOOPBACK)).toMatch(/private/);
    // allowing 127.0.0.1 does not allow [::1]
    expect(await refused(`http://[::1]:${port6}/a`, { allowPrivateNetworks: false, allowedHosts: ['127.0.0.1'] })).toMatch(/loopback/);
  });

  it('follows redirects between allowed addresses (up to 5 hops), re-sending a 307 body and turning a 302 POST into a GET', async () => {
    const to = `http://[::1]:${port6}/echo`;
    const kept = await safeFetch(`http://127.0.0.1:${port4}/redirect?status=307&to=${encodeURIComponent(to)}`, opts(LOOPBACK, { method: 'POST', body: 'payload', headers: { authorization: 'Bearer t' } }));
    expect(kept.redirects).toEqual([to]);
    // another origin: the body is re-sent (307) but credentials are not
    expect(JSON.parse(kept.text())).toEqual({ method: 'POST', body: 'payload', auth: null });
    const changed = await safeFetch(`http://127.0.0.1:${port4}/redirect?status=302&to=/echo`, opts(LOOPBACK, { method: 'POST', body: 'payload', headers: { authorization: 'Bearer t' } }));
    expect(JSON.parse(changed.text())).toEqual({ method: 'GET', body: '', auth: 'Bearer t' });
    const loop = await safeFetch(`http://127.0.0.1:${port4}/loop`, opts(LOOPBACK)).catch((e) => e);
    expect(loop).toBeInstanceOf(OutboundFailed);
    expect(loop.reason).toBe('too_many_redirects');
  });

  it('allows private networks wholesale with allowPrivateNetworks', async () => {
    const res = await safeFetch(`http://127.0.0.1:${port4}/all`, opts({ allowPrivateNetworks: true, allowedHosts: [] }));
    expect(res.status).toBe(200);
  });

  it('still refuses cloud metadata, whatever is allowed', async () => {
    const everything: OutboundPolicy = { allowPrivateNetworks: true, allowedHosts: ['169.254.169.254', '169.254.0.0/16', 'fd00::/8', 'metadata.google.internal'] };
    expect(await refused('http://169.254.169.254/latest/meta-data/', everything)).toMatch(/metadata/);
    expect(await refused('http://[fd00:ec2::254]/', everything)).toMatch(/metadata/);
    expect(await refused('http://metadata.google.internal/', everything)).toMatch(/metadata/);
    const resolve = async () => [{ address: '169.254.169.254', family: 4 }];
    expect(await refused('http://sneaky.example/', everything, { resolve })).toMatch(/metadata/);
    expect(await refused(`http://0.0.0.0:${port4}/`, everything)).toMatch(/unspecified/);
  });
});

describe('connect-time checks and bounds', () => {
  it('resolves once per connection and connects to the address it checked (a rebinding second answer is never used)', async () => {
    let calls = 0;
    // First answer: the allowed loopback address; any later answer: a private one a naive check-then-connect would use.
    const rebinding = async () => (++calls === 1 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '10.9.9.9', family: 4 }]);
    const res = await safeFetch(`http://rebind.example:${port4}/pinned`, opts({ allowPrivateNetworks: false, allowedHosts: ['127.0.0.1'] }, { resolve: rebinding }));
    expect(res.text()).toBe('hello from /pinned');
    expect(calls).toBe(1);
    // and when the first answer is the private one, nothing is reached
    calls = 0;
    const flipped = async () => (++calls === 1 ? [{ address: '10.9.9.9', family: 4 }] : [{ address: '127.0.0.1', family: 4 }]);
    expect(await refused(`http://rebind.example:${port4}/pinned`, { allowPrivateNetworks: false, allowedHosts: ['127.0.0.1'] }, { resolve: flipped })).toMatch(/private/);
  });

  it('bounds time and size with typed failures whose messages carry no socket error text', async () => {
    const slow = await safeFetch(`http://127.0.0.1:${port4}/hang`, opts(LOOPBACK, { timeoutMs: 200 })).catch((e) => e);
    expect(slow).toBeInstanceOf(OutboundFailed);
    expect([slow.reason, slow.message]).toEqual(['timeout', '127.0.0.1 did not answer within the time limit']);

    const big = await safeFetch(`http://127.0.0.1:${port4}/big`, opts(LOOPBACK, { maxBytes: 1000 })).catch((e) => e);
    expect(big).toBeInstanceOf(OutboundFailed);
    expect(big.reason).toBe('too_large');
    const cut = await safeFetch(`http://127.0.0.1:${port4}/big`, opts(LOOPBACK, { maxBytes: 1000, onTooLarge: 'truncate' }));
    expect([cut.body.length, cut.truncated]).toEqual([1000, true]);

    const closed = await freePort();
    const down = await safeFetch(`http://127.0.0.1:${closed}/`, opts(LOOPBACK)).catch((e) => e);
    expect(down).toBeInstanceOf(OutboundFailed);
    expect(down.reason).toBe('unreachable');
    expect(down.message).toBe(`could not connect to 127.0.0.1:${closed}`);
    expect(down.message).not.toMatch(/ECONN|errno|syscall/i);

    const nxdomain = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND does-not-exist.invalid'), { code: 'ENOTFOUND' });
    };
    const nowhere = await safeFetch('http://does-not-exist.invalid/', opts(DEFAULT, { resolve: nxdomain })).catch((e) => e);
    expect(nowhere).toBeInstanceOf(OutboundFailed);
    expect([nowhere.reason, nowhere.message]).toEqual(['unresolvable', 'does-not-exist.invalid could not be resolved']);

    const abort = new AbortController();
    const pending = safeFetch(`http://127.0.0.1:${port4}/hang`, opts(LOOPBACK, { signal: abort.signal })).catch((e) => e);
    abort.abort();
    const aborted = await pending;
    expect(aborted).toBeInstanceOf(OutboundFailed);
    expect(aborted.reason).toBe('aborted');
  });
});

describe('configuration', () => {
  it('reads OUTBOUND_* and WEBHOOK_* and refuses malformed values', () => {
    const c = loadConfig({ OUTBOUND_ALLOWED_HOSTS: '127.0.0.1, ::1,10.0.0.0/8,hooks.internal', OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'false' });
    expect(c.outbound).toEqual({ allowPrivateNetworks: false, allowedHosts: ['127.0.0.1', '::1', '10.0.0.0/8', 'hooks.internal'] });
    expect(loadConfig({}).outbound).toEqual({ allowPrivateNetworks: false, allowedHosts: [] });
    // the default retry schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, 10 h (about 1.5 days in all)
    expect(loadConfig({}).webhooks.retryScheduleMs).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000, 36_000_000]);
    expect(loadConfig({ WEBHOOK_RETRY_SCHEDULE: '20ms,1s,2m' }).webhooks.retryScheduleMs).toEqual([20, 1000, 120_000]);
    expect(loadConfig({ WEBHOOK_RETRY_SCHEDULE: 'none' }).webhooks.retryScheduleMs).toEqual([]);
    expect(() => loadConfig({ OUTBOUND_ALLOWED_HOSTS: '127.0.0.1,not a host' })).toThrow(ConfigError);
    expect(() => loadConfig({ OUTBOUND_ALLOWED_HOSTS: '10.0.0.0/99' })).toThrow(/OUTBOUND_ALLOWED_HOSTS/);
    expect(() => loadConfig({ WEBHOOK_RETRY_SCHEDULE: '5s,soon' })).toThrow(/WEBHOOK_RETRY_SCHEDULE/);
  });
});

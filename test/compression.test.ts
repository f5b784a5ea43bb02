/**
 * Response compression (src/server/compression.ts): negotiated from
 * Accept-Encoding with q-values, the same bytes once decoded, for REST and
 * GraphQL over HTTP; never for small bodies, SSE, HEAD or compressed media;
 * Vary: Accept-Encoding on every compressible answer. The negotiation and the
 * streaming path are also checked on a bare node:http server.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import zlib from 'node:zlib';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';
import { PNG } from 'pngjs';
import { compressResponses, negotiateEncoding } from '../src/server/compression.js';

interface Raw {
  status: number;
  headers: IncomingHttpHeaders;
  bytes: Buffer;
}

/** One request with node:http (fetch would decode the body itself): the bytes as they came. */
function raw(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, bytes: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

function decode(r: Raw): Buffer {
  const coding = r.headers['content-encoding'];
  if (coding === 'br') return zlib.brotliDecompressSync(r.bytes);
  if (coding === 'gzip') return zlib.gunzipSync(r.bytes);
  expect(coding).toBeUndefined();
  return r.bytes;
}

describe('Accept-Encoding negotiation', () => {
  it('follows q-values, prefers Brotli on a tie, and honours identity and refusals', () => {
    expect(negotiateEncoding(undefined)).toBe('identity');
    expect(negotiateEncoding('')).toBe('identity');
    expect(negotiateEncoding('gzip, deflate, br')).toBe('br');
    expect(negotiateEncoding('gzip')).toBe('gzip');
    expect(negotiateEncoding('x-gzip')).toBe('gzip');
    expect(negotiateEncoding('br;q=0.5, gzip;q=0.8')).toBe('gzip');
    expect(negotiateEncoding('br;q=0, gzip;q=0')).toBe('identity');
    expect(negotiateEncoding('*')).toBe('br');
    expect(negotiateEncoding('*;q=0.2, br;q=0')).toBe('gzip');
    expect(negotiateEncoding('identity;q=1, gzip;q=0.5')).toBe('identity');
    expect(negotiateEncoding('deflate, compress')).toBe('identity');
    expect(negotiateEncoding('GZIP ; Q=0.9, Br;q=0.1')).toBe('gzip');
    expect(negotiateEncoding('gzip;q=nonsense, br')).toBe('br');
  });
});

describe('on a node:http server', () => {
  let server: http.Server;
  let base: string;
  const big = JSON.stringify(Array.from({ length: 4000 }, (_, i) => ({ id: i, name: `item number ${i}` })));

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      compressResponses(req, res);
      if (req.url === '/small') return void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
      if (req.url === '/implicit') {
        res.setHeader('Content-Type', 'text/plain; charset=utf-8');
        return void res.end(big);
      }
      if (req.url === '/pieces') {
        // Written in 64 KB pieces with backpressure, as a streamed answer is: no Content-Length.
        res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
        const body = Buffer.from(big.repeat(8));
        void (async () => {
          for (let i = 0; i < body.length; i += 65536) {
            if (!res.write(body.subarray(i, i + 65536))) await once(res, 'drain');
          }
          res.end();
        })();
        return;
      }
      if (req.url === '/no-transform') return void res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-transform' }).end(big);
      if (req.url === '/etag') return void res.writeHead(200, { 'Content-Type': 'application/json', ETag: '"abc"' }).end(big);
      res.writeHead(404).end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('a body given to end() without Content-Length is compressed when large, sent as is when small', async () => {
    const large = await raw(`${base}/implicit`, { headers: { 'accept-encoding': 'gzip' } });
    expect(large.headers['content-encoding']).toBe('gzip');
    expect(large.headers.vary).toBe('Accept-Encoding');
    expect(decode(large).toString()).toBe(big);
    expect(large.bytes.length).toBeLessThan(big.length / 4);
    const small = await raw(`${base}/small`, { headers: { 'accept-encoding': 'gzip, br' } });
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(small.headers.vary).toBe('Accept-Encoding');
    expect(small.bytes.toString()).toBe('{"ok":true}');
  });

  it('a body written in pieces is compressed as it goes, every byte there after decoding', async () => {
    const r = await raw(`${base}/pieces`, { headers: { 'accept-encoding': 'br' } });
    expect(r.headers['content-encoding']).toBe('br');
    expect(r.headers['transfer-encoding']).toBe('chunked');
    expect(decode(r).toString()).toBe(big.repeat(8));
  });

  it('Cache-Control: no-transform is left alone; a strong ETag becomes weak when the bytes change', async () => {
    expect((await raw(`${base}/no-transform`, { headers: { 'accept-encoding': 'gzip' } })).headers['content-encoding']).toBeUndefined();
    const tagged = await raw(`${base}/etag`, { headers: { 'accept-encoding': 'gzip' } });
    expect(tagged.headers.etag).toBe('W/"abc"');
    expect((await raw(`${base}/etag`)).headers.etag).toBe('"abc"');
  });
});

describe('REST and GraphQL over HTTP', () => {
  let s: TestServer;
  const auth = () => ({ authorization: `Bearer ${s.adminKey}` });

  beforeAll(async () => {
    s = await startTestServer({ RATE_LIMIT_PER_MINUTE: '100000' });
  });
  afterAll(() => s?.close());

  it('REST: the answer is Brotli or gzip as the client ranks them, and the same bytes once decoded', async () => {
    const plain = await raw(`${s.url}/api/v1/openapi.json`);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toContain('Accept-Encoding');
    expect(plain.bytes.length).toBeGreaterThan(10_000);
    for (const [accept, coding] of [
      ['gzip, deflate, br', 'br'],
      ['br;q=0.4, gzip;q=0.9', 'gzip'],
      ['gzip;q=0, br;q=0', undefined],
      ['identity', undefined],
    ] as const) {
      const r = await raw(`${s.url}/api/v1/openapi.json`, { headers: { 'accept-encoding': accept } });
      expect(r.status, accept).toBe(200);
      expect(r.headers['content-encoding'], accept).toBe(coding);
      expect(r.headers.vary, accept).toContain('Accept-Encoding');
      expect(r.headers['content-length'], accept).toBe(coding ? undefined : String(plain.bytes.length));
      expect(decode(r).equals(plain.bytes), accept).toBe(true);
      if (coding) expect(r.bytes.length).toBeLessThan(plain.bytes.length / 3);
    }
  });

  it('REST: small answers, errors included, go uncompressed (with Vary); HEAD and images are never compressed', async () => {
    const me = await raw(`${s.url}/api/v1/me`, { headers: { ...auth(), 'accept-encoding': 'br, gzip' } });
    expect(me.status).toBe(200);
    expect(me.headers['content-encoding']).toBeUndefined();
    expect(me.headers.vary).toContain('Accept-Encoding');
    expect(JSON.parse(me.bytes.toString()).team.name).toBe('default');
    const unauth = await raw(`${s.url}/api/v1/me`, { headers: { 'accept-encoding': 'gzip' } });
    expect(unauth.status).toBe(401);
    expect(unauth.headers['content-encoding']).toBeUndefined();

    const head = await raw(`${s.url}/api/v1/openapi.json`, { method: 'HEAD', headers: { 'accept-encoding': 'gzip' } });
    expect(head.headers['content-encoding']).toBeUndefined();

    const project = await s.request('POST', '/api/projects', { body: { name: 'compressed' } });
    const noise = new PNG({ width: 48, height: 48 });
    randomBytes(noise.data.length).copy(noise.data);
    const png = PNG.sync.write(noise); // an image well above the size threshold
    expect(png.length).toBeGreaterThan(4096);
    const img = await s.request('POST', `/api/projects/${project.body.id}/images`, { body: { imageBase64: png.toString('base64') } });
    expect(img.status, img.text).toBe(201);
    const got = await raw(`${s.url}/api/projects/${project.body.id}/images/${img.body.id}`, { headers: { ...auth(), 'accept-encoding': 'gzip, br' } });
    expect(got.status).toBe(200);
    expect(got.headers['content-type']).toMatch(/^image\//);
    expect(got.headers['content-encoding']).toBeUndefined();
    expect(got.headers.vary ?? '').not.toContain('Accept-Encoding');
    expect(got.bytes.equals(png)).toBe(true);
  });

  it('REST: a large text file of an agent workspace is compressed; an idempotent replay decodes to the same body', async () => {
    expect((await s.request('POST', '/api/v1/users', { body: { username: 'zip' } })).status).toBe(201);
    expect((await s.request('POST', '/api/v1/users/zip/agents', { body: { name: 'packer' } })).status).toBe(201);
    const text = '# Notes\n' + Array.from({ length: 500 }, (_, i) => `- line ${i}: the same words again and again`).join('\n');
    const put = await s.request('PUT', '/api/v1/users/zip/agents/packer/files/notes.md', { rawBody: text, headers: { 'Content-Type': 'text/markdown' } });
    expect(put.status, put.text).toBeLessThan(300);
    const file = await raw(`${s.url}/api/v1/users/zip/agents/packer/files/notes.md`, { headers: { ...auth(), 'accept-encoding': 'gzip' } });
    expect(file.headers['content-encoding']).toBe('gzip');
    expect(decode(file).toString()).toBe(text);

    const body = JSON.stringify({ name: 'replayed', systemPrompt: 'x'.repeat(3000) });
    const headers = { ...auth(), 'content-type': 'application/json', 'idempotency-key': 'compress-replay-1', 'accept-encoding': 'br' };
    const personas = `${s.url}/api/projects/${(await s.request('POST', '/api/projects', { body: { name: 'replays' } })).body.id}/personas`;
    const first = await raw(personas, { method: 'POST', headers, body });
    expect(first.status).toBe(201);
    expect(first.headers['content-encoding']).toBe('br');
    const again = await raw(personas, { method: 'POST', headers: { ...headers, 'accept-encoding': 'gzip' }, body });
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers['content-encoding']).toBe('gzip');
    expect(decode(again).equals(decode(first))).toBe(true);
  });

  it('GraphQL: a POST answer (direct path) and a GET answer (through Yoga) are compressed and decode to the same JSON', async () => {
    const query = '{ __schema { types { name fields { name } } } }';
    const body = JSON.stringify({ query });
    const post = (accept?: string) =>
      raw(`${s.url}/graphql`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json', ...(accept ? { 'accept-encoding': accept } : {}) }, body });
    const plain = await post();
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toContain('Accept-Encoding');
    for (const coding of ['br', 'gzip'] as const) {
      const r = await post(coding);
      expect(r.headers['content-encoding']).toBe(coding);
      expect(JSON.parse(decode(r).toString())).toEqual(JSON.parse(plain.bytes.toString()));
    }
    const viaGet = await raw(`${s.url}/graphql?query=${encodeURIComponent(query)}`, { headers: { ...auth(), accept: 'application/json', 'accept-encoding': 'gzip' } });
    expect(viaGet.status).toBe(200);
    expect(viaGet.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(decode(viaGet).toString())).toEqual(JSON.parse(plain.bytes.toString()));
    // A small answer is sent as it is.
    const small = await raw(`${s.url}/graphql`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/json', 'accept-encoding': 'gzip' }, body: JSON.stringify({ query: '{ me { team { name } } }' }) });
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(small.bytes.toString()).data.me.team.name).toBe('default');
  });

  it('GraphQL subscriptions over SSE are never compressed (events arrive as they happen)', async () => {
    const url = `${s.url}/graphql?query=${encodeURIComponent('subscription { personaChanged { kind personaId } }')}`;
    const req = http.request(url, { headers: { ...auth(), accept: 'text/event-stream', 'accept-encoding': 'gzip, br' } });
    req.end();
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    try {
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(res.headers['content-encoding'] ?? 'none').toBe('none'); // Yoga says `none` to proxies
      // An event arrives readable as it happens: create a persona and read its event off the raw stream.
      let seen = '';
      res.on('data', (c: Buffer) => (seen += c.toString()));
      const project = await s.request('POST', '/api/projects', { body: { name: 'sse-watch' } });
      const deadline = Date.now() + 20_000;
      while (!seen.includes('personaChanged') && Date.now() < deadline) {
        await s.request('POST', `/api/projects/${project.body.id}/personas`, { body: { name: `p-${Date.now()}`, systemPrompt: 'x' } });
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(seen).toContain('personaChanged');
    } finally {
      req.destroy();
    }
  });
});

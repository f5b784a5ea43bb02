/**
 * The GraphiQL page and the /docs page as a browser gets them over HTTP
 * (src/server/graphiql.ts, src/server/docs.ts, src/server/static-assets.ts):
 * a small page, revalidated (ETag → 304); its files under content-hashed URLs,
 * compressed, immutable, 304 on If-None-Match; how many bytes a first and a
 * repeated visit transfer, against the 9 MB page Yoga's renderer inlines.
 * (That the page sends no operation without a key is checked in a real
 * browser in test/browser.test.ts.)
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';

interface Raw {
  status: number;
  headers: IncomingHttpHeaders;
  bytes: Buffer;
}

function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, bytes: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const decode = (r: Raw) =>
  r.headers['content-encoding'] === 'br' ? zlib.brotliDecompressSync(r.bytes) : r.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(r.bytes) : r.bytes;

/** The same-origin files a page links to (scripts, styles, icons) and the worker URLs it names. */
function linkedFiles(html: string): string[] {
  const urls = [...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]!);
  const workers = /var workers = (\{[^}]*\})/.exec(html);
  if (workers) urls.push(...Object.values(JSON.parse(workers[1]!) as Record<string, string>));
  return urls.filter((u) => u !== '/graphql');
}

const BROWSER = { accept: 'text/html,application/xhtml+xml', 'accept-encoding': 'gzip, deflate, br' };

describe('GraphiQL and /docs files', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s?.close());

  it('GraphiQL: a small page (revalidated, 304) and its files once, compressed and immutable under hashed URLs', async () => {
    const page = await get(`${s.url}/graphql`, BROWSER);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers.vary).toBe('Accept-Encoding');
    const html = decode(page).toString();
    expect(html).toContain('GraphiQL');
    expect(html.length).toBeLessThan(20_000);
    const etag = page.headers.etag!;
    expect(etag).toMatch(/^"[0-9a-f]{16}(-br|-gzip)?"$/);
    const again = await get(`${s.url}/graphql`, { ...BROWSER, 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.bytes.length).toBe(0);
    expect(again.headers.etag).toBe(etag);

    const files = linkedFiles(html);
    expect(files.length).toBe(6); // icon, styles, script, three editor workers
    let transferred = page.bytes.length;
    let uncompressed = decode(page).length;
    for (const url of files) {
      expect(url).toMatch(/^\/graphiql\/[\w.-]+\.[0-9a-f]{16}\.(js|css|ico)$/);
      const br = await get(`${s.url}${url}`, { 'accept-encoding': 'gzip, deflate, br' });
      expect(br.status, url).toBe(200);
      expect(br.headers['cache-control'], url).toBe('public, max-age=31536000, immutable');
      expect(br.headers['content-encoding'], url).toBe('br');
      expect(br.headers['content-length'], url).toBe(String(br.bytes.length));
      const plain = await get(`${s.url}${url}`);
      expect(plain.headers['content-encoding'], url).toBeUndefined();
      expect(decode(br).equals(plain.bytes), url).toBe(true);
      const gz = await get(`${s.url}${url}`, { 'accept-encoding': 'gzip' });
      expect(gz.headers['content-encoding'], url).toBe('gzip');
      expect(gz.headers.etag, url).not.toBe(br.headers.etag);
      expect(zlib.gunzipSync(gz.bytes).equals(plain.bytes), url).toBe(true);
      const cached = await get(`${s.url}${url}`, { 'accept-encoding': 'gzip, deflate, br', 'if-none-match': br.headers.etag! });
      expect(cached.status, url).toBe(304);
      transferred += br.bytes.length;
      uncompressed += plain.bytes.length;
    }
    // What Yoga's renderer sent on every view: everything inlined into one uncompressed page.
    const { renderGraphiQL } = await import('@graphql-yoga/render-graphiql');
    const before = Buffer.byteLength(renderGraphiQL({ title: 'personagraph' }));
    expect(before).toBeGreaterThan(8_000_000);
    expect(uncompressed).toBeLessThan(before); // the workers are no longer JSON strings inside the page
    expect(transferred).toBeLessThan(before / 3.5);
    console.info(`GraphiQL page: before ${before} bytes on every view; first view now ${transferred} bytes (br), ${uncompressed} uncompressed; a repeat view ${again.bytes.length} bytes of body (304)`);
    // Only the current hashes are served; another method is a 405.
    expect((await get(`${s.url}/graphiql/graphiql.0000000000000000.js`)).status).toBe(404);
    expect((await get(`${s.url}${files[0]}`, {}, 'POST')).status).toBe(405);
    const head = await get(`${s.url}${files[0]}`, { 'accept-encoding': 'br' }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.bytes.length).toBe(0);
  });

  it('GraphiQL: a browser GET with a query string still needs a key, and the page is not served to API clients', async () => {
    expect((await get(`${s.url}/graphql?query=${encodeURIComponent('{ me { team { name } } }')}`, BROWSER)).status).toBe(401);
    const api = await get(`${s.url}/graphql`, { accept: 'application/json' });
    expect(api.headers['content-type'] ?? '').not.toMatch(/html/);
  });

  it('/docs: the page is revalidated, Swagger UI files are hashed, compressed and immutable; the plain names still answer', async () => {
    const page = await get(`${s.url}/docs`, BROWSER);
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-cache');
    expect((await get(`${s.url}/docs`, { ...BROWSER, 'if-none-match': page.headers.etag! })).status).toBe(304);
    const html = decode(page).toString();
    const files = linkedFiles(html);
    expect(files.length).toBe(4);
    let transferred = page.bytes.length;
    for (const url of files) {
      expect(url).toMatch(/^\/docs\/[\w.-]+\.[0-9a-f]{16}\.(js|css|png)$/);
      const r = await get(`${s.url}${url}`, { 'accept-encoding': 'br, gzip' });
      expect(r.status, url).toBe(200);
      expect(r.headers['cache-control'], url).toBe('public, max-age=31536000, immutable');
      expect(r.headers['content-encoding'], url).toBe(url.endsWith('.png') ? undefined : 'br');
      expect((await get(`${s.url}${url}`, { 'accept-encoding': 'br, gzip', 'if-none-match': r.headers.etag! })).status, url).toBe(304);
      transferred += r.bytes.length;
    }
    const plain = await get(`${s.url}/docs/swagger-ui-bundle.js`, { 'accept-encoding': 'gzip' });
    expect(plain.status).toBe(200);
    expect(plain.headers['cache-control']).toBe('no-cache');
    expect(zlib.gunzipSync(plain.bytes).length).toBeGreaterThan(1_000_000);
    console.info(`/docs: first view ${transferred} bytes (br)`);
    expect((await get(`${s.url}/docs/nothing.js`)).status).toBe(404);
  });
});

/**
 * Response compression, in one place for every answer of the HTTP server
 * (src/server/http.ts calls `compressResponses` before anything answers): REST,
 * GraphQL over HTTP, the docs, errors.
 *
 * - The coding is negotiated from Accept-Encoding with its q-values (`br`,
 *   `gzip`; `x-gzip` is gzip; `*` covers the rest; `identity` wins when the
 *   client ranks it above both); Brotli when both rank equal.
 * - Only text-like media types (JSON, GraphQL responses, HTML, CSS, JavaScript,
 *   XML, SVG, plain text…): images, audio, video and archives are compressed
 *   already. Never SSE (`text/event-stream`) nor `multipart/mixed` (incremental
 *   delivery): they are streams a client reads as they come. Websockets never
 *   reach a response.
 * - Not bodies under COMPRESS_MIN_BYTES: the size is the Content-Length when the
 *   handler set one, else the body given to `end()` (the head waits for the first
 *   write or end to know it); a body written in pieces is compressed as it goes.
 * - Not HEAD, 1xx/204/206/304, `Cache-Control: no-transform`, nor an answer that
 *   carries a Content-Encoding already (precompressed static assets).
 * - Every compressible answer says `Vary: Accept-Encoding`, compressed or not.
 *   A compressed answer's strong ETag becomes weak (its bytes differ).
 *
 * Idempotent replays are stored uncompressed and compressed again on the way
 * out: a replay is the same body byte for byte once decoded.
 */
import zlib from 'node:zlib';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

export type Coding = 'br' | 'gzip' | 'identity';

/** Bodies smaller than this are sent as they are: compressing them saves less than it costs. */
export const COMPRESS_MIN_BYTES = 1024;

const OFFERED: readonly Exclude<Coding, 'identity'>[] = ['br', 'gzip'];

/** The coding to answer with for this Accept-Encoding (RFC 9110 §12.5.3). */
export function negotiateEncoding(accept: string | null | undefined): Coding {
  if (!accept) return 'identity';
  const q = new Map<string, number>();
  for (const part of accept.split(',')) {
    const [rawName, ...params] = part.split(';');
    let name = rawName!.trim().toLowerCase();
    if (!name) continue;
    if (name === 'x-gzip') name = 'gzip';
    let weight = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p);
      if (m) weight = Number(m[1]);
    }
    if (!Number.isFinite(weight) || weight < 0) weight = 0;
    if (!q.has(name)) q.set(name, Math.min(1, weight));
  }
  const star = q.get('*');
  let best: Coding = 'identity';
  let bestQ = 0;
  for (const coding of OFFERED) {
    const w = q.get(coding) ?? star ?? 0;
    if (w > bestQ) (best = coding), (bestQ = w);
  }
  // identity is acceptable unless refused; it wins only when the client ranks it above every coding.
  const identityQ = q.get('identity') ?? 0;
  return bestQ > 0 && bestQ >= identityQ ? best : 'identity';
}

const COMPRESSIBLE =
  /^\s*(text\/(?!event-stream\b)[\w.+-]+|application\/(json|javascript|ecmascript|xml|x-ndjson|yaml|x-yaml|graphql|[\w.-]+\+(json|xml|yaml))|image\/(svg\+xml|x-icon|vnd\.microsoft\.icon|bmp))\s*(;|$)/i;

/** Whether a body of this media type gains from compression (text-like, not a stream, not compressed media). */
export function isCompressible(contentType: string | number | readonly string[] | undefined | null): boolean {
  return typeof contentType === 'string' && COMPRESSIBLE.test(contentType);
}

/** Adds Accept-Encoding to the response's Vary header (once). */
export function varyOnEncoding(res: ServerResponse): void {
  const vary = res.getHeader('vary');
  const current = Array.isArray(vary) ? vary.join(', ') : vary === undefined ? '' : String(vary);
  if (/(^|,)\s*(\*|accept-encoding)\s*(,|$)/i.test(current)) return;
  res.setHeader('Vary', current ? `${current}, Accept-Encoding` : 'Accept-Encoding');
}

/** A compressor for dynamic answers: fast settings (Brotli quality 4 compresses JSON better than gzip 6, as fast). */
export function compressor(coding: Exclude<Coding, 'identity'>, sizeHint: number | null): zlib.Gzip | zlib.BrotliCompress {
  if (coding === 'gzip') return zlib.createGzip({ level: 6 });
  const params: Record<number, number> = { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 };
  if (sizeHint) params[zlib.constants.BROTLI_PARAM_SIZE_HINT] = sizeHint;
  return zlib.createBrotliCompress({ params });
}

const NOT_COMPRESSED_STATUS = new Set([204, 206, 304]);

/** The prototype's `headersSent` getter, which the deferred head below extends. */
function headersSentGetter(res: ServerResponse): () => boolean {
  for (let o: object | null = Object.getPrototypeOf(res); o; o = Object.getPrototypeOf(o)) {
    const d = Object.getOwnPropertyDescriptor(o, 'headersSent');
    if (d?.get) return d.get as () => boolean;
  }
  throw new Error('ServerResponse has no headersSent getter');
}

type Chunk = string | Uint8Array;
type Callback = (err?: Error | null) => void;

/**
 * Makes this response compress its body when the request accepts it (see the
 * file comment). Handlers keep using writeHead/write/end as usual.
 */
export function compressResponses(req: IncomingMessage, res: ServerResponse, minBytes = COMPRESS_MIN_BYTES): void {
  const acceptEncoding = req.headers['accept-encoding'];
  const coding = negotiateEncoding(Array.isArray(acceptEncoding) ? acceptEncoding.join(',') : acceptEncoding);
  const isHead = req.method === 'HEAD';
  if (coding === 'identity' || isHead) return varyOnly(res);
  // Node's own methods, called with what the handler gave (their overloads do not type a forwarded call).
  const origWriteHead = res.writeHead as (...a: unknown[]) => ServerResponse;
  const origWrite = res.write as (...a: unknown[]) => boolean;
  const origEnd = res.end as (...a: unknown[]) => ServerResponse;
  const origFlush = res.flushHeaders;
  const origOn = res.on;
  const origOnce = res.once;
  const origOff = res.removeListener;
  const sent = headersSentGetter(res);

  /** A head waiting to learn the body's size (status and reason; the headers are set on `res` already). */
  let pending: { status: number; reason: string | undefined } | null = null;
  let decided = false;
  let stream: zlib.Gzip | zlib.BrotliCompress | null = null;

  Object.defineProperty(res, 'headersSent', { configurable: true, get: () => pending !== null || sent.call(res) });

  const writeHeadNow = (status: number, reason: string | undefined) =>
    reason === undefined ? origWriteHead.call(res, status) : origWriteHead.call(res, status, reason);

  function start(status: number, reason: string | undefined, size: number | null): void {
    const etag = res.getHeader('etag');
    if (typeof etag === 'string' && etag.startsWith('"')) res.setHeader('ETag', `W/${etag}`);
    res.removeHeader('content-length');
    res.setHeader('Content-Encoding', coding);
    writeHeadNow(status, reason);
    const z = (stream = compressor(coding as Exclude<Coding, 'identity'>, size));
    z.on('data', (chunk: Buffer) => {
      if (origWrite.call(res, chunk) === false) z.pause();
    });
    origOn.call(res, 'drain', () => z.resume());
    z.once('end', () => void origEnd.call(res));
    z.once('error', (err) => res.destroy(err));
    origOnce.call(res, 'close', () => z.destroy());
  }

  /** The pending head, now that the body's size is known (null: written in pieces). */
  function decide(size: number | null): void {
    const head = pending!;
    pending = null;
    decided = true;
    if (size !== null && size < minBytes) return void writeHeadNow(head.status, head.reason);
    start(head.status, head.reason, size);
  }

  /** Before any body byte: the head, through the rules above (Node would otherwise write it implicitly). */
  function beforeBody(size: number | null): void {
    if (!decided && !pending && !sent.call(res)) res.writeHead(res.statusCode);
    if (pending) decide(size);
  }

  res.writeHead = function writeHead(this: ServerResponse, status: number, reasonOrHeaders?: unknown, maybeHeaders?: unknown) {
    if (decided || sent.call(res)) return origWriteHead.call(res, status, reasonOrHeaders, maybeHeaders);
    const reason = typeof reasonOrHeaders === 'string' ? reasonOrHeaders : undefined;
    const headers = (typeof reasonOrHeaders === 'string' ? maybeHeaders : reasonOrHeaders) as OutgoingHttpHeaders | readonly unknown[] | undefined;
    setAll(res, headers);
    pending = null;
    const type = res.getHeader('content-type');
    const compressible = isCompressible(type) && status >= 200 && !NOT_COMPRESSED_STATUS.has(status);
    if (compressible) varyOnEncoding(res);
    const cacheControl = String(res.getHeader('cache-control') ?? '');
    if (!compressible || res.hasHeader('content-encoding') || /\bno-transform\b/i.test(cacheControl)) {
      decided = true;
      return writeHeadNow(status, reason);
    }
    const length = res.getHeader('content-length');
    if (length !== undefined) {
      decided = true;
      if (Number(length) < minBytes) return writeHeadNow(status, reason);
      start(status, reason, Number(length));
      return res;
    }
    pending = { status, reason };
    return res;
  } as ServerResponse['writeHead'];

  res.write = function write(chunk: Chunk, encodingOrCb?: BufferEncoding | Callback, cb?: Callback): boolean {
    beforeBody(null);
    if (!stream) return origWrite.call(res, chunk, encodingOrCb, cb);
    const callback = typeof encodingOrCb === 'function' ? encodingOrCb : cb;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, typeof encodingOrCb === 'string' ? encodingOrCb : 'utf8') : chunk;
    return stream.write(bytes, callback);
  } as ServerResponse['write'];

  res.end = function end(chunk?: Chunk | Callback, encodingOrCb?: BufferEncoding | Callback, cb?: Callback): ServerResponse {
    const callback = [chunk, encodingOrCb, cb].find((a): a is Callback => typeof a === 'function');
    const body = typeof chunk === 'function' ? undefined : chunk;
    const encoding = typeof encodingOrCb === 'string' ? encodingOrCb : 'utf8';
    beforeBody(body === undefined || body === null ? 0 : typeof body === 'string' ? Buffer.byteLength(body, encoding) : body.byteLength);
    if (!stream) return origEnd.call(res, chunk, encodingOrCb, cb);
    if (callback) origOnce.call(res, 'finish', () => callback());
    if (body !== undefined && body !== null) stream.end(typeof body === 'string' ? Buffer.from(body, encoding) : body);
    else stream.end();
    return res;
  } as ServerResponse['end'];

  res.flushHeaders = function flushHeaders() {
    beforeBody(null);
    origFlush.call(res);
  };

  // Whoever waits for 'drain' after a write that returned false waits on the compressor while it is in front.
  res.on = res.addListener = function on(this: ServerResponse, event: string | symbol, listener: (...a: unknown[]) => void) {
    if (event !== 'drain' || !stream) return origOn.call(res, event, listener);
    stream.on(event, listener);
    return res;
  } as ServerResponse['on'];
  res.once = function once(this: ServerResponse, event: string | symbol, listener: (...a: unknown[]) => void) {
    if (event !== 'drain' || !stream) return origOnce.call(res, event, listener);
    stream.once(event, listener);
    return res;
  } as ServerResponse['once'];
  res.removeListener = res.off = function off(this: ServerResponse, event: string | symbol, listener: (...a: unknown[]) => void) {
    if (event === 'drain' && stream) stream.removeListener(event, listener);
    return origOff.call(res, event, listener);
  } as ServerResponse['removeListener'];
}

/**
 * A response that will not be compressed (the client accepts no coding we offer, or HEAD) still says
 * `Vary: Accept-Encoding` when its body could have been: only the head is watched (Node's implicit head
 * goes through writeHead too), the body is written untouched.
 */
function varyOnly(res: ServerResponse): void {
  const origWriteHead = res.writeHead as (...a: unknown[]) => ServerResponse;
  res.writeHead = function writeHead(this: ServerResponse, status: number, reasonOrHeaders?: unknown, maybeHeaders?: unknown) {
    const reason = typeof reasonOrHeaders === 'string' ? reasonOrHeaders : undefined;
    setAll(res, (typeof reasonOrHeaders === 'string' ? maybeHeaders : reasonOrHeaders) as OutgoingHttpHeaders | readonly unknown[] | undefined);
    if (status >= 200 && !NOT_COMPRESSED_STATUS.has(status) && isCompressible(res.getHeader('content-type'))) varyOnEncoding(res);
    return reason === undefined ? origWriteHead.call(res, status) : origWriteHead.call(res, status, reason);
  } as ServerResponse['writeHead'];
}

/** Sets writeHead's headers on the response (object or flat [name, value, …] list), as writeHead itself would merge them. */
function setAll(res: ServerResponse, headers: OutgoingHttpHeaders | readonly unknown[] | undefined): void {
  if (!headers) return;
  if (Array.isArray(headers)) {
    const grouped = new Map<string, string[]>();
    const flat = Array.isArray(headers[0]) ? (headers as unknown[][]).flat() : (headers as unknown[]);
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const name = String(flat[i]);
      grouped.set(name, [...(grouped.get(name) ?? []), String(flat[i + 1])]);
    }
    for (const [name, values] of grouped) res.setHeader(name, values.length === 1 ? values[0]! : values);
    return;
  }
  for (const [name, value] of Object.entries(headers as OutgoingHttpHeaders)) if (value !== undefined) res.setHeader(name, value);
}

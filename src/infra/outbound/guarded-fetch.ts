/**
 * `guardedFetch`: a WHATWG `fetch` with a streaming body over the guarded
 * connection, given to the openai SDK and used for the social platforms' APIs.
 */
import type http from 'node:http';
import { Readable } from 'node:stream';
import { OutboundFailed, OutboundRefused } from './errors.js';
import { checkOutboundUrl, type OutboundPolicy } from './policy.js';
import { connectionPools, openHop, REDIRECTS, type Resolver } from './connect.js';

export interface GuardedFetchOptions {
  policy: OutboundPolicy;
  /** Most redirects followed (each checked like the first) when the request asks to follow them; default 5. */
  maxRedirects?: number;
  /** Name resolution; default the system resolver (tests pass their own). */
  resolve?: Resolver;
  /**
   * Reuse connections (keep-alive pools of this fetch alone: connect.ts ConnectionPools). For a fetch made once and
   * kept (one per policy), such as the model servers' client; off by default.
   */
  keepAlive?: boolean;
}

const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** What a fetch call asks for, as the guard sends it. */
interface RequestParts {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: Uint8Array | undefined;
  signal: AbortSignal | null;
  redirect: RequestRedirect;
}

/** Methods fetch refuses to send (a TypeError before any connection). */
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);

/** The request's headers as sent: no accept-encoding, since this transport does not decompress (identity bodies). */
function sentHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((v, k) => k !== 'accept-encoding' && (out[k] = v));
  return out;
}

/**
 * The call's URL, method, headers and body. A call naming a URL with a string or byte body (the openai SDK's
 * on every model call, the platforms' clients') is read as fetch would read it, without building a WHATWG
 * Request: that costs ~40 µs and several event-loop turns to build and read its body back, before the model
 * server is even asked. Anything else (a Request, a stream or form body) goes through a Request.
 */
async function requestParts(input: string | URL | Request, init: RequestInit | undefined): Promise<RequestParts> {
  const given = init?.body;
  if (!(input instanceof Request) && (given == null || typeof given === 'string' || given instanceof Uint8Array)) {
    const method = (init?.method ?? 'GET').toUpperCase();
    if (FORBIDDEN_METHODS.has(method)) throw new TypeError(`'${init?.method}' HTTP method is unsupported.`);
    if (given != null && (method === 'GET' || method === 'HEAD')) throw new TypeError('Request with GET/HEAD method cannot have body.');
    const headers = sentHeaders(new Headers(init?.headers));
    if (typeof given === 'string' && headers['content-type'] === undefined) headers['content-type'] = 'text/plain;charset=UTF-8';
    const body = given == null ? undefined : typeof given === 'string' ? Buffer.from(given) : given;
    return { url: new URL(input).toString(), method, headers, body, signal: init?.signal ?? null, redirect: init?.redirect ?? 'follow' };
  }
  const request = new Request(input, given instanceof ReadableStream ? ({ ...init, duplex: 'half' } as RequestInit) : init);
  const method = request.method.toUpperCase();
  const body = method === 'GET' || method === 'HEAD' || !request.body ? undefined : new Uint8Array(await request.arrayBuffer());
  return { url: request.url, method, headers: sentHeaders(request.headers), body, signal: init?.signal ?? request.signal, redirect: request.redirect };
}

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
  const pools = opts.keepAlive ? connectionPools() : undefined;
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = await requestParts(input, init);
    const { signal } = request;
    const abortReason = () => signal?.reason ?? new DOMException('This operation was aborted', 'AbortError');
    if (signal?.aborted) throw abortReason();
    let { method, headers, body } = request;
    let url = checkOutboundUrl(request.url, opts.policy);
    const redirects: string[] = [];
    for (;;) {
      let res: http.IncomingMessage;
      if (body !== undefined) headers['content-length'] = String(body.byteLength);
      else delete headers['content-length'];
      try {
        res = await openHop(url, { method, headers, body, policy: opts.policy, resolve: opts.resolve, signal: signal ?? undefined, pools }, null);
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

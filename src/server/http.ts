/**
 * One HTTP server on one port: /graphql (HTTP, SSE, graphql-ws), the REST
 * paths of the seeds, and health. Every response carries X-Request-Id.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Deps } from '../context.js';
import { AppError, RateLimitError, isAppError } from '../errors.js';
import { createGraphQL } from '../graphql/yoga.js';
import { createDirectGraphQL } from '../graphql/direct.js';
import { createWebSocketServer } from '../graphql/ws.js';
import { authenticate, presentedKey } from '../modules/auth/service.js';
import { LiveSessions } from '../modules/auth/live-sessions.js';
import { RestRouter } from '../rest/router.js';
import { allRoutes } from '../rest/routes.js';
import { header, readBody } from './request.js';
import { assertJsonBytes } from './request-text.js';
import { IdempotencyStore, requestHash, validateKey } from './idempotency.js';
import { resolveVersion } from './versions.js';
import { handleOps, OPS_PATHS } from './ops.js';
import { handleDocs, isDocsPath } from './docs.js';
import { asAppError } from '../infra/db/errors.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function graphqlError(res: ServerResponse, err: AppError, headers: Record<string, string> = {}) {
  const body = JSON.stringify({ errors: [{ message: err.message, extensions: { code: err.code } }] });
  res.writeHead(err.httpStatus, { ...headers, ...err.headers, 'Content-Type': 'application/json; charset=utf-8' });
  res.end(body);
}

export function createHttpServer(deps: Deps) {
  const yoga = createGraphQL(deps);
  const idempotency = new IdempotencyStore(deps.prisma, deps.config.idempotencyTtlMs);
  // Expired replays are dropped hourly (and lazily when their key comes back).
  const purge = () =>
    idempotency
      .purgeExpired()
      .then((n) => n && deps.log.info({ purged: n }, 'purged expired idempotency records'))
      .catch((err: unknown) => deps.log.warn({ err }, 'could not purge idempotency records'));
  const purgeTimer = setInterval(purge, 3600_000).unref();
  // Open sockets and streams, checked again when credentials change and every AUTH_RECHECK_MS.
  const sessions = new LiveSessions(deps);
  sessions.start();
  const rest = new RestRouter(deps, idempotency, sessions);
  rest.add(allRoutes);
  const ws = createWebSocketServer(deps, yoga, () => randomUUID(), sessions);
  deps.metrics.websocketConnections = ws.clientCount;

  /** Pipes a fetch Response (JSON, multipart or an SSE stream) to the node response. */
  async function pipeResponse(res: ServerResponse, response: Response, extra: Record<string, string>, stop?: AbortSignal) {
    const headers: Record<string, string> = { ...extra };
    response.headers.forEach((v, k) => (headers[k] = v));
    res.writeHead(response.status, headers);
    if (!response.body) return void res.end();
    // Yoga's Response body is a WHATWG stream ponyfill: read it chunk by chunk
    // (SSE streams stay open), and cancel it when the client goes away.
    const reader = response.body.getReader();
    res.on('close', () => void reader.cancel().catch(() => {}));
    stop?.addEventListener('abort', () => void reader.cancel().catch(() => {}));
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (!res.write(value)) await new Promise((r) => (res.once('drain', r), res.once('close', r)));
        if (res.destroyed) break;
      }
    } finally {
      res.end();
    }
  }

  type Answer = { status: number; headers: Record<string, string>; body: string } | { stream: Response };
  const direct = createDirectGraphQL(yoga);
  const withoutLength = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).filter(([k]) => k.toLowerCase() !== 'content-length'));
  function send(res: ServerResponse, a: { status: number; headers: Record<string, string>; body: string }, echo: Record<string, string>) {
    res.writeHead(a.status, { ...echo, ...withoutLength(a.headers), 'Content-Length': String(Buffer.byteLength(a.body)) });
    res.end(a.body);
  }

  async function handleGraphQL(req: IncomingMessage, res: ServerResponse, url: URL, requestId: string) {
    const method = req.method ?? 'GET';
    const accept = header(req, 'accept') ?? '';
    const echo: Record<string, string> = {};
    try {
      Object.assign(echo, resolveVersion({ autousers: header(req, 'autousers-version'), generic: header(req, 'api-version') }).echoHeaders);
      if (method === 'GET' && accept.includes('text/html') && !url.searchParams.has('query')) {
        // GraphiQL: the page is public; every operation it sends needs a key.
        return pipeResponse(res, await yoga.fetch(url, { method: 'GET', headers: { accept } }, undefined as never), echo);
      }
      if (method === 'OPTIONS') {
        // CORS preflights carry no key: Yoga's cors option answers them (src/graphql/request-shape.ts).
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
        return pipeResponse(res, await yoga.fetch(url, { method, headers }, undefined as never), echo);
      }
      const presented = presentedKey({ authorization: header(req, 'authorization'), apiKey: header(req, 'x-api-key') });
      const actor = await authenticate(deps, presented);
      // A key that has spent this minute's budget is answered before its body is read or parsed.
      const spent = deps.rateLimiter.exhausted(actor.keyId, actor.rateLimitPerMinute);
      if (spent) return graphqlError(res, new RateLimitError(spent.headers), echo);
      /** A subscription over SSE ends when its key is revoked, expires or is deleted. */
      const pipeStream = async (stream: Response) => {
        const stop = new AbortController();
        const forget = sessions.register(presented!, actor, () => stop.abort());
        try {
          await pipeResponse(res, stream, echo, stop.signal);
        } finally {
          forget();
        }
      };
      const raw = method === 'GET' || method === 'HEAD' ? Buffer.alloc(0) : await readBody(req, deps.config.bodyLimitBytes);
      if (raw.length && /^application\/(.+\+)?json\b/i.test(header(req, 'content-type') ?? '')) assertJsonBytes(raw, deps.config.maxJsonDepth); // before any JSON.parse
      const serverContext = { actor, requestId };
      // Most operations run straight through the envelop pipeline; the rest (and every error before execution) through Yoga.
      const viaYoga = async (): Promise<Answer> => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
        const request = new Request(url, { method, headers, body: raw.length ? new Uint8Array(raw) : undefined });
        const response = await yoga.fetch(request, serverContext);
        if (response.body && /^(text\/event-stream|multipart\/mixed)/.test(response.headers.get('content-type') ?? '')) return { stream: response };
        const out: Record<string, string> = {};
        response.headers.forEach((v, k) => (out[k] = v));
        return { status: response.status, headers: out, body: await response.text() };
      };
      const answer = async (): Promise<Answer> =>
        (method === 'POST' && header(req, 'origin') === null
          ? await direct(raw, { contentType: header(req, 'content-type'), accept, serverContext })
          : null) ?? (await viaYoga());
      const idemKey = header(req, 'idempotency-key');
      if (idemKey === null || method !== 'POST') {
        const a = await answer();
        if ('stream' in a) return pipeStream(a.stream);
        return send(res, a, echo);
      }
      const begin = await idempotency.begin(
        { teamId: actor.teamId, apiKeyId: actor.keyId, scopes: actor.scopes },
        validateKey(idemKey),
        requestHash(method, url.pathname, raw),
      );
      if (begin.kind === 'replay') {
        res.writeHead(begin.response.status, { ...echo, ...begin.response.headers, 'Idempotent-Replayed': 'true' });
        return void res.end(begin.response.body);
      }
      let a: Answer;
      try {
        a = await answer();
      } catch (err) {
        await idempotency.abandon(begin.recordId);
        throw err;
      }
      if ('stream' in a) {
        // A POST asking for a stream (SSE, incremental delivery): nothing to replay; the key is freed for the next attempt.
        await idempotency.abandon(begin.recordId);
        return pipeStream(a.stream);
      }
      // A request the rate limit refused never ran: keep nothing, so a retry runs (as REST, which limits first).
      if (a.status === 429) await idempotency.abandon(begin.recordId);
      else await idempotency.complete(begin.recordId, { status: a.status, headers: withoutLength(a.headers), body: a.body });
      send(res, a, echo);
    } catch (err) {
      const known = asAppError(err);
      if (known) return graphqlError(res, known, echo);
      throw err;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const given = header(req, 'x-request-id');
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const route = url.pathname === '/graphql' || OPS_PATHS.has(url.pathname) ? url.pathname : isDocsPath(url.pathname) ? '/docs' : url.pathname.startsWith('/api') ? 'unmatched' : 'other';
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      deps.metrics.observeRequest(req.method ?? 'GET', res, route, seconds);
      // One structured line per request (JSON via pino), joinable with the client's X-Request-Id; health probes only at debug.
      const line = { requestId, method: req.method, path: url.pathname, status: res.statusCode, ms: Math.round(seconds * 1000) };
      if (OPS_PATHS.has(url.pathname)) deps.log.debug(line, 'request');
      else deps.log.info(line, 'request');
    });
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    } catch {
      url = new URL('http://localhost/');
    }
    try {
      if (OPS_PATHS.has(url.pathname)) return await handleOps(deps, req, res, url.pathname);
      if (deps.config.role === 'worker') {
        res.writeHead(404, { 'Content-Type': 'application/json; charset=utf-8' });
        return void res.end(JSON.stringify({ error: `this process is a worker (PROCESS_ROLE=worker): it runs jobs and answers only ${[...OPS_PATHS].join(', ')}; send API requests to an api process`, request_id: requestId }));
      }
      if (url.pathname === '/graphql') return await handleGraphQL(req, res, url, requestId);
      if (isDocsPath(url.pathname)) return await handleDocs(req, res, url.pathname);
      if (url.pathname === '/api' || url.pathname.startsWith('/api/')) return await rest.handle(req, res, url, requestId);
      if (url.pathname === '/' && req.method === 'GET') {
        res.writeHead(302, { Location: '/graphql' });
        return void res.end();
      }
      res.writeHead(404, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error: `Nothing at ${url.pathname}; try /graphql or /api/v1/health` }));
    } catch (err) {
      const known = asAppError(err);
      if (known && !res.headersSent) {
        deps.log.warn({ err, requestId }, 'answered 503: a dependency is unreachable');
        res.writeHead(known.httpStatus, { ...known.headers, 'Content-Type': 'application/json; charset=utf-8' });
        return void res.end(JSON.stringify({ error: known.message, request_id: requestId }));
      }
      deps.log.error({ err, requestId }, 'unhandled error');
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ error: 'internal server error', request_id: requestId }));
      } else res.destroy();
    }
  }

  const server = http.createServer((req, res) => void handle(req, res));
  server.on('upgrade', (req, socket, head) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/graphql' || deps.config.role === 'worker') return void socket.destroy();
    ws.handleUpgrade(req, socket, head);
  });

  return {
    server,
    yoga,
    rest,
    ws,
    sessions,
    /** Stops accepting, closes websockets with 1001, lets in-flight requests finish within the timeout. */
    async close(timeoutMs: number) {
      clearInterval(purgeTimer);
      await sessions.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await ws.close();
      const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
      await closed;
      clearTimeout(timer);
    },
  };
}

export type HttpServer = ReturnType<typeof createHttpServer>;

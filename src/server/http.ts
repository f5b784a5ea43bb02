/**
 * One HTTP server on one port: /graphql (HTTP, SSE, graphql-ws), the REST
 * paths of the seeds, and health. Every response carries X-Request-Id. REST
 * and GraphQL over HTTP run the one pipeline of src/server/pipeline.ts.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Actor, Deps } from '../context.js';
import { createGraphQL } from '../graphql/yoga.js';
import { createWebSocketServer } from '../graphql/ws.js';
import { LiveSessions } from '../modules/auth/live-sessions.js';
import { RestRouter } from '../rest/router.js';
import { allRoutes } from '../rest/routes.js';
import { asAppError } from '../infra/db/errors.js';
import { header } from './request.js';
import { IdempotencyStore, purgeHourly } from './idempotency.js';
import { HttpPipeline } from './pipeline.js';
import { createGraphQLHttp } from './graphql-http.js';
import { handleOps, OPS_PATHS } from './ops.js';
import { handleDocs, isDocsPath } from './docs.js';
import { isGraphiQLAssetPath, serveGraphiQLAsset, GRAPHIQL_ASSET_DIR } from './graphiql.js';
import { compressResponses } from './compression.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const JSON_TYPE = { 'Content-Type': 'application/json; charset=utf-8' };

/** The client's X-Request-Id when it is a sane token, else a new one; set on the response before anything else. */
function requestIdOf(req: IncomingMessage, res: ServerResponse): string {
  const given = header(req, 'x-request-id');
  const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
  res.setHeader('X-Request-Id', requestId);
  return requestId;
}

function urlOf(req: IncomingMessage): URL {
  try {
    return new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
  } catch {
    return new URL('http://localhost/');
  }
}

/** When the response is finished: its metrics, and one structured log line (JSON via pino), joinable with X-Request-Id. */
function observe(deps: Deps, req: IncomingMessage, res: ServerResponse, url: URL, requestId: string): void {
  const started = process.hrtime.bigint();
  res.once('finish', () => {
    const route =
      url.pathname === '/graphql' || OPS_PATHS.has(url.pathname)
        ? url.pathname
        : isDocsPath(url.pathname)
          ? '/docs'
          : isGraphiQLAssetPath(url.pathname)
            ? GRAPHIQL_ASSET_DIR
            : url.pathname.startsWith('/api')
              ? 'unmatched'
              : 'other';
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    deps.metrics.observeRequest(req.method ?? 'GET', res, route, seconds);
    const line = { requestId, method: req.method, path: url.pathname, status: res.statusCode, ms: Math.round(seconds * 1000) };
    if (OPS_PATHS.has(url.pathname)) deps.log.debug(line, 'request'); // health probes only at debug
    else deps.log.info(line, 'request');
  });
}

/** What no surface answered: 503 for a dependency that is away, else 500 (or a cut connection once the answer has started). */
function answerUnhandled(deps: Deps, res: ServerResponse, err: unknown, requestId: string): void {
  const known = asAppError(err);
  if (known && !res.headersSent) {
    deps.log.warn({ err, requestId }, 'answered 503: a dependency is unreachable');
    res.writeHead(known.httpStatus, { ...known.headers, ...JSON_TYPE });
    return void res.end(JSON.stringify({ error: known.message, request_id: requestId }));
  }
  deps.log.error({ err, requestId }, 'unhandled error');
  if (!res.headersSent) {
    res.writeHead(500, JSON_TYPE);
    res.end(JSON.stringify({ error: 'internal server error', request_id: requestId }));
  } else res.destroy();
}

export function createHttpServer(deps: Deps, opts: { evalStudioLocal?: Actor | null } = {}) {
  const yoga = createGraphQL(deps);
  const idempotency = new IdempotencyStore(deps.prisma, deps.config.idempotencyTtlMs);
  const stopPurge = purgeHourly(idempotency, deps.log);
  // Open sockets and streams, checked again when credentials change and every AUTH_RECHECK_MS.
  const sessions = new LiveSessions(deps);
  sessions.start();
  const pipeline = new HttpPipeline(deps, idempotency);
  const rest = new RestRouter(deps, pipeline, sessions, opts.evalStudioLocal ?? null);
  rest.add(allRoutes);
  const graphql = createGraphQLHttp(deps, yoga, sessions);
  const ws = createWebSocketServer(deps, yoga, () => randomUUID(), sessions);
  deps.metrics.websocketConnections = ws.clientCount;

  /** Which part of the server answers this path (not async: the GraphQL fast path pays no extra promise). */
  function dispatch(req: IncomingMessage, res: ServerResponse, url: URL, requestId: string): Promise<void> | void {
    const path = url.pathname;
    if (OPS_PATHS.has(path)) return handleOps(deps, req, res, path);
    if (deps.config.role === 'worker') {
      res.writeHead(404, JSON_TYPE);
      return void res.end(JSON.stringify({ error: `this process is a worker (PROCESS_ROLE=worker): it runs jobs and answers only ${[...OPS_PATHS].join(', ')}; send API requests to an api process`, request_id: requestId }));
    }
    if (path === '/graphql') return pipeline.run(graphql.surface, graphql.exchange(req, res, url, requestId));
    if (isDocsPath(path)) return handleDocs(req, res, path);
    if (isGraphiQLAssetPath(path)) return serveGraphiQLAsset(req, res, path);
    if (path === '/api' || path.startsWith('/api/')) return rest.handle(req, res, url, requestId);
    if (path === '/' && req.method === 'GET') {
      res.writeHead(302, { Location: '/graphql' });
      return void res.end();
    }
    res.writeHead(404, JSON_TYPE);
    res.end(JSON.stringify({ error: `Nothing at ${path}; try /graphql or /api/v1/health` }));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = requestIdOf(req, res);
    const url = urlOf(req);
    observe(deps, req, res, url, requestId);
    compressResponses(req, res); // every answer below, by the client's Accept-Encoding (src/server/compression.ts)
    try {
      const answering = dispatch(req, res, url, requestId);
      if (answering) await answering;
    } catch (err) {
      answerUnhandled(deps, res, err, requestId);
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
      stopPurge();
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

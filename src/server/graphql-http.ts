/**
 * GraphQL over HTTP (POST, GET, SSE, multipart) as a surface of the HTTP
 * pipeline (src/server/pipeline.ts): most operations run straight through the
 * envelop pipeline (src/graphql/direct.ts), the rest through Yoga; errors
 * before execution are answered as GraphQL errors. Streams (SSE subscriptions,
 * incremental delivery) end when their key is revoked, expires or is deleted.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Deps } from '../context.js';
import type { AppError } from '../errors.js';
import { asAppError } from '../infra/db/errors.js';
import type { LiveSessions } from '../modules/auth/live-sessions.js';
import type { GraphQLServer, ServerContext } from '../graphql/yoga.js';
import { createDirectGraphQL } from '../graphql/direct.js';
import { header } from './request.js';
import { assertJsonBytes } from './request-text.js';
import type { StoredResponse } from './idempotency.js';
import { NO_BODY, refuseSpentBudget, type Exchange, type Surface } from './pipeline.js';
import { serveGraphiQLPage } from './graphiql.js';

interface GraphQLExchange extends Exchange {
  readonly accept: string;
}

/** A whole answer, or a stream (SSE, multipart) piped as it comes. */
type Answer = StoredResponse | { stream: Response };

const JSON_TYPE = /^application\/(.+\+)?json\b/i;
const STREAM_TYPE = /^(text\/event-stream|multipart\/mixed)/;

function graphqlError(res: ServerResponse, err: AppError, headers: Record<string, string>) {
  const body = JSON.stringify({ errors: [{ message: err.message, extensions: { code: err.code } }] });
  res.writeHead(err.httpStatus, { ...headers, ...err.headers, 'Content-Type': 'application/json; charset=utf-8' });
  res.end(body);
}

const withoutLength = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).filter(([k]) => k.toLowerCase() !== 'content-length'));

function send(res: ServerResponse, a: StoredResponse, echo: Record<string, string>) {
  res.writeHead(a.status, { ...echo, ...withoutLength(a.headers), 'Content-Length': String(Buffer.byteLength(a.body)) });
  res.end(a.body);
}

/** The request's headers as fetch Headers, for Yoga. */
function fetchHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
  return headers;
}

/** Pipes a fetch Response (JSON, multipart or an SSE stream) to the node response. */
export async function pipeResponse(res: ServerResponse, response: Response, extra: Record<string, string>, stop?: AbortSignal) {
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

export function createGraphQLHttp(deps: Deps, yoga: GraphQLServer, sessions: LiveSessions) {
  const direct = createDirectGraphQL(yoga);

  /** Everything the direct path does not take (and every error before execution), through Yoga. */
  async function viaYoga(x: GraphQLExchange, serverContext: ServerContext): Promise<Answer> {
    const request = new Request(x.url, { method: x.method, headers: fetchHeaders(x.req), body: x.raw.length ? new Uint8Array(x.raw) : undefined });
    const response = await yoga.fetch(request, serverContext);
    if (response.body && STREAM_TYPE.test(response.headers.get('content-type') ?? '')) return { stream: response };
    const out: Record<string, string> = {};
    response.headers.forEach((v, k) => (out[k] = v));
    return { status: response.status, headers: out, body: await response.text() };
  }

  /** Yoga answers what needs no key (no server context: no operation can run). */
  async function keyless(x: GraphQLExchange, init: RequestInit): Promise<void> {
    await pipeResponse(x.res, await yoga.fetch(x.url, init, undefined as never), x.headers);
  }

  /** A subscription over SSE ends when its key is revoked, expires or is deleted. */
  async function pipeStream(x: GraphQLExchange, stream: Response) {
    const stop = new AbortController();
    const forget = sessions.register(x.presented!, x.actor!, () => stop.abort());
    try {
      await pipeResponse(x.res, stream, x.headers, stop.signal);
    } finally {
      forget();
    }
  }

  const surface: Surface<GraphQLExchange, Answer> = {
    withoutKey(x) {
      // GraphiQL: the page is public (its files are under /graphiql/, src/server/graphiql.ts); every operation it sends needs a key.
      if (x.method === 'GET' && x.accept.includes('text/html') && !x.url.searchParams.has('query')) {
        return serveGraphiQLPage(x.req, x.res, x.headers);
      }
      // CORS preflights carry no key: Yoga's cors option answers them (src/graphql/request-shape.ts).
      if (x.method === 'OPTIONS') {
        return keyless(x, { method: x.method, headers: fetchHeaders(x.req) });
      }
      return null;
    },
    // Operations are charged by cost as they execute (src/graphql/yoga.ts); a spent budget is refused before the body is read.
    rateLimit: (x) => refuseSpentBudget(deps, x),
    readsBody: (x) => x.method !== 'GET' && x.method !== 'HEAD',
    checkBody(x) {
      if (x.raw.length && JSON_TYPE.test(header(x.req, 'content-type') ?? '')) assertJsonBytes(x.raw, deps.config.maxJsonDepth); // before any JSON.parse
    },
    idempotent: (x) => x.method === 'POST',
    async run(x) {
      const serverContext: ServerContext = { actor: x.actor!, requestId: x.requestId };
      // Browsers' cross-origin calls go through Yoga (CORS); so does whatever the direct path declines.
      if (x.method === 'POST' && header(x.req, 'origin') === null) {
        const answer = await direct(x.raw, { contentType: header(x.req, 'content-type'), accept: x.accept, serverContext });
        if (answer) return answer;
      }
      return viaYoga(x, serverContext);
    },
    toStored: (a) => ('stream' in a ? null : { status: a.status, headers: withoutLength(a.headers), body: a.body }),
    answer: (x, a) => ('stream' in a ? pipeStream(x, a.stream) : send(x.res, a, x.headers)),
    fail(x, err) {
      const known = asAppError(err);
      if (!known || x.res.headersSent) throw err; // answered 500 (or the connection cut) by src/server/http.ts
      graphqlError(x.res, known, x.headers);
    },
  };

  return {
    surface,
    exchange: (req: IncomingMessage, res: ServerResponse, url: URL, requestId: string): GraphQLExchange => ({
      req, res, url, requestId, method: req.method ?? 'GET', headers: {}, versionHeader: null, presented: null, actor: null, raw: NO_BODY,
      accept: header(req, 'accept') ?? '',
    }),
  };
}

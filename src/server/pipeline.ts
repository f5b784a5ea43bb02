/**
 * The one HTTP pipeline that REST (src/rest/router.ts) and GraphQL over HTTP
 * (src/server/graphql-http.ts) both run. Each surface says what a step means
 * for it (a `Surface`); the order is written once, here:
 *
 *  0. request id (src/server/http.ts, before everything): every answer, a 404
 *     included, carries X-Request-Id, and the request's log line has it.
 *  1. route (REST): path refusals (`..`, `\`, bad percent-encoding, NUL) and the
 *     route table (404, 405 with Allow), before any header is read.
 *  2. version: an unknown Autousers-Version / API-Version is a 400 before the
 *     key is looked at; from here on every answer, errors included, echoes it.
 *  3. without a key: REST public routes, the GraphiQL page, CORS preflights.
 *     After the version (they echo it), before authentication.
 *  4. authenticate: 401 before anything that costs. A surface may name the
 *     caller of a request without a key itself (REST: EvalStudio local mode).
 *  5. rate limit, before the body is read: REST charges each request a point
 *     (its headers go on every later answer); GraphQL charges each operation
 *     by its cost inside the envelop pipeline (src/graphql/yoga.ts), so here it
 *     only refuses a key this process saw spend its budget: 429 before the
 *     body is read or parsed.
 *  6. authorize (REST): the route's scope, before the body and before any
 *     replay, so a key lacking it gets 403 missing_scope, never a stored answer.
 *  7. body: read up to BODY_LIMIT_BYTES (413), then checked (UTF-8, nesting
 *     before JSON.parse; REST parses it and checks its shape). Before
 *     idempotency: the request hash covers the body.
 *  8. idempotency (`Idempotency-Key`, src/server/idempotency.ts): `begin` binds
 *     the record to the key's id and scopes and replays only to a permitted key
 *     (403 idempotency_key_forbidden; 409 reused / in use); else the handler
 *     runs and its answer is stored before it is sent (a client that retries the
 *     moment it has the answer gets the replay). Nothing is kept (the record is
 *     released, so a retry runs) when the handler throws, when the answer is a
 *     stream (it cannot be replayed), or when it is a 429 (it never ran).
 *  9. handler, then the answer.
 * Any failure is answered by the surface (`fail`), in its own error shape.
 *
 * Hot path (a GraphQL POST without Idempotency-Key, src/graphql/direct.ts):
 * the steps are methods of a surface made once per server, one exchange object
 * per request, and a step that is synchronous for a surface is not awaited.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Actor, Deps } from '../context.js';
import { RateLimitError } from '../errors.js';
import { authenticate, presentedKey } from '../modules/auth/service.js';
import { header, readBody } from './request.js';
import { resolveVersion } from './versions.js';
import { requestHash, validateKey, type IdempotencyStore, type StoredResponse } from './idempotency.js';

/** One request on its way through the pipeline: what the steps have learnt so far. */
export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly requestId: string;
  readonly method: string;
  /** On every answer from the version step on: the version echo, then REST's rate-limit headers. */
  headers: Record<string, string>;
  /** A version header the path always answers with, even when the client sent none (REST's autousers family). */
  versionHeader: string | null;
  /** Set by authenticate. */
  presented: string | null;
  actor: Actor | null;
  /** Set by the body step (empty where no body is read). */
  raw: Buffer;
}

/** The body of a request whose body is not read (zero bytes: nothing can write to it). */
export const NO_BODY = Buffer.alloc(0);

/** What each step means for one surface (REST, GraphQL over HTTP); `R` is its handler's answer. */
export interface Surface<X extends Exchange, R> {
  /** 1. Path checks and route lookup (REST). */
  route?(x: X): void;
  /** 3. Answers a request that needs no key; null when it needs one. */
  withoutKey?(x: X): Promise<void> | null;
  /** 4. The caller of a request that presents no key, where the surface has one (EvalStudio local mode); null: the key decides. */
  keylessActor?(x: X): Actor | null;
  /** 5. Refuses (429) or charges; synchronous where the surface only checks. */
  rateLimit(x: X): Promise<void> | void;
  /** 6. Refuses a key that may not make this request at all (REST: the route's scope). */
  authorize?(x: X): void;
  /** 7. Whether a body is read, and its checks once read (may set parsed fields on the exchange). */
  readsBody(x: X): boolean;
  checkBody(x: X): void;
  /** 8. Whether an Idempotency-Key is honoured for this request. */
  idempotent(x: X): boolean;
  /** 9. Runs the request; what it answers with. */
  run(x: X): Promise<R>;
  /** What a replay answers with; null for a stream (nothing to replay). */
  toStored(r: R): StoredResponse | null;
  /** A stored response that could not be written: without this the error fails the request. */
  storeFailed?(x: X, err: unknown): void;
  answer(x: X, r: R): Promise<void> | void;
  /** Answers an error from any step, in the surface's shape (or rethrows it to http.ts). */
  fail(x: X, err: unknown): Promise<void> | void;
}

export class HttpPipeline {
  constructor(
    private readonly deps: Deps,
    private readonly idempotency: IdempotencyStore,
  ) {}

  /** Runs the steps in the order of the file comment. */
  async run<X extends Exchange, R>(s: Surface<X, R>, x: X): Promise<void> {
    try {
      s.route?.(x);
      apiVersion(x);
      const open = s.withoutKey?.(x);
      if (open) return await open;
      x.actor = s.keylessActor?.(x) ?? (await authenticateKey(this.deps, x));
      const charged = s.rateLimit(x);
      if (charged) await charged;
      s.authorize?.(x);
      if (s.readsBody(x)) x.raw = await readBody(x.req, this.deps.config.bodyLimitBytes);
      s.checkBody(x);
      const key = header(x.req, 'idempotency-key');
      if (key !== null && s.idempotent(x)) return await this.idempotently(s, x, key);
      const answered = s.answer(x, await s.run(x));
      if (answered) await answered;
    } catch (err) {
      const failed = s.fail(x, err);
      if (failed) await failed;
    }
  }

  /** 8. The one Idempotency-Key flow: begin → replay, or run → store (or release) → answer. */
  private async idempotently<X extends Exchange, R>(s: Surface<X, R>, x: X, key: string): Promise<void> {
    const { actor } = x;
    const begin = await this.idempotency.begin(
      { teamId: actor!.teamId, apiKeyId: actor!.keyId, scopes: actor!.scopes },
      validateKey(key),
      requestHash(x.method, x.url.pathname, x.raw),
    );
    if (begin.kind === 'replay') return replay(x, begin.response);
    let r: R;
    try {
      r = await s.run(x);
    } catch (err) {
      await this.idempotency.abandon(begin.recordId);
      throw err;
    }
    const stored = s.toStored(r);
    // A stream cannot be replayed, and a request the rate limit refused never ran: keep nothing, so a retry runs.
    if (!stored || stored.status === 429) await this.idempotency.abandon(begin.recordId);
    else if (s.storeFailed) await this.idempotency.complete(begin.recordId, stored).catch((err: unknown) => s.storeFailed!(x, err));
    else await this.idempotency.complete(begin.recordId, stored);
    await s.answer(x, r);
  }
}

/** 2. The API version: 400 unknown_api_version, else echoed on every later answer. */
export function apiVersion(x: Exchange): void {
  const version = resolveVersion({ autousers: header(x.req, 'autousers-version'), generic: header(x.req, 'api-version') });
  Object.assign(x.headers, version.echoHeaders);
  if (x.versionHeader && !x.headers[x.versionHeader]) x.headers[x.versionHeader] = version.version;
}

/** 4. The caller, from `Authorization: Bearer` or `X-API-Key`: 401 unless it is a valid key (not async: no extra promise). */
export function authenticateKey(deps: Deps, x: Exchange): Promise<Actor> {
  x.presented = presentedKey({ authorization: header(x.req, 'authorization'), apiKey: header(x.req, 'x-api-key') });
  return authenticate(deps, x.presented);
}

/** 5 (REST). Each request costs one point; its RateLimit headers go on every later answer. */
export async function chargeRequest(deps: Deps, x: Exchange): Promise<void> {
  const limit = await deps.rateLimiter.consume(x.actor!.keyId, x.actor!.rateLimitPerMinute, 1);
  Object.assign(x.headers, limit.headers);
  if (!limit.allowed) throw new RateLimitError(limit.headers);
}

/** 5 (GraphQL). Without spending or asking the store: 429 for a key that has spent this minute's budget. */
export function refuseSpentBudget(deps: Deps, x: Exchange): void {
  const spent = deps.rateLimiter.exhausted(x.actor!.keyId, x.actor!.rateLimitPerMinute);
  if (spent) throw new RateLimitError(spent.headers);
}

/** 8. A stored response, byte for byte, marked as a replay. */
function replay(x: Exchange, stored: StoredResponse): void {
  x.res.writeHead(stored.status, { ...x.headers, ...stored.headers, 'Idempotent-Replayed': 'true' });
  x.res.end(stored.body);
}

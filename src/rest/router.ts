/**
 * The REST compatibility layer, as a surface of the HTTP pipeline
 * (src/server/pipeline.ts, which GraphQL over HTTP runs too): finds the route,
 * then route → version → authenticate → rate limit (a point per request) → the
 * route's scope → body → idempotency → handler, and shapes every failure the
 * way the path's API family documents.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import FindMyWay from 'find-my-way';
import { requireScope, type Actor, type Deps, type ServiceContext } from '../context.js';
import { AppError, NotFoundError, ValidationError, isAppError } from '../errors.js';
import { header, readBody, parseJsonBody } from '../server/request.js';
import { assertText, describeTextProblem, textProblem } from '../server/request-text.js';
import type { StoredResponse } from '../server/idempotency.js';
import { chargeRequest, NO_BODY, type Exchange, type HttpPipeline, type Surface } from '../server/pipeline.js';
import type { LiveSessions } from '../modules/auth/live-sessions.js';
import { Metrics } from '../infra/metrics.js';
import { asAppError } from '../infra/db/errors.js';
import { errorBody, familyOf, type Family } from './families.js';
import type { Method, RestResult, Route, RouteScope } from './route.js';

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH']);

const noRaw = async (): Promise<Buffer> => Buffer.alloc(0);

interface RestExchange extends Exchange {
  readonly family: Family;
  /** The path exactly as sent (not decoded, not normalised). */
  readonly rawPath: string;
  route: Route | null;
  params: Record<string, string>;
  ctx: ServiceContext | null;
  /** The parsed JSON body (undefined for `rawBody` routes and empty bodies). */
  body: unknown;
}

/** 403 naming the scope (401 for an agent key) unless the key holds the route's scope, or one of its scopes. */
function requireRouteScope(ctx: ServiceContext, scope: RouteScope): void {
  if (scope === 'any' || scope === 'public') return;
  const wanted = [scope].flat();
  if (!wanted.some((s) => ctx.actor.scopes.has(s))) requireScope(ctx, wanted[0]!);
}

/** `watch` registers a streamed response with the key that opened it (ended when the key stops being valid). */
async function send(res: ServerResponse, result: RestResult, extraHeaders: Record<string, string>, watch?: (res: ServerResponse) => () => void): Promise<void> {
  for (const [k, v] of Object.entries({ ...extraHeaders, ...result.headers })) res.setHeader(k, v);
  if (result.stream) {
    res.writeHead(result.status);
    const forget = watch?.(res);
    try {
      await result.stream(res);
    } finally {
      forget?.();
    }
    return;
  }
  if (result.raw) {
    res.writeHead(result.status, { 'Content-Type': result.raw.contentType, 'Content-Length': result.raw.bytes.length });
    res.end(result.raw.bytes);
    return;
  }
  if (result.body === undefined) {
    res.writeHead(result.status);
    res.end();
    return;
  }
  const body = JSON.stringify(result.body);
  res.writeHead(result.status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export class RestRouter implements Surface<RestExchange, RestResult> {
  private readonly router = FindMyWay({ ignoreTrailingSlash: true, caseSensitive: true });
  private readonly routes: Route[] = [];

  constructor(
    private readonly deps: Deps,
    private readonly pipeline: HttpPipeline,
    private readonly sessions?: LiveSessions,
    /** EvalStudio local mode's caller (src/modules/auth/service.ts localModeActor); null when it is off. */
    private readonly evalStudioLocal: Actor | null = null,
  ) {}

  add(routes: Route[]): void {
    for (const route of routes) {
      this.router.on(route.method, route.path, () => {}, { route });
      this.routes.push(route);
    }
  }

  list(): readonly Route[] {
    return this.routes;
  }

  handle(req: IncomingMessage, res: ServerResponse, url: URL, requestId: string): Promise<void> {
    const family = familyOf(url.pathname);
    const x: RestExchange = {
      req, res, url, requestId, method: (req.method ?? 'GET').toUpperCase(), headers: {}, presented: null, actor: null, raw: NO_BODY,
      versionHeader: family === 'autousers' ? 'Autousers-Version' : null, // answered with, whether sent or not
      family, rawPath: (req.url ?? '').split('?')[0]!, route: null, params: {}, ctx: null, body: undefined,
    };
    return this.pipeline.run(this, x);
  }

  private errorResult(family: Family, err: unknown, requestId: string): RestResult {
    const known = asAppError(err);
    if (known) {
      if (!isAppError(err)) this.deps.log.warn({ err, requestId }, 'answered 503: the database is unreachable');
      return { status: known.httpStatus, body: errorBody(family, known, requestId), headers: known.headers };
    }
    this.deps.log.error({ err, requestId }, 'unhandled error in REST handler');
    return { status: 500, body: errorBody(family, null, requestId) };
  }

  route(x: RestExchange): void {
    const { rawPath, method } = x;
    const path = x.url.pathname;
    // URL parsing resolves "..", which would quietly turn a traversal attempt into another
    // route; a request that spells a ".." segment (plain or percent-encoded) is refused instead.
    if (/(^|\/)(\.|%2e){2}(\/|%2f|$)/i.test(rawPath)) {
      throw new ValidationError('invalid path: it contains ".."', 'path', 'invalid_path');
    }
    // Likewise URL parsing turns "\" into "/": refused rather than reinterpreted.
    if (rawPath.includes('\\')) throw new ValidationError('invalid path: it contains a backslash', 'path', 'invalid_path');
    // The router cannot match what does not decode (%ff, overlong %c0%ae, %u002e): say so rather than "no route".
    let decodedPath: string;
    try {
      decodedPath = decodeURIComponent(path);
    } catch {
      throw new ValidationError('invalid path: it contains malformed percent-encoding', 'path', 'invalid_path');
    }
    // Path segments and query values are request text like bodies (src/server/request-text.ts): NUL is refused here.
    // Worded as the router's other path refusals ("invalid path: it …"), with the text check's code.
    const pathProblem = textProblem(decodedPath);
    if (pathProblem) throw new ValidationError(`invalid path: it ${describeTextProblem(pathProblem)}`, 'path', 'invalid_text');
    for (const [name, value] of x.url.searchParams) {
      assertText(name, 'query');
      assertText(value, `query.${name}`);
    }
    const found = this.router.find(method as Method, path);
    if (!found) {
      const other = (['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const).filter((m) => this.router.find(m, path));
      if (other.length) {
        x.headers.Allow = other.join(', ');
        throw new AppError(`Method ${method} is not allowed on ${path}`, { code: 'method_not_allowed', httpStatus: 405, type: 'invalid_request_error' });
      }
      throw new NotFoundError(`No route for ${method} ${path}`, 'route_not_found');
    }
    x.route = (found.store as { route: Route }).route;
    Metrics.setRoute(x.res, x.route.path);
    // find-my-way has already percent-decoded the params; decoding again would turn %25 into a URIError (500).
    x.params = Object.fromEntries(Object.entries(found.params).map(([k, v]) => [k, String(v ?? '')]));
  }

  withoutKey(x: RestExchange): Promise<void> | null {
    return x.route!.scope === 'public' ? this.answerPublic(x) : null;
  }

  private async answerPublic(x: RestExchange): Promise<void> {
    // No key: an actor with no team and no scopes, so the handler has the deps but can reach no team's data.
    const anonymous: ServiceContext = { deps: this.deps, requestId: x.requestId, actor: { teamId: '', teamName: '', keyId: '', keyName: 'anonymous', keyPrefix: '', scopes: new Set(), rateLimitPerMinute: 0 } };
    const result = await x.route!.handler({ ctx: anonymous, params: x.params, query: x.url.searchParams, body: undefined, headers: x.req.headers, rawPath: x.rawPath, readRaw: noRaw });
    await send(x.res, result, x.headers);
  }

  /**
   * EvalStudio local mode: an EvalStudio request that presents no key acts as the configured team with the
   * EvalStudio scopes (then rate limit, scope, body and idempotency as for any key). A presented key is
   * checked as usual, and every other path still needs one.
   */
  keylessActor(x: RestExchange): Actor | null {
    if (!this.evalStudioLocal || x.family !== 'evalstudio') return null;
    if (header(x.req, 'authorization') !== null || header(x.req, 'x-api-key') !== null) return null;
    return this.evalStudioLocal;
  }

  rateLimit(x: RestExchange): Promise<void> {
    return chargeRequest(this.deps, x);
  }

  /** The route's scope, here, before the body and any idempotent replay (the service checks it again). */
  authorize(x: RestExchange): void {
    x.ctx = { deps: this.deps, actor: x.actor!, requestId: x.requestId };
    requireRouteScope(x.ctx, x.route!.scope);
  }

  readsBody(x: RestExchange): boolean {
    return !x.route!.rawBody;
  }

  checkBody(x: RestExchange): void {
    const route = x.route!;
    if (route.rawBody) return;
    const body = (x.body = parseJsonBody(x.raw, header(x.req, 'content-type') ?? undefined, this.deps.config.maxJsonDepth));
    if (WRITE_METHODS.has(x.method) && body !== undefined && (typeof body !== 'object' || body === null || (Array.isArray(body) && !route.acceptsArray))) {
      throw new ValidationError('Request body must be a JSON object', null, 'invalid_body');
    }
  }

  idempotent(x: RestExchange): boolean {
    return WRITE_METHODS.has(x.method) && !x.route!.rawBody && x.route!.idempotent !== false;
  }

  async run(x: RestExchange): Promise<RestResult> {
    const readRaw = (limit: number) => readBody(x.req, Math.min(limit, this.deps.config.bodyLimitBytes));
    try {
      return await x.route!.handler({ ctx: x.ctx!, params: x.params, query: x.url.searchParams, body: x.body, headers: x.req.headers, rawPath: x.rawPath, readRaw });
    } catch (err) {
      return this.errorResult(x.family, err, x.requestId);
    }
  }

  toStored(result: RestResult): StoredResponse | null {
    if (result.stream) return null;
    const body = result.raw || result.body === undefined ? '' : JSON.stringify(result.body);
    return { status: result.status, headers: { ...(body ? { 'Content-Type': 'application/json; charset=utf-8' } : {}), ...result.headers }, body };
  }

  /** The handler ran: it is answered even when its replay could not be kept. */
  storeFailed(x: RestExchange, err: unknown): void {
    this.deps.log.error({ err, requestId: x.requestId }, 'could not store idempotent response');
  }

  answer(x: RestExchange, result: RestResult): Promise<void> {
    // A stream opened with a key ends when the key stops being valid (EvalStudio local mode has no key to watch).
    const watch = this.sessions && x.presented !== null ? (r: ServerResponse) => this.sessions!.watchResponse(x.presented!, x.actor!, r) : undefined;
    return send(x.res, result, x.headers, watch);
  }

  async fail(x: RestExchange, err: unknown): Promise<void> {
    if (x.res.headersSent) {
      this.deps.log.error({ err, requestId: x.requestId }, 'error after response started');
      x.res.destroy();
      return;
    }
    await send(x.res, this.errorResult(x.family, err, x.requestId), x.headers);
  }
}

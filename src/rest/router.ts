/**
 * The REST compatibility layer: finds the route, then runs the same pipeline
 * for every path: authenticate → rate limit → the route's scope → body →
 * idempotency → handler, and shapes every failure the way the path's API family documents.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import FindMyWay from 'find-my-way';
import { requireScope, type Deps, type ServiceContext } from '../context.js';
import { AppError, NotFoundError, RateLimitError, ValidationError, isAppError } from '../errors.js';
import { authenticate, presentedKey } from '../modules/auth/service.js';
import { header, readBody, parseJsonBody } from '../server/request.js';
import { assertText, describeTextProblem, textProblem } from '../server/request-text.js';
import { IdempotencyStore, requestHash, validateKey } from '../server/idempotency.js';
import type { LiveSessions } from '../modules/auth/live-sessions.js';
import { resolveVersion } from '../server/versions.js';
import { Metrics } from '../infra/metrics.js';
import { asAppError } from '../infra/db/errors.js';
import { errorBody, familyOf, type Family } from './families.js';
import type { Method, RestResult, Route, RouteScope } from './route.js';

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH']);

const noRaw = async (): Promise<Buffer> => Buffer.alloc(0);

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

export class RestRouter {
  private readonly router = FindMyWay({ ignoreTrailingSlash: true, caseSensitive: true });
  private readonly routes: Route[] = [];

  constructor(
    private readonly deps: Deps,
    private readonly idempotency: IdempotencyStore,
    private readonly sessions?: LiveSessions,
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

  private errorResult(family: Family, err: unknown, requestId: string): RestResult {
    const known = asAppError(err);
    if (known) {
      if (!isAppError(err)) this.deps.log.warn({ err, requestId }, 'answered 503: the database is unreachable');
      return { status: known.httpStatus, body: errorBody(family, known, requestId), headers: known.headers };
    }
    this.deps.log.error({ err, requestId }, 'unhandled error in REST handler');
    return { status: 500, body: errorBody(family, null, requestId) };
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL, requestId: string): Promise<void> {
    const path = url.pathname;
    const family = familyOf(path);
    const method = (req.method ?? 'GET').toUpperCase() as Method;
    const headers: Record<string, string> = {};
    try {
      // URL parsing resolves "..", which would quietly turn a traversal attempt into another
      // route; a request that spells a ".." segment (plain or percent-encoded) is refused instead.
      const rawPath = (req.url ?? '').split('?')[0]!;
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
      for (const [name, value] of url.searchParams) {
        assertText(name, 'query');
        assertText(value, `query.${name}`);
      }
      const found = this.router.find(method, path);
      if (!found) {
        const other = (['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const).filter((m) => this.router.find(m, path));
        if (other.length) {
          headers.Allow = other.join(', ');
          throw new AppError(`Method ${method} is not allowed on ${path}`, { code: 'method_not_allowed', httpStatus: 405, type: 'invalid_request_error' });
        }
        throw new NotFoundError(`No route for ${method} ${path}`, 'route_not_found');
      }
      const route = (found.store as { route: Route }).route;
      Metrics.setRoute(res, route.path);
      // find-my-way has already percent-decoded the params; decoding again would turn %25 into a URIError (500).
      const params = Object.fromEntries(Object.entries(found.params).map(([k, v]) => [k, String(v ?? '')]));

      const version = resolveVersion({ autousers: header(req, 'autousers-version'), generic: header(req, 'api-version') });
      Object.assign(headers, version.echoHeaders);
      if (family === 'autousers' && !headers['Autousers-Version']) headers['Autousers-Version'] = version.version;

      if (route.scope === 'public') {
        // No key: an actor with no team and no scopes, so the handler has the deps but can reach no team's data.
        const anonymous: ServiceContext = { deps: this.deps, requestId, actor: { teamId: '', teamName: '', keyId: '', keyName: 'anonymous', keyPrefix: '', scopes: new Set(), rateLimitPerMinute: 0 } };
        await send(res, await route.handler({ ctx: anonymous, params, query: url.searchParams, body: undefined, headers: req.headers, rawPath: (req.url ?? '').split('?')[0]!, readRaw: noRaw }), headers);
        return;
      }

      const presented = presentedKey({ authorization: header(req, 'authorization'), apiKey: header(req, 'x-api-key') });
      const actor = await authenticate(this.deps, presented);
      const watch = this.sessions && ((r: ServerResponse) => this.sessions!.watchResponse(presented!, actor, r));
      const limit = await this.deps.rateLimiter.consume(actor.keyId, actor.rateLimitPerMinute, 1);
      Object.assign(headers, limit.headers);
      if (!limit.allowed) throw new RateLimitError(limit.headers);
      const ctx: ServiceContext = { deps: this.deps, actor, requestId };
      // The route's scope, here, before the body and any idempotent replay (the service checks it again).
      requireRouteScope(ctx, route.scope);

      const raw = route.rawBody ? Buffer.alloc(0) : await readBody(req, this.deps.config.bodyLimitBytes);
      const body = route.rawBody ? undefined : parseJsonBody(raw, header(req, 'content-type') ?? undefined, this.deps.config.maxJsonDepth);
      if (!route.rawBody && WRITE_METHODS.has(method) && body !== undefined && (typeof body !== 'object' || body === null || (Array.isArray(body) && !route.acceptsArray))) {
        throw new ValidationError('Request body must be a JSON object', null, 'invalid_body');
      }
      const readRaw = (limit: number) => readBody(req, Math.min(limit, this.deps.config.bodyLimitBytes));
      const run = async (): Promise<RestResult> => {
        try {
          return await route.handler({ ctx, params, query: url.searchParams, body, headers: req.headers, rawPath, readRaw });
        } catch (err) {
          return this.errorResult(family, err, requestId);
        }
      };

      const idemKey = header(req, 'idempotency-key');
      if (idemKey !== null && WRITE_METHODS.has(method) && !route.rawBody && route.idempotent !== false) {
        const key = validateKey(idemKey);
        const begin = await this.idempotency.begin({ teamId: actor.teamId, apiKeyId: actor.keyId, scopes: actor.scopes }, key, requestHash(method, path, raw));
        if (begin.kind === 'replay') {
          for (const [k, v] of Object.entries({ ...headers, ...begin.response.headers, 'Idempotent-Replayed': 'true' })) res.setHeader(k, v);
          res.writeHead(begin.response.status);
          res.end(begin.response.body);
          return;
        }
        let result: RestResult;
        try {
          result = await run();
        } catch (err) {
          await this.idempotency.abandon(begin.recordId);
          throw err;
        }
        if (result.stream) {
          // A stream cannot be replayed: the key is released and the stream answers as usual.
          await this.idempotency.abandon(begin.recordId);
          await send(res, result, headers, watch);
          return;
        }
        // Store before answering: a client that retries the moment it has the answer must get the replay.
        const body = result.raw || result.body === undefined ? '' : JSON.stringify(result.body);
        const stored: Record<string, string> = { ...(body ? { 'Content-Type': 'application/json; charset=utf-8' } : {}), ...result.headers };
        await this.idempotency
          .complete(begin.recordId, { status: result.status, headers: stored, body })
          .catch((err: unknown) => this.deps.log.error({ err, requestId }, 'could not store idempotent response'));
        await send(res, result, headers);
        return;
      }
      await send(res, await run(), headers, watch);
    } catch (err) {
      if (res.headersSent) {
        this.deps.log.error({ err, requestId }, 'error after response started');
        res.destroy();
        return;
      }
      await send(res, this.errorResult(family, err, requestId), headers);
    }
  }
}

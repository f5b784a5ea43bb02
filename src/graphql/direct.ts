/**
 * GraphQL over HTTP without the fetch-API round trip, for the common case: a
 * POST of one JSON operation (query or mutation) asking for JSON. It runs the
 * very same envelop pipeline as Yoga (`yoga.getEnveloped`: parser and
 * validation caches, rate limit, metrics, error masking), and shapes the
 * answer as Yoga would: errors go through Yoga's own result processor. Anything
 * else (GET, batches, uploads, SSE, @defer, CORS preflights and browsers'
 * cross-origin calls, parse or validation errors, subscriptions, extensions)
 * returns null and the caller hands the request to Yoga unchanged.
 *
 * Why: Yoga's node adapter builds a WHATWG Request and Response per call;
 * for a point lookup that costs more than the lookup itself (bench/README.md).
 */
import { getOperationAST, type ExecutionResult, type GraphQLError } from 'graphql';
import { isAsyncIterable, processRegularResult } from 'graphql-yoga';
import type { GraphQLServer, ServerContext } from './yoga.js';
import { rateLimitHeadersOf } from './yoga.js';
import { isLimitRefusal, serializedResult } from './limits.js';

export interface DirectAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const ALLOWED_KEYS = new Set(['query', 'variables', 'operationName']);

/** The media type Yoga would answer with for this Accept header; null where only Yoga knows (SSE, multipart, 406). */
export function acceptedMediaType(accept: string | null): 'application/json' | 'application/graphql-response+json' | null {
  if (!accept) return 'application/json';
  for (const part of accept.split(',')) {
    const type = part.split(';')[0]!.trim().toLowerCase();
    if (type === 'application/graphql-response+json') return type;
    if (type === 'application/json' || type === '*/*' || type === 'application/*') return 'application/json';
    if (type === 'text/event-stream' || type === 'multipart/mixed') return null;
  }
  return null;
}

export function createDirectGraphQL(yoga: GraphQLServer) {
  return async function direct(
    raw: Buffer,
    opts: { contentType: string | null; accept: string | null; serverContext: ServerContext },
  ): Promise<DirectAnswer | null> {
    if (!opts.contentType || !/^application\/json\b/i.test(opts.contentType)) return null;
    const media = acceptedMediaType(opts.accept);
    if (!media) return null;
    let params: { query?: unknown; variables?: unknown; operationName?: unknown };
    try {
      params = JSON.parse(raw.toString('utf8'));
    } catch {
      return null;
    }
    if (!params || typeof params !== 'object' || Array.isArray(params)) return null;
    for (const k of Object.keys(params)) if (!ALLOWED_KEYS.has(k)) return null;
    const { query, variables, operationName } = params;
    if (typeof query !== 'string' || query.includes('@defer') || query.includes('@stream')) return null;
    if (variables != null && (typeof variables !== 'object' || Array.isArray(variables))) return null;
    if (operationName != null && typeof operationName !== 'string') return null;

    const request = { method: 'POST' };
    const { parse, validate, contextFactory, execute, schema } = yoga.getEnveloped({
      ...opts.serverContext,
      request,
      params: { query, variables: variables as Record<string, unknown> | undefined, operationName: operationName ?? undefined },
    } as never);
    // Errors: Yoga's own processor decides the status (extensions.http, 500 for unexpected errors) and strips internals.
    const withErrors = async (result: ExecutionResult, headers: Record<string, string> = {}): Promise<DirectAnswer> => {
      const response = processRegularResult(result, yoga.fetchAPI, media);
      response.headers.forEach((v, k) => (headers[k] = v));
      return { status: response.status, headers, body: await response.text() };
    };
    // A document a limit refuses (limits.ts) is answered here, 400 as Yoga answers it (request-shape.ts):
    // handing it to Yoga would parse and validate it again.
    const refused = async (errors: GraphQLError[]): Promise<DirectAnswer> => ({ ...(await withErrors({ errors })), status: 400 });
    let document;
    try {
      document = parse(query);
    } catch (err) {
      if (isLimitRefusal(err)) return refused([err as GraphQLError]);
      return null; // Yoga words the syntax error
    }
    const op = getOperationAST(document, operationName ?? undefined);
    if (!op || op.operation === 'subscription') return null;
    const invalid = validate(schema, document);
    if (invalid.some(isLimitRefusal)) return refused([...invalid]);
    if (invalid.length) return null; // Yoga words the validation errors, with its status rules
    const contextValue = await contextFactory();
    const result = (await execute({
      schema,
      document,
      contextValue,
      variableValues: (variables ?? undefined) as Record<string, unknown> | undefined,
      operationName: operationName ?? undefined,
    })) as ExecutionResult;
    if (isAsyncIterable(result)) return null; // cannot happen without @defer/@stream; Yoga would answer 406
    const headers: Record<string, string> = { ...rateLimitHeadersOf(request) };
    if (!result.errors?.length && !result.extensions) {
      headers['Content-Type'] = `${media}; charset=utf-8`;
      return { status: 200, headers, body: serializedResult(result) }; // the size check (limits.ts) serialized it already
    }
    return withErrors(result, headers);
  };
}

export type DirectGraphQL = ReturnType<typeof createDirectGraphQL>;

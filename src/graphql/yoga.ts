/**
 * GraphQL over HTTP and SSE (graphql-yoga), with the envelop plugins the
 * websocket path shares: per-operation rate limiting and error masking.
 * The caller is authenticated before yoga runs and arrives in the server context.
 */
import { createYoga, type Plugin, type YogaInitialContext } from 'graphql-yoga';
import { useGraphQlJit } from '@envelop/graphql-jit';
import { GraphQLError, getOperationAST, type DocumentNode } from 'graphql';
import type { Actor, Deps } from '../context.js';
import { AppError, RateLimitError, isAppError } from '../errors.js';
import type { GraphQLContext } from './builder.js';
import { useSharedSubscriptions } from './shared-subscriptions.js';
import { schema } from './schema.js';
import { asAppError, isDatabaseUnavailable } from '../infra/db/errors.js';
import { useTextGuard } from './text-guard.js';
import { costMessage, isLimitRefusal, limitError, operationCost, useQueryLimits } from './limits.js';
import { useRequestShape, corsOptions } from './request-shape.js';

export interface ServerContext {
  actor: Actor;
  requestId: string;
}

const rateHeaders = new WeakMap<object, Record<string, string>>();

/** The rate-limit headers the operation limiter set for this request (src/graphql/direct.ts answers without Yoga's onResponse). */
export function rateLimitHeadersOf(request: object): Record<string, string> {
  return rateHeaders.get(request) ?? {};
}

/**
 * Charges every executed operation by its cost (src/graphql/limits.ts): ceil(cost / GRAPHQL_COST_PER_RATE_UNIT),
 * at least 1, so an alias bomb or a wide nested page pays for what it asks; a batch of N pays for each. An
 * operation over GRAPHQL_MAX_COST is refused with 400 before it runs (and charged GRAPHQL_REFUSAL_RATE_POINTS,
 * as a document the other limits refuse); each websocket subscription pays once, when it starts.
 */
export function useOperationRateLimit(deps: Deps): Plugin<GraphQLContext & Partial<YogaInitialContext>> {
  const limits = deps.config.graphqlLimits;
  const check = async (
    ctx: GraphQLContext & Partial<YogaInitialContext>,
    args: { schema: import('graphql').GraphQLSchema; document: DocumentNode; variableValues?: unknown; operationName?: string | null },
  ): Promise<GraphQLError | null> => {
    const cost = operationCost(limits, args.schema, args.document, args.variableValues as Record<string, unknown> | undefined, args.operationName);
    const tooCostly = cost > limits.maxCost;
    const points = tooCostly ? limits.refusalRatePoints : Math.max(1, Math.ceil(cost / limits.costPerRateUnit));
    const decision = await deps.rateLimiter.consume(ctx.actor.keyId, ctx.actor.rateLimitPerMinute, points);
    if (ctx.request) rateHeaders.set(ctx.request, decision.headers);
    if (tooCostly) return limitError(costMessage(limits, cost), 'query_too_costly');
    if (!decision.allowed) return limited(new RateLimitError(decision.headers));
    return null;
  };
  const limited = (err: AppError) =>
    new GraphQLError(err.message, { extensions: { code: err.code, http: { status: 429, headers: err.headers } } });
  // A document refused by a limit (tokens while parsing; depth, aliases, directives while validating) never
  // executes, yet parsing and validating it cost the server: it spends GRAPHQL_REFUSAL_RATE_POINTS, so a key
  // sending abusive documents runs out of budget and then gets 429 before its next body is parsed (src/server/pipeline.ts).
  const chargeRefusal = (ctx: Partial<GraphQLContext>) => {
    if (!ctx.actor) return;
    deps.rateLimiter
      .consume(ctx.actor.keyId, ctx.actor.rateLimitPerMinute, limits.refusalRatePoints)
      .catch((err: unknown) => deps.log.warn({ err }, 'could not charge a refused GraphQL document to its key'));
  };
  return {
    onParse({ context }) {
      return ({ result }) => {
        if (isLimitRefusal(result)) chargeRefusal(context as Partial<GraphQLContext>);
      };
    },
    onValidate({ context }) {
      return ({ result }) => {
        if (result.some(isLimitRefusal)) chargeRefusal(context as Partial<GraphQLContext>);
      };
    },
    async onExecute({ args, setResultAndStopExecution }) {
      const err = await check(args.contextValue, args);
      if (err) setResultAndStopExecution({ errors: [err] });
    },
    async onSubscribe({ args, setResultAndStopExecution }) {
      const err = await check(args.contextValue, args);
      if (err) setResultAndStopExecution({ errors: [err] });
    },
    onResponse({ request, response }) {
      const headers = rateHeaders.get(request);
      if (headers) for (const [k, v] of Object.entries(headers)) response.headers.set(k, v);
    },
  };
}

const seenOperationNames = new Set<string>();
const MAX_OPERATION_NAMES = 200;

/** A bounded label for an operation: its name (the first 200 distinct ones), else "anonymous" or "other". */
function operationLabel(document: DocumentNode, operationName: string | null | undefined): { operation: string; type: string } {
  const op = getOperationAST(document, operationName);
  const type = op?.operation ?? 'query';
  const name = op?.name?.value;
  if (!name || !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) return { operation: 'anonymous', type };
  if (!seenOperationNames.has(name)) {
    if (seenOperationNames.size >= MAX_OPERATION_NAMES) return { operation: 'other', type };
    seenOperationNames.add(name);
  }
  return { operation: name, type };
}

/** Prometheus metrics of operations (count, outcome, duration) and of live subscriptions, over HTTP and websockets. */
export function useMetrics(deps: Deps): Plugin<GraphQLContext> {
  return {
    onExecute({ args }) {
      const started = performance.now();
      const label = operationLabel(args.document, args.operationName);
      return {
        onExecuteDone({ result }) {
          const errors = result && typeof result === 'object' && 'errors' in result && (result as { errors?: unknown[] }).errors?.length;
          deps.metrics.graphqlOperations.inc({ ...label, outcome: errors ? 'error' : 'ok' });
          deps.metrics.graphqlDuration.observe(label, (performance.now() - started) / 1000);
        },
      };
    },
    onSubscribe({ args }) {
      const label = operationLabel(args.document, args.operationName);
      deps.metrics.graphqlOperations.inc({ ...label, outcome: 'ok' });
      deps.metrics.subscriptions.inc();
      let ended = false;
      const end = () => {
        if (!ended) (ended = true), deps.metrics.subscriptions.dec();
      };
      return {
        onSubscribeResult: ({ result }) => {
          if (!(result && typeof result === 'object' && Symbol.asyncIterator in result)) {
            end();
            return undefined;
          }
          return { onEnd: end };
        },
        onSubscribeError: end,
      };
    },
  };
}

function isUnexpected(error: GraphQLError): boolean {
  const original = error.originalError;
  return !!original && !isAppError(original) && !(original instanceof GraphQLError) && !isDatabaseUnavailable(original);
}

/** Logs every error that is a bug (not an AppError) with the request id, over HTTP and websockets alike. */
export function useLogUnexpectedErrors(deps: Deps): Plugin<GraphQLContext> {
  const log = (ctx: GraphQLContext, errors: readonly GraphQLError[] | undefined) => {
    for (const error of errors ?? []) {
      if (isUnexpected(error)) {
        deps.log.error({ err: error.originalError, path: error.path, requestId: ctx.requestId }, 'unexpected error in GraphQL execution');
      }
    }
  };
  const onResult = (ctx: GraphQLContext) => ({
    onExecuteDone: ({ result }: { result: unknown }) => {
      if (result && typeof result === 'object' && 'errors' in result) log(ctx, (result as { errors?: GraphQLError[] }).errors);
      if (result && typeof result === 'object' && Symbol.asyncIterator in result) {
        return { onNext: ({ result: r }: { result: unknown }) => log(ctx, (r as { errors?: GraphQLError[] }).errors) };
      }
      return undefined;
    },
  });
  return {
    onExecute: ({ args }) => onResult(args.contextValue),
    onSubscribe: ({ args }) => ({
      onSubscribeResult: ({ result }) => {
        if (result && typeof result === 'object' && 'errors' in result) log(args.contextValue, (result as { errors?: GraphQLError[] }).errors);
        return { onNext: ({ result: r }) => log(args.contextValue, (r as { errors?: GraphQLError[] }).errors) };
      },
      onSubscribeError: ({ error }) => {
        if (error instanceof GraphQLError) log(args.contextValue, [error]);
        else if (!isAppError(error)) deps.log.error({ err: error, requestId: args.contextValue.requestId }, 'unexpected error in a subscription');
      },
    }),
  };
}

/**
 * Every error answers a code: a request error without one (a variable missing or of the wrong type; Yoga gives
 * parse and validation errors GRAPHQL_PARSE_FAILED / GRAPHQL_VALIDATION_FAILED) gets BAD_USER_INPUT.
 */
function withCode(error: GraphQLError): GraphQLError {
  if (error.extensions?.code) return error;
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, extensions: { ...error.extensions, code: 'BAD_USER_INPUT' } });
}

/** AppErrors keep their message and code; anything else is masked (and logged by useLogUnexpectedErrors). */
export function maskError(deps: Deps) {
  return (error: unknown, message: string): Error => {
    const original = error instanceof GraphQLError ? (error.originalError ?? null) : error;
    if (error instanceof GraphQLError && !original) return withCode(error); // parse/validation errors are safe
    // A variable that does not coerce (`$e` "BINARY" for an enum, "many" for an Int): graphql-js wraps the scalar's
    // error in one that names the variable and where it is declared; that outer error is the one to answer.
    if (error instanceof GraphQLError && original instanceof GraphQLError && !error.path && !original.extensions?.code) return withCode(error);
    if (original instanceof GraphQLError) return original;
    const known = asAppError(original);
    if (known) {
      // A dependency that is away (503) makes the whole answer a 503 with Retry-After, as in REST; Yoga strips `http` from the body.
      const http = known.httpStatus === 503 ? { http: { status: 503, headers: known.headers } } : {};
      return new GraphQLError(known.message, {
        path: error instanceof GraphQLError ? error.path : undefined,
        extensions: { code: known.code, type: known.type, ...(known.param ? { param: known.param } : {}), ...http },
      });
    }
    // Logged with the request id by useLogUnexpectedErrors, which sees the error before this masks it.
    return new GraphQLError(message, {
      path: error instanceof GraphQLError ? error.path : undefined,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  };
}

export function createGraphQL(deps: Deps) {
  return createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    batching: { limit: 20 },
    // Parsed documents and validation results are cached; parse errors are not: Yoga would rethrow a cached one
    // before any other plugin's parse hook runs, and a document the token limit refuses must be charged to its key
    // each time (useOperationRateLimit). Re-parsing it is cheap: the parser stops at GRAPHQL_MAX_TOKENS.
    parserAndValidationCache: { errorCache: { get: () => undefined, set: () => {} } },
    logging: false,
    landingPage: false,
    maskedErrors: { maskError: maskError(deps) },
    // GraphiQL is served by src/server/graphiql.ts (its files separate, compressed and cached), not by Yoga.
    graphiql: false,
    // Browsers: `*` without credentials unless CORS_ORIGINS names the origins allowed with credentials.
    cors: corsOptions(deps.config.corsOrigins),
    context: ({ actor, requestId }) => ({ deps, actor, requestId }),
    plugins: [
      // Bodies that are not GraphQL requests ([] , forms, multipart without operations) get 400.
      useRequestShape(),
      // Tokens, depth, aliases, directives, answer size: before the operation runs (limits.ts).
      ...(useQueryLimits(deps.config.graphqlLimits) as Plugin<GraphQLContext>[]),
      useOperationRateLimit(deps),
      useTextGuard(deps), // NUL, lone surrogates and deep nesting in variables and literals: 400 naming the field
      useLogUnexpectedErrors(deps),
      useMetrics(deps),
      // Queries run as compiled code (graphql-jit), cached per document: large nested answers resolve several
      // times faster. Mutations keep graphql-js, whose serial field order and error paths they rely on.
      useGraphQlJit({}, { enableIf: (args) => getOperationAST(args.document, args.operationName)?.operation === 'query' }),
      // Last: identical subscriptions share one stream and one execution per event (shared-subscriptions.ts).
      useSharedSubscriptions(),
    ],
  });
}

export type GraphQLServer = ReturnType<typeof createGraphQL>;

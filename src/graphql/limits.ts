/**
 * Limits on what one GraphQL operation may ask for, shared by every transport
 * (the HTTP fast path in direct.ts, Yoga's HTTP handler with batches and GET,
 * and graphql-ws), because they are envelop plugins in Yoga's plugin list:
 *
 *  - size of the document: tokens (refused while parsing, before a large
 *    document is built), depth, aliases and directives (validation rules) —
 *    GraphQL Armor's plugins, configured;
 *  - cost: graphql-query-complexity with an estimator where a list multiplies
 *    what is selected under it by its page size (`first`/`last`/`limit`, or
 *    the list size assumed for an unbounded list), computed per operation with
 *    its variables before it runs; the rate limiter charges by it (yoga.ts);
 *  - the answer: the list items an operation resolves are counted while it
 *    runs, and once over the cap every further list field fails at once (no
 *    more rows are loaded); a serialized answer over the byte cap is replaced
 *    by one error.
 *
 * A refused operation answers HTTP 400 with one error whose message names the
 * limit and whose `extensions.code` says which.
 */
import type { Plugin } from '@envelop/core';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import {
  GraphQLError,
  GraphQLObjectType,
  Kind,
  defaultFieldResolver,
  getOperationAST,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type TypeNode,
  type ValidationContext,
} from 'graphql';
import { AppError } from '../errors.js';
import type { Config } from '../config.js';

/** The limits as configured (src/config.ts, GRAPHQL_* variables). */
export type GraphQLLimits = Config['graphqlLimits'];

export type LimitCode = 'query_too_deep' | 'too_many_aliases' | 'too_many_tokens' | 'too_many_directives' | 'query_too_costly' | 'response_too_large';

const LIMIT_CODES: ReadonlySet<string> = new Set<LimitCode>(['query_too_deep', 'too_many_aliases', 'too_many_tokens', 'too_many_directives', 'query_too_costly', 'response_too_large']);

/** Whether an error is one of these limits refusing a document (as opposed to a syntax or schema mistake). */
export function isLimitRefusal(error: unknown): boolean {
  return error instanceof GraphQLError && LIMIT_CODES.has(String(error.extensions?.code));
}

/** A request GraphQL refuses for its size; 400 (AppError, so it keeps its words through masking). */
export class QueryLimitError extends AppError {
  override name = 'QueryLimitError';
  constructor(message: string, code: LimitCode) {
    super(message, { code, httpStatus: 400, type: 'invalid_request_error' });
  }
}

/** The GraphQL error of a refused operation: Yoga (and direct.ts through Yoga's result processor) answers its `http.status`. */
export function limitError(message: string, code: LimitCode): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status: 400, spec: false } } });
}

/** Armor reports "Syntax Error: Query depth limit of 6 exceeded, found 7."; keep the words, add the code and the status. */
const armorRejection = (code: LimitCode) => (ctx: ValidationContext | null, err: GraphQLError) => {
  const error = limitError(err.message.replace(/^Syntax Error: /, ''), code);
  if (ctx) ctx.reportError(error);
  else throw error; // the token limit runs inside the parser: its error is the parse error
};

const PAGE_ARGS = ['first', 'last', 'limit'] as const;
/** Pothos relay's defaults (maxSize caps `first`/`last`). */
const CONNECTION_DEFAULT = 20;
const CONNECTION_MAX = 100;

function isConnection(type: unknown): type is GraphQLObjectType {
  return type instanceof GraphQLObjectType && type.name.endsWith('Connection') && 'edges' in type.getFields();
}

function pageSize(args: Record<string, unknown>, fallback: number, max = Infinity): number {
  for (const name of PAGE_ARGS) {
    const v = args[name];
    if (typeof v === 'number' && Number.isFinite(v)) return Math.max(0, Math.min(v, max));
  }
  return fallback;
}

/**
 * The cost model: every object (or list element) resolved costs 1, a scalar
 * costs nothing; a list of objects multiplies its element's cost by its page
 * size, a connection its edges' cost by `first`/`last` (default 20, at most 100).
 */
export function costEstimator(defaultListSize: number): ComplexityEstimator {
  return ({ type, field, args, childComplexity }) => {
    const returned = getNullableType(field.type);
    const named = getNamedType(field.type);
    if (!isCompositeType(named)) return 0;
    // edges / nodes of a connection: the connection field already multiplied by its page size.
    if (isConnection(type) && (field.name === 'edges' || field.name === 'nodes')) return childComplexity;
    if (isConnection(returned)) return 1 + pageSize(args, CONNECTION_DEFAULT, CONNECTION_MAX) * childComplexity;
    if (isListType(returned)) return pageSize(args, defaultListSize) * (1 + childComplexity);
    return 1 + childComplexity;
  };
}

/**
 * The variables an operation's cost can depend on: the estimator reads page sizes (`first`/`last`/`limit`,
 * Int) and getComplexity follows `@skip`/`@include` (Boolean). Variables of any other type (ids, strings,
 * input objects: none of them can hold a page size or a directive's condition) leave the cost unchanged.
 */
const costVariables = new WeakMap<DocumentNode, Map<string, string[]>>();
function variablesThatCost(document: DocumentNode, operationName: string | null | undefined): string[] {
  let byOperation = costVariables.get(document);
  if (!byOperation) costVariables.set(document, (byOperation = new Map()));
  const key = operationName ?? '';
  let names = byOperation.get(key);
  if (!names) {
    const op = getOperationAST(document, operationName ?? undefined);
    names = (op?.variableDefinitions ?? [])
      .filter((d) => {
        let t: TypeNode = d.type;
        while (t.kind !== Kind.NAMED_TYPE) t = t.type;
        return t.name.value === 'Int' || t.name.value === 'Boolean';
      })
      .map((d) => d.variable.name.value);
    byOperation.set(key, names);
  }
  return names;
}

/** Computed costs per parsed document (the parser cache hands out the same DocumentNode for the same text). */
const costs = new WeakMap<DocumentNode, Map<string, number>>();
/** Distinct (operation, page sizes) remembered per document: past this, costs of that document are computed each time. */
const COSTS_PER_DOCUMENT = 64;

/**
 * The cost of the operation that will run, with its variables. Variables that do not coerce fail in execution,
 * not here. The same document with the same page sizes and conditions costs the same: that cost is
 * remembered per document (a point lookup repeated with other ids walks its document once), so a known
 * operation is charged exactly what a fresh computation would charge.
 */
export function operationCost(
  limits: GraphQLLimits,
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | null | undefined,
  operationName: string | null | undefined,
): number {
  const names = variablesThatCost(document, operationName);
  const key = `${limits.defaultListSize}|${limits.maxTokens}|${operationName ?? ''}|${names.length ? JSON.stringify(names.map((n) => variables?.[n])) : ''}`;
  let known = costs.get(document);
  const hit = known?.get(key);
  if (hit !== undefined) return hit;
  const cost = computeCost(limits, schema, document, variables, operationName);
  if (!known) costs.set(document, (known = new Map()));
  if (known.size < COSTS_PER_DOCUMENT) known.set(key, cost);
  return cost;
}

function computeCost(
  limits: GraphQLLimits,
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | null | undefined,
  operationName: string | null | undefined,
): number {
  try {
    return getComplexity({
      schema,
      query: document,
      variables: variables ?? undefined,
      operationName: operationName ?? undefined,
      estimators: [costEstimator(limits.defaultListSize)],
      // The token limit already bounds the document; fragments spread many times still count each time.
      maxQueryNodes: Math.max(10_000, limits.maxTokens * 10),
    });
  } catch (err) {
    if (err instanceof GraphQLError && /maximum nodes/i.test(err.message)) return Infinity;
    return 1;
  }
}

// ---------------------------------------------------------------------------
// Answer size: list items counted while resolving, bytes once serialized.

interface Budget {
  items: number;
  max: number;
  exceeded: boolean;
}
const budgets = new WeakMap<object, Budget>();
const wrapped = new WeakSet<object>();

function itemsError(max: number) {
  return new QueryLimitError(
    `The response would hold more than ${max} list items (GRAPHQL_MAX_LIST_ITEMS); ask for fewer items or smaller pages`,
    'response_too_large',
  );
}

/**
 * Wraps the resolvers of list fields (once per schema object; the budget of
 * each operation carries its server's cap) to count the items each operation
 * resolves. Once over, every later list field of that operation fails before
 * it loads anything, so a runaway nesting stops growing.
 */
function countListItems(schema: GraphQLSchema) {
  if (wrapped.has(schema)) return;
  wrapped.add(schema);
  for (const type of Object.values(schema.getTypeMap())) {
    if (!(type instanceof GraphQLObjectType) || type.name.startsWith('__')) continue;
    if (type === schema.getSubscriptionType()) continue; // a subscription field's resolver maps events, not lists
    for (const field of Object.values(type.getFields())) {
      if (!isListType(getNullableType(field.type)) || !isCompositeType(getNamedType(field.type))) continue;
      const resolve = field.resolve ?? defaultFieldResolver;
      const count = (ctx: object, value: unknown) => {
        if (!Array.isArray(value)) return value;
        const budget = budgets.get(ctx);
        if (!budget) return value;
        budget.items += value.length;
        if (budget.items > budget.max) {
          budget.exceeded = true;
          throw itemsError(budget.max);
        }
        return value;
      };
      field.resolve = (source, args, ctx, info) => {
        const budget = budgets.get(ctx);
        if (budget?.exceeded) throw itemsError(budget.max);
        const value = resolve(source, args, ctx, info);
        return value && typeof (value as PromiseLike<unknown>).then === 'function'
          ? Promise.resolve(value).then((v) => count(ctx, v))
          : count(ctx, value);
      };
    }
  }
}

const serialized = new WeakMap<object, string>();

/** The JSON the size check made of this result, so the HTTP fast path does not serialize it twice. */
export function serializedResult(result: ExecutionResult): string {
  return serialized.get(result) ?? JSON.stringify(result);
}

function usePerOperationAnswerLimits(limits: GraphQLLimits): Plugin<Record<string, unknown>> {
  const tooLarge = (what: string) => ({ errors: [limitError(what, 'response_too_large')] });
  return {
    onSchemaChange({ schema }) {
      countListItems(schema);
    },
    onExecute({ args }) {
      // One budget per context: per operation, or per request where a batch shares one.
      const ctx = args.contextValue as object;
      let budget = budgets.get(ctx);
      if (!budget) budgets.set(ctx, (budget = { items: 0, max: limits.maxListItems, exceeded: false }));
      const b = budget;
      return {
        onExecuteDone({ result, setResult }) {
          if (!result || typeof result !== 'object' || Symbol.asyncIterator in result) return;
          const r = result as ExecutionResult;
          if (b.exceeded) return setResult(tooLarge(itemsError(b.max).message));
          const body = JSON.stringify(r);
          // String length is UTF-16 units: at most the byte count, and a third of it at worst.
          if (body.length > limits.maxResponseBytes || (body.length * 3 > limits.maxResponseBytes && Buffer.byteLength(body) > limits.maxResponseBytes)) {
            return setResult(tooLarge(`The response would exceed ${limits.maxResponseBytes} bytes (GRAPHQL_MAX_RESPONSE_BYTES); ask for fewer fields or smaller pages`));
          }
          serialized.set(r, body);
        },
      };
    },
  };
}

/** The plugins, in order: document limits (parse, validate), then the answer's limits around execution. */
export function useQueryLimits(limits: GraphQLLimits): Plugin<Record<string, unknown>>[] {
  const common = { exposeLimits: true, propagateOnRejection: false } as const;
  return [
    maxTokensPlugin({ n: limits.maxTokens, exposeLimits: true, onReject: [armorRejection('too_many_tokens')] }) as Plugin,
    maxDepthPlugin({ ...common, n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: true, onReject: [armorRejection('query_too_deep')] }) as Plugin,
    maxAliasesPlugin({ ...common, n: limits.maxAliases, onReject: [armorRejection('too_many_aliases')] }) as Plugin,
    maxDirectivesPlugin({ ...common, n: limits.maxDirectives, onReject: [armorRejection('too_many_directives')] }) as Plugin,
    usePerOperationAnswerLimits(limits),
  ];
}

/** The message of an operation over the cost limit. */
export function costMessage(limits: GraphQLLimits, cost: number): string {
  const found = Number.isFinite(cost) ? `, found ${cost}` : '';
  return `Query cost limit of ${limits.maxCost} exceeded${found} (GRAPHQL_MAX_COST): each list multiplies the cost of what it selects by its page size (first/last/limit, else ${limits.defaultListSize})`;
}

/**
 * GraphQL's side of the request-text check (src/server/request-text.ts):
 * before an operation executes or subscribes, its variables and the string
 * literals written in the document are checked for NUL, lone surrogates and
 * nesting past MAX_JSON_DEPTH. An envelop plugin, so one check covers every
 * transport: HTTP (src/graphql/direct.ts and Yoga), SSE and graphql-ws.
 * Refused with a 400 whose error names the field: `variables.input.name`,
 * or `document.createPersona.input.name` for a literal.
 */
import { GraphQLError, Kind, visit, type ASTNode, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Deps } from '../context.js';
import { isAppError, type AppError } from '../errors.js';
import { assertCleanValue, graphqlDepthExceeds, invalidTextError, textProblem } from '../server/request-text.js';

/** Where a string literal sits: the field (alias) and argument / input-object field names above it. */
function literalPath(ancestors: readonly (ASTNode | readonly ASTNode[])[]): string {
  const parts: string[] = [];
  for (const a of ancestors) {
    if (Array.isArray(a)) continue;
    const node = a as ASTNode;
    if (node.kind === Kind.FIELD) parts.push((node.alias ?? node.name).value);
    else if (node.kind === Kind.ARGUMENT || node.kind === Kind.OBJECT_FIELD) parts.push(node.name.value);
  }
  return ['document', ...parts].join('.');
}

/** Documents whose literals were all found clean (the parser cache hands out the same DocumentNode for the same text). */
const cleanDocuments = new WeakSet<DocumentNode>();

/** Throws for the first string literal in the document that is not storable text; a document is walked until it passes once. */
function assertCleanDocument(document: DocumentNode): void {
  if (cleanDocuments.has(document)) return;
  visit(document, {
    StringValue(node, _key, parent, _path, ancestors) {
      const problem = textProblem(node.value);
      if (problem) throw invalidTextError(literalPath(parent ? [...ancestors, parent] : ancestors), problem);
    },
  });
  cleanDocuments.add(document);
}

function refusal(err: AppError): GraphQLError {
  return new GraphQLError(err.message, {
    extensions: { code: err.code, type: err.type, ...(err.param ? { param: err.param } : {}), http: { status: err.httpStatus } },
  });
}

function check(deps: Deps, document: DocumentNode, variables: unknown): GraphQLError | null {
  try {
    assertCleanValue(variables ?? null, 'variables', deps.config.maxJsonDepth);
    assertCleanDocument(document);
    return null;
  } catch (err) {
    if (isAppError(err)) return refusal(err);
    throw err;
  }
}

export function useTextGuard(deps: Deps): Plugin {
  const maxDepth = deps.config.maxJsonDepth;
  return {
    // Before graphql-js parses (recursively): a document nested thousands deep would overflow its stack (an "Unexpected error").
    onParse({ params }) {
      const source = typeof params.source === 'string' ? params.source : params.source.body;
      if (graphqlDepthExceeds(source, maxDepth)) {
        throw new GraphQLError(`The document is nested deeper than the limit of ${maxDepth} levels of brackets (MAX_JSON_DEPTH)`, {
          extensions: { code: 'document_too_deep', http: { status: 400 } },
        });
      }
    },
    onExecute({ args, setResultAndStopExecution }) {
      const error = check(deps, args.document, args.variableValues);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = check(deps, args.document, args.variableValues);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}

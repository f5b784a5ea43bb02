/**
 * What /graphql accepts over HTTP, and from which browser origins.
 *
 * Requests: a JSON POST (one operation or a non-empty batch), a GET with
 * `query`, or a multipart POST with its `operations` field. Anything else
 * (a form-encoded body, an empty batch `[]`, multipart without operations)
 * is answered 400 with a message saying what is expected, where Yoga alone
 * would run it or answer 200 with an error.
 *
 * CORS (Yoga's `cors` option): closed by default — no Access-Control-Allow-*
 * headers, so no origin is reflected and nothing is allowed with credentials
 * (Yoga's own default reflects any origin with credentials). CORS_ORIGINS
 * lists the browser origins that are answered with their own origin and
 * `Access-Control-Allow-Credentials: true`; other origins get no CORS headers.
 */
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { GraphQLError } from 'graphql';

const badRequest = (message: string) => createGraphQLError(message, { extensions: { code: 'invalid_graphql_request', http: { status: 400 } } });

const LIMIT_CODES = new Set(['query_too_deep', 'too_many_aliases', 'too_many_tokens', 'too_many_directives', 'query_too_costly', 'response_too_large']);

type Result = { data?: unknown; errors?: readonly { extensions?: Record<string, unknown> }[]; extensions?: Record<string, unknown> };
const refusedByLimit = (r: Result) => r.data == null && !!r.errors?.some((e) => LIMIT_CODES.has(e.extensions?.code as string));

export function useRequestShape(): Plugin {
  return {
    /**
     * An operation refused by a limit (src/graphql/limits.ts) is a 400 whatever the Accept header: Yoga answers
     * parse and validation errors 200 to `application/json` clients (and forces that for parse errors), so the
     * status is set on the result. A batch is a 400 when every operation in it was refused.
     */
    onResultProcess({ result, setResult }) {
      const http = { status: 400 };
      if (Array.isArray(result)) {
        if (result.length && (result as Result[]).every(refusedByLimit)) {
          const copy = [...result];
          Object.defineProperty(copy, 'extensions', { value: { http }, enumerable: false });
          setResult(copy);
        }
      } else if (result && typeof result === 'object' && !(Symbol.asyncIterator in result) && refusedByLimit(result as Result)) {
        const r = result as Result;
        setResult({ ...(r as object), extensions: { ...r.extensions, http } } as never);
      }
    },
    onRequestParse({ request, requestParser, setRequestParser }) {
      const type = (request.headers.get('content-type') ?? '').toLowerCase();
      if (request.method === 'POST' && type.startsWith('application/x-www-form-urlencoded')) {
        throw badRequest('GraphQL requests are JSON (Content-Type: application/json) or GET with ?query=…; form-encoded bodies are not accepted');
      }
      if (!requestParser) return;
      setRequestParser(async (req) => {
        try {
          return await requestParser(req);
        } catch (err) {
          // Yoga's parsers throw plain GraphQL errors (e.g. 'Missing multipart form field "operations"'), answered 200 with
          // a legacy Accept: the request is malformed, so 400.
          if (err instanceof GraphQLError && !(err.extensions as { http?: unknown })?.http) throw badRequest(err.message);
          throw err;
        }
      });
      return {
        onRequestParseDone({ requestParserResult }) {
          if (Array.isArray(requestParserResult) && requestParserResult.length === 0) {
            throw badRequest('An empty batch ([]): send one operation, or an array of 1 or more');
          }
          const params = Array.isArray(requestParserResult) ? requestParserResult : [requestParserResult];
          for (const p of params) {
            if (!p || typeof p !== 'object' || Array.isArray(p)) throw badRequest('Each operation in a batch must be an object with "query"');
          }
        },
      };
    },
  };
}

type CorsOptions = { origin: string | string[]; credentials: boolean; exposedHeaders?: string[]; maxAge?: number };

/** Yoga's `cors` option for CORS_ORIGINS (see the file comment). */
export function corsOptions(origins: string[]): false | ((request: Request) => CorsOptions | false) {
  const exposedHeaders = ['X-Request-Id', 'Retry-After', 'RateLimit', 'RateLimit-Policy', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'];
  if (!origins.length) return false;
  const allowed = new Set(origins);
  return (request) => {
    const origin = request.headers.get('origin');
    if (!origin || !allowed.has(origin)) return false;
    return { origin, credentials: true, exposedHeaders, maxAge: 600 };
  };
}

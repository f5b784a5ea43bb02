/**
 * The OpenAPI 3.1 document of every REST path, generated from the route
 * table itself (src/rest/routes.ts) and the zod schemas routes declare, so it
 * cannot drift from what the server answers: paths and parameters, request
 * bodies, the scope each operation needs, both ways to present a key, the
 * rate-limit and idempotency headers, and every error status in the error
 * shape of the path's API family. Served at GET /api/v1/openapi.json.
 */
import { z } from 'zod';
import { familyOf } from './families.js';
import type { Route } from './route.js';

type Json = Record<string, unknown>;

const STRIPE_ERROR = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['type', 'code', 'message', 'param', 'request_id'],
      properties: {
        type: { type: 'string', enum: ['invalid_request_error', 'authentication_error', 'authorization_error', 'not_found', 'conflict', 'rate_limit_error', 'api_error'] },
        code: { type: 'string', examples: ['resource_missing'] },
        message: { type: 'string' },
        param: { type: ['string', 'null'] },
        request_id: { type: 'string' },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
};
const PLAIN_ERROR = { type: 'object', required: ['error'], properties: { error: { type: 'string', examples: ['agent not found'] } }, additionalProperties: false };

const RATE_HEADERS = ['RateLimit', 'RateLimit-Policy', 'X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'];

const ERRORS: [number, string][] = [
  [400, 'Invalid input: malformed JSON, a missing or invalid field (named in the error)'],
  [401, 'Missing, malformed, unknown, revoked or expired API key'],
  [403, 'The key lacks the scope this operation needs'],
  [404, 'No such record visible to this team (also for other teams’ records)'],
  [409, 'Conflict: a duplicate name, an illegal state change, or an Idempotency-Key reused with another body'],
  [413, 'The body is larger than the limit'],
  [415, 'The body’s content type is not one this operation accepts'],
  [422, 'Well-formed input that cannot be used: content failing its published checksum or size, a URL that cannot be fetched'],
  [429, 'Rate limit exceeded: retry after Retry-After seconds'],
  [500, 'Internal server error (quote X-Request-Id when reporting it)'],
  [502, 'An upstream service (an AI provider, the skill registry, a social platform) failed or answered badly'],
  [503, 'A dependency (the database) is unavailable: retry after Retry-After seconds'],
];

/**
 * A zod schema as JSON Schema: `input` for what a handler parses, `output` for what it answers with
 * (exact objects: zod's output objects allow no other property). Definitions zod hoists (recursive
 * schemas such as JSON values) move to components.schemas under `prefix`, since a `#/$defs/…`
 * reference inside the document would resolve against the document's root.
 */
function schemaOf(zod: z.ZodType | undefined, io: 'input' | 'output', prefix: string, components: Record<string, Json>): Json | null {
  if (!zod) return null;
  const { $schema: _drop, $defs, ...schema } = z.toJSONSchema(zod, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  if (!$defs) return schema;
  const moved = (s: unknown) => JSON.parse(JSON.stringify(s).replaceAll('"#/$defs/', `"#/components/schemas/${prefix}_`)) as Json;
  for (const [name, def] of Object.entries($defs as Record<string, Json>)) components[`${prefix}_${name}`] = moved(def);
  return moved(schema);
}

function operationId(route: Route): string {
  const words = route.path
    .replace(/^\/api\/(v1\/)?/, '')
    .split(/[/_.-]/)
    .filter(Boolean)
    .map((w) => (w.startsWith(':') ? 'by ' + w.slice(1) : w === '*' ? 'path' : w));
  const camel = [route.method.toLowerCase(), ...words].join(' ').replace(/ (\w)/g, (_m, c: string) => c.toUpperCase());
  return camel.replace(/[^A-Za-z0-9]/g, '');
}

function tagOf(path: string): string {
  const family = familyOf(path);
  const label = { autousers: 'Autousers', autopersonas: 'AutoPersonas', evalstudio: 'EvalStudio', autonomis: 'Autonomis' }[family];
  const segment = path.split('/').filter((s) => s && !s.startsWith(':') && s !== 'api' && s !== 'v1')[family === 'autonomis' ? 2 : 0] ?? path;
  return family === 'autonomis' ? `${label}: ${segment ?? 'users'}` : `${label}: ${segment}`;
}

export function buildOpenApi(routes: readonly Route[], opts: { version: string; description?: string }): Json {
  const paths: Record<string, Record<string, Json>> = {};
  const schemas: Record<string, Json> = { StripeError: STRIPE_ERROR, PlainError: PLAIN_ERROR };
  for (const route of routes) {
    const id = operationId(route);
    const openPath = route.path.replace(/:(\w+)/g, '{$1}').replace(/\*$/, '{filePath}');
    const family = familyOf(route.path);
    const errorSchema = family === 'evalstudio' || family === 'autonomis' ? { $ref: '#/components/schemas/PlainError' } : { $ref: '#/components/schemas/StripeError' };
    const pathParams = [...route.path.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1]!, in: 'path', required: true, schema: { type: 'string' } }));
    if (route.path.endsWith('*')) {
      pathParams.push({ name: 'filePath', in: 'path', required: true, schema: { type: 'string' }, description: 'A nested path (e.g. notes/today.md); encoded "/" is refused' } as never);
    }
    const querySchema = schemaOf(route.query, 'input', `${id}Query`, schemas);
    const queryParams = querySchema
      ? Object.entries((querySchema.properties ?? {}) as Record<string, Json>).map(([name, schema]) => ({
          name,
          in: 'query',
          required: ((querySchema.required as string[] | undefined) ?? []).includes(name),
          schema,
        }))
      : [];
    const write = route.method === 'POST' || route.method === 'PUT' || route.method === 'PATCH';
    const idempotent = write && !route.rawBody && route.idempotent !== false;
    const parameters: Json[] = [...pathParams, ...queryParams];
    if (idempotent) parameters.push({ $ref: '#/components/parameters/IdempotencyKey' });
    if (family === 'autousers') parameters.push({ $ref: '#/components/parameters/AutousersVersion' });

    const scopes = route.scope === 'public' || route.scope === 'any' ? [] : [route.scope].flat();
    const security = route.scope === 'public' ? [] : [{ bearerAuth: scopes }, { apiKeyHeader: scopes }];
    const who =
      route.scope === 'public' ? 'No API key needed.' : route.scope === 'any' ? 'Any valid API key.' : `Scope: ${scopes.map((s) => `\`${s}\``).join(' or ')}.`;

    const responses: Record<string, Json> = {};
    const ok = route.responses ?? { 200: 'OK' };
    const responseSchema = schemaOf(route.response, 'output', `${id}Response`, schemas) ?? {};
    const errorResponse = (status: number, description: string): Json => {
      const headers: Json = { 'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' } };
      if (status === 429 || status === 503) headers['Retry-After'] = { $ref: '#/components/headers/Retry-After' };
      return { description, headers, content: { 'application/json': { schema: errorSchema } } };
    };
    for (const [status, description] of ERRORS) {
      if (route.scope === 'public' && (status === 401 || status === 403 || status === 429)) continue;
      if (route.scope === 'any' && status === 403) continue;
      if ((status === 413 || status === 415 || status === 422) && !write) continue;
      responses[String(status)] = errorResponse(status, description);
    }
    // The route's own statuses: successes with its body (none for 204 and 304), and any error it documents itself.
    for (const [status, description] of Object.entries(ok)) {
      responses[status] =
        Number(status) >= 400
          ? errorResponse(Number(status), description)
          : status === '204' || status === '304'
          ? { description, headers: { 'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' } } }
          : {
              description,
              headers: {
                'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' },
                ...(route.scope === 'public' ? {} : Object.fromEntries(RATE_HEADERS.map((h) => [h, { $ref: `#/components/headers/${h}` }]))),
                ...(idempotent ? { 'Idempotent-Replayed': { $ref: '#/components/headers/Idempotent-Replayed' } } : {}),
              },
              content: route.stream
                ? { 'text/event-stream': { schema: { type: 'string' } } }
                : route.rawResponse
                  ? { '*/*': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } }
                  : { 'application/json': { schema: responseSchema } },
            };
    }

    const bodySchema = schemaOf(route.body, 'input', `${id}Body`, schemas);
    const operation: Json = {
      operationId: id,
      summary: route.summary,
      description: who,
      tags: [tagOf(route.path)],
      security,
      'x-scopes': scopes,
      parameters,
      responses,
    };
    if (route.rawBody) {
      operation.requestBody = {
        required: route.method !== 'DELETE',
        description: 'The raw bytes (any content type), multipart/form-data, or JSON, as the summary says',
        content: { 'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } }, 'multipart/form-data': { schema: { type: 'object' } } },
      };
    } else if (write) {
      operation.requestBody = {
        required: !!bodySchema,
        content: { 'application/json': { schema: bodySchema ?? { type: route.acceptsArray ? ['object', 'array'] : 'object' } } },
      };
    }
    (paths[openPath] ??= {})[route.method.toLowerCase()] = operation;
  }

  const headers: Record<string, Json> = {
    'X-Request-Id': { description: 'Identifies the request in logs (echoes a valid X-Request-Id sent by the client)', schema: { type: 'string' } },
    'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } },
    'Idempotent-Replayed': { description: '"true" when this is the stored response of an earlier request with the same Idempotency-Key', schema: { type: 'string', enum: ['true'] } },
    RateLimit: { description: 'IETF draft: limit, remaining and reset (seconds) of the current window', schema: { type: 'string', examples: ['limit=60, remaining=59, reset=60'] } },
    'RateLimit-Policy': { description: 'IETF draft: the limit and window, e.g. 60;w=60', schema: { type: 'string' } },
    'X-RateLimit-Limit': { description: 'Requests allowed per minute for this key', schema: { type: 'integer' } },
    'X-RateLimit-Remaining': { description: 'Requests left in the current window', schema: { type: 'integer' } },
    'X-RateLimit-Reset': { description: 'Unix time (seconds) when the window resets', schema: { type: 'integer' } },
  };

  return {
    openapi: '3.1.0',
    info: {
      title: 'personagraph REST API',
      version: opts.version,
      description:
        opts.description ??
        'Four REST APIs on one server: Autousers (/api/v1/autousers), AutoPersonas (/api/v1/…), EvalStudio (/api/projects/…) and Autonomis (/api/v1/users/…). Authenticate with `Authorization: Bearer <key>` or `X-API-Key: <key>`. Writes honour `Idempotency-Key` (24 h replay). Every response carries `X-Request-Id`. The same capabilities are in the GraphQL API at /graphql.',
    },
    servers: [{ url: '/' }],
    security: [{ bearerAuth: [] }, { apiKeyHeader: [] }],
    paths,
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <API key>' },
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'X-API-Key: <API key> (Autonomis’ documented header; any path accepts it)' },
      },
      schemas,
      headers,
      parameters: {
        IdempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          required: false,
          description: 'Up to 255 characters. A retry with the same key and body replays the stored response for 24 hours; the same key with another body answers 409 idempotency_key_reused.',
          schema: { type: 'string', maxLength: 255 },
        },
        AutousersVersion: {
          name: 'Autousers-Version',
          in: 'header',
          required: false,
          description: 'Date-pinned API version (echoed back).',
          schema: { type: 'string', examples: ['2026-01-01'] },
        },
      },
    },
  };
}

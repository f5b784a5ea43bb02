/**
 * The OpenAPI 3.1 document at /api/v1/openapi.json: valid by a maintained
 * parser, listing exactly the routes the server answers, with their scopes,
 * request schemas, and each family's error shape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validate } from '@readme/openapi-parser';
import { startTestServer, type TestServer } from './helpers/server.js';
import { documentCheck } from './helpers/response-check.js';

let s: TestServer;
let doc: any;

beforeAll(async () => {
  s = await startTestServer();
  const res = await fetch(`${s.url}/api/v1/openapi.json`);
  expect(res.status).toBe(200);
  doc = await res.json();
});
afterAll(async () => s?.close());

const openPath = (p: string) => p.replace(/:(\w+)/g, '{$1}').replace(/\*$/, '{filePath}');

describe('/docs', () => {
  it('serves Swagger UI from the installed package, pointed at the document', async () => {
    const page = await fetch(`${s.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain("url: '/api/v1/openapi.json'");
    expect(html).not.toMatch(/https?:\/\/(cdn|unpkg|cdnjs)/);
    for (const asset of ['/docs/swagger-ui-bundle.js', '/docs/swagger-ui.css', '/docs/swagger-ui-standalone-preset.js']) {
      const res = await fetch(`${s.url}${asset}`);
      expect(res.status, asset).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    }
    expect((await fetch(`${s.url}/docs/../package.json`)).status).not.toBe(200);
    expect((await fetch(`${s.url}/docs/nothing.js`)).status).toBe(404);
  });
});

describe('GET /api/v1/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document (no key needed)', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(doc));
    expect(result.valid, JSON.stringify(result, null, 2)).toBe(true);
  });

  it('lists every route in the table and nothing else', () => {
    const table = s.app.http.rest.list().map((r) => `${r.method.toLowerCase()} ${openPath(r.path)}`).sort();
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`))
      .sort();
    expect(documented).toEqual(table);
    const ids = documented.map((d) => doc.paths[d.split(' ')[1]!][d.split(' ')[0]!].operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('names the scope of each operation, both key schemes, and no security for public paths', () => {
    const create = doc.paths['/api/v1/users/{user}/agents'].post;
    expect(create['x-scopes']).toEqual(['agent:write']);
    expect(create.security).toEqual([{ bearerAuth: ['agent:write'] }, { apiKeyHeader: ['agent:write'] }]);
    expect(doc.paths['/api/v1/health'].get.security).toEqual([]);
    expect(doc.paths['/api/v1/media/{id}'].get['x-scopes']).toEqual(['character:read', 'content:read']);
    expect(doc.components.securitySchemes.apiKeyHeader).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-API-Key' });
    for (const route of s.app.http.rest.list()) {
      const op = doc.paths[openPath(route.path)][route.method.toLowerCase()];
      const scopes = route.scope === 'public' || route.scope === 'any' ? [] : [route.scope].flat();
      expect(op['x-scopes'], `${route.method} ${route.path}`).toEqual(scopes);
    }
  });

  it('describes bodies from the same zod schemas the handlers parse, and each family’s errors', () => {
    const user = doc.paths['/api/v1/users'].post;
    expect(user.requestBody.content['application/json'].schema.properties).toHaveProperty('username');
    expect(user.responses['404'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/PlainError' });
    const autouser = doc.paths['/api/v1/autousers'].post;
    expect(autouser.requestBody.content['application/json'].schema.required).toContain('name');
    expect(autouser.responses['400'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/StripeError' });
    expect(autouser.parameters).toContainEqual({ $ref: '#/components/parameters/IdempotencyKey' });
    expect(autouser.responses['429'].headers).toHaveProperty('Retry-After');
    expect(autouser.responses['201'].headers).toHaveProperty('X-RateLimit-Remaining');
    const logs = doc.paths['/api/v1/users/{user}/logs'].get;
    expect(logs.parameters.map((p: any) => p.name)).toEqual(expect.arrayContaining(['user', 'since', 'level', 'limit']));
    expect(doc.paths['/api/v1/users/{user}/agents/{agent}/chat/stream'].post.responses['200'].content).toHaveProperty('text/event-stream');
    expect(doc.paths['/api/v1/users/{user}/agents/{agent}/files/{filePath}'].put.requestBody.content).toHaveProperty('application/octet-stream');
  });
});

/**
 * Operations whose success is not a JSON body: streams, raw bytes, 204s, and paths that only refuse.
 * Listed on purpose: every other operation must describe its JSON body, so a new JSON route
 * without a `response` schema fails below, and so does a route that stops answering JSON.
 */
const NOT_JSON: string[] = [
  // 204 No Content
  'DELETE /api/projects/{projectId}',
  'DELETE /api/projects/{projectId}/connectors/{id}',
  'DELETE /api/projects/{projectId}/evals/{id}',
  'DELETE /api/projects/{projectId}/images/{id}',
  'DELETE /api/projects/{projectId}/personas/{id}',
  'DELETE /api/projects/{projectId}/runs/{id}',
  'DELETE /api/projects/{projectId}/scenarios/{id}',
  'DELETE /api/v1/users/{user}/agents/{agent}/files/{filePath}',
  'DELETE /api/v1/users/{user}/secrets/{key}',
  'DELETE /api/v1/users/{user}/skills/{id}/file',
  // raw bytes (and 304)
  'GET /api/projects/{projectId}/images/{id}',
  'GET /api/projects/{projectId}/executions/{executionId}/export',
  'GET /api/v1/media/{id}',
  'GET /api/v1/media/{id}/public',
  'GET /api/v1/users/{user}/agents/{agent}/files/{filePath}',
  // an event stream
  'POST /api/v1/users/{user}/agents/{agent}/chat/stream',
  // only refuse: a file path is required; Instagram import is gated
  'DELETE /api/v1/users/{user}/agents/{agent}/files',
  'PUT /api/v1/users/{user}/agents/{agent}/files',
  'POST /api/v1/social-import/instagram',
];

describe('response schemas', () => {
  it('every operation that answers JSON has a non-empty schema for it (a route without `response` fails here)', () => {
    const missing: string[] = [];
    const notJson: string[] = [];
    for (const [p, ops] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const [method, op] of Object.entries(ops)) {
        const successes = Object.entries(op.responses as Record<string, any>).filter(([status]) => Number(status) < 400);
        const json = successes.filter(([, res]) => res.content?.['application/json']);
        if (!json.length) notJson.push(`${method.toUpperCase()} ${p}`);
        for (const [status, res] of json) if (!Object.keys(res.content['application/json'].schema).length) missing.push(`${method.toUpperCase()} ${p} → ${status}`);
      }
    }
    expect(missing).toEqual([]);
    expect(notJson.sort()).toEqual([...NOT_JSON].sort());
  });

  it('the suite’s response check reports a body, a status or a content type the document does not allow', () => {
    const check = documentCheck(doc);
    const me = (status: number, body: unknown, contentType = 'application/json') => check.check({ method: 'GET', path: '/api/v1/me', status, contentType, body: JSON.stringify(body) });
    const good = { team: { id: 't', name: 'n' }, key: { id: 'k', name: 'n', prefix: 'p', scopes: [] } };
    expect(me(200, good)).toBeNull();
    expect(me(200, { ...good, extra: 1 })).toMatch(/must NOT have additional properties/);
    expect(me(200, { ...good, team: { id: 't' } })).toMatch(/\/team must have required property 'name'/);
    expect(me(418, good)).toMatch(/status 418 is not documented/);
    expect(me(200, good, 'text/plain')).toMatch(/answered text\/plain/);
    expect(me(404, { error: 'a plain error on a Stripe-shaped path' })).toMatch(/\/error must be object/);
    expect(check.check({ method: 'GET', path: '/api/nothing/here', status: 404, contentType: 'application/json', body: '{"error":"no route"}' })).toBeNull();
  });
});

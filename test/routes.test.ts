/**
 * Every REST route in the table, checked the same way, so a route added later
 * cannot skip authentication, scopes or body checks: no key → 401, a key
 * without the route's scope → 403 naming a scope, malformed JSON → 400,
 * an oversized body → 413, each in the path's documented error shape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { familyOf } from '../src/rest/families.js';
import { startTestServer, type TestResponse, type TestServer } from './helpers/server.js';

const BODY_LIMIT = 4096;
let s: TestServer;
let unrelated: string;
/** For the analytics routes, which need exactly the scope `unrelated` holds. */
let unrelatedToAnalytics: string;

beforeAll(async () => {
  s = await startTestServer({ BODY_LIMIT_BYTES: String(BODY_LIMIT), RATE_LIMIT_PER_MINUTE: '100000' });
  unrelated = (await s.createKey(['analytics:read'], { name: 'unrelated' })).key;
  unrelatedToAnalytics = (await s.createKey(['persona:read'], { name: 'unrelated to analytics' })).key;
});
afterAll(async () => s?.close());

const concrete = (path: string) => path.replace(/:(\w+)/g, (_m, name) => `00000000-0000-4000-8000-0000000${name.length.toString().padStart(5, '0')}`);

function expectShape(res: TestResponse, path: string, status: number) {
  expect(res.status, `${path}: ${res.text}`).toBe(status);
  const family = familyOf(path);
  if (family === 'evalstudio' || family === 'autonomis') {
    expect(Object.keys(res.body)).toEqual(['error']);
    expect(typeof res.body.error).toBe('string');
  } else {
    expect(Object.keys(res.body.error).sort()).toEqual(['code', 'message', 'param', 'request_id', 'type']);
    expect(res.body.error.request_id).toBe(res.headers.get('x-request-id'));
  }
  return family === 'evalstudio' || family === 'autonomis' ? res.body.error : res.body.error.message;
}

describe('every route in the table', () => {
  it('has at least the foundation’s routes', () => {
    const table = s.app.http.rest.list().map((r) => `${r.method} ${r.path}`);
    for (const r of ['POST /api/v1/autousers', 'GET /api/projects/:projectId/personas', 'POST /api/v1/api-keys', 'GET /api/workspace']) {
      expect(table).toContain(r);
    }
  });

  it('answers no key with 401 (only routes declared public answer)', async () => {
    for (const route of s.app.http.rest.list()) {
      const path = concrete(route.path);
      const res = await s.request(route.method, path, { key: null, body: ['GET', 'DELETE'].includes(route.method) ? undefined : {} });
      if (route.scope === 'public') {
        // Public routes never ask for a key; a signed media link without its signature is refused as such (403).
        expect(res.status, path).toBe(route.path.endsWith('/public') ? 403 : 200);
        continue;
      }
      expectShape(res, path, 401);
    }
  });

  it('answers a key without the needed scope with 403 naming the scope the route declares (only /me takes any key)', async () => {
    for (const route of s.app.http.rest.list()) {
      if (route.scope === 'public' || route.scope === 'any') continue;
      const path = concrete(route.path);
      const key = route.path.startsWith('/api/v1/analytics/') ? unrelatedToAnalytics : unrelated;
      const res = await s.request(route.method, path, { key, body: ['GET', 'DELETE'].includes(route.method) ? undefined : {} });
      const message = expectShape(res, path, 403);
      // The scope the service demanded is the one the route declares (and the OpenAPI document lists).
      const demanded = /scope: ([a-z]+(?::[a-z]+)?)$/.exec(message)?.[1];
      expect([route.scope].flat(), `${route.method} ${route.path}: ${message}`).toContain(demanded);
    }
  });

  it('answers malformed JSON with 400 and an oversized body with 413 on every write', async () => {
    // Raw-body routes (workspace files, skill uploads) take any bytes; their size limits are tested with them.
    for (const route of s.app.http.rest.list().filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method) && !r.rawBody)) {
      const path = concrete(route.path);
      const bad = await s.request(route.method, path, { rawBody: '{"name": ', headers: { 'Content-Type': 'application/json' } });
      expect(expectShape(bad, path, 400)).toMatch(/malformed json/i);
      const big = await s.request(route.method, path, { body: { name: 'x'.repeat(BODY_LIMIT + 10) } });
      expectShape(big, path, 413);
    }
  });

  it('answers an unknown path under /api with 404 and a wrong method with 405 and Allow', async () => {
    expectShape(await s.request('GET', '/api/v1/nothing-here'), '/api/v1/nothing-here', 404);
    const res = await s.request('PATCH', '/api/projects');
    expectShape(res, '/api/projects', 405);
    expect(res.headers.get('allow')).toBe('GET, POST');
  });
});

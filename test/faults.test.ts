/**
 * Riding out the loss of PostgreSQL and of Redis: a TCP proxy sits between
 * the server and each, and the test cuts it. While PostgreSQL is away every
 * path answers 503 with Retry-After in its family's error shape (never a
 * driver message), /readyz says why, /livez stays up; once it is back the same
 * process serves again. While Redis is away requests keep being served (rate
 * limits fall back to per-process counting) and /readyz reports it.
 * Needs a PostgreSQL server and Redis: skipped, visibly, on the PGlite run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from './helpers/database.js';
import { reachable } from './helpers/net.js';
import { cuttableProxy } from './helpers/proxy.js';

const onPostgres = testDatabaseKind() === 'postgres';
if (!onPostgres) console.warn('\n  SKIPPED: test/faults.test.ts needs a PostgreSQL server (none answers in this run).\n');

describe.skipIf(!onPostgres)('losing PostgreSQL and Redis', () => {
  let db: TestDatabase;
  let pgProxy: Awaited<ReturnType<typeof cuttableProxy>>;
  let redisProxy: Awaited<ReturnType<typeof cuttableProxy>> | null = null;
  let s: TestServer;

  beforeAll(async () => {
    db = await createTestDatabase();
    pgProxy = await cuttableProxy(Number(new URL(db.url).port || 5432));
    const url = new URL(db.url);
    url.port = String(pgProxy.port);
    const env: Record<string, string> = { DATABASE_URL: url.toString(), RATE_LIMIT_PER_MINUTE: '10000' };
    if (await reachable(6379)) {
      redisProxy = await cuttableProxy(6379);
      env.REDIS_URL = `redis://127.0.0.1:${redisProxy.port}`;
    } else console.warn('\n  SKIPPED (part): no Redis at 127.0.0.1:6379; the Redis half of test/faults.test.ts does not run.\n');
    s = await startTestServer(env);
  });
  afterAll(async () => {
    await s?.close();
    await pgProxy?.close();
    await redisProxy?.close();
    await db?.drop();
  });

  it('answers 503 with Retry-After while the database is away, in each family’s shape, then recovers without a restart', async () => {
    expect((await s.request('GET', '/api/v1/me')).status).toBe(200);
    pgProxy.cut();

    const autopersonas = await s.request('GET', '/api/v1/me');
    expect(autopersonas.status).toBe(503);
    expect(autopersonas.headers.get('retry-after')).toBe('5');
    expect(autopersonas.body.error).toMatchObject({ type: 'api_error', code: 'service_unavailable', message: 'The database is unavailable right now; retry in a few seconds' });

    const autonomis = await s.request('GET', '/api/v1/users');
    expect(autonomis.status).toBe(503);
    expect(autonomis.body).toEqual({ error: 'internal server error' });
    expect(autonomis.headers.get('retry-after')).toBe('5');

    const evalstudio = await s.request('GET', '/api/projects');
    expect(evalstudio.status).toBe(503);
    expect(evalstudio.body).toEqual({ error: 'internal server error' });

    // A key seen in the last AUTH_CACHE_MS is known without the database, so ask for data that lives there.
    const gql = await s.graphql('{ personas(first: 1) { edges { node { id } } } }');
    expect(gql.status).toBe(503);
    expect(gql.headers.get('retry-after')).toBe('5');
    expect(gql.body.errors![0]).toMatchObject({ message: 'The database is unavailable right now; retry in a few seconds', extensions: { code: 'service_unavailable' } });
    for (const r of [autopersonas, autonomis, evalstudio, gql]) expect(r.text).not.toMatch(/Connection terminated|ECONNREFUSED|pg_|prisma/i);

    const ready = await fetch(`${s.url}/readyz`);
    expect(ready.status).toBe(503);
    expect((await ready.json()).checks.database).toBe('unreachable');
    expect((await fetch(`${s.url}/livez`)).status).toBe(200);

    pgProxy.restore();
    let back = 0;
    for (let i = 0; i < 100 && back !== 200; i++) {
      back = (await s.request('GET', '/api/v1/me')).status;
      if (back !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(back).toBe(200);
    expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
  });

  it('keeps serving while Redis is away (limits per process), reports it in /readyz, and is ready again once it is back', async (t) => {
    if (!redisProxy) return t.skip();
    const { key } = await s.createKey(['persona:read'], { rateLimitPerMinute: 3 });
    redisProxy.cut();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await s.request('GET', '/api/v1/autousers', { key })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const ready = await fetch(`${s.url}/readyz`);
    expect(ready.status).toBe(503);
    expect((await ready.json()).checks).toMatchObject({ database: 'ok', redis: 'unreachable' });

    redisProxy.restore();
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      status = (await fetch(`${s.url}/readyz`)).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
  });
});

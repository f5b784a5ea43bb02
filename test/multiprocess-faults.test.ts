/**
 * Three server processes on one PostgreSQL database and Redis, each reaching
 * them through a TCP proxy the test cuts and restores, as an outage would:
 * - Redis away mid-run: every process keeps answering (rate limits count per
 *   process meanwhile), /readyz says why, and once Redis is back a live
 *   subscription on A receives B's changes again, with no restart;
 * - PostgreSQL away mid-run: requests on every process fail fast with 503 and
 *   Retry-After, nothing is half-written, and once it is back the same
 *   processes serve again; a write retried with its Idempotency-Key on
 *   another process creates its record once.
 * Needs PostgreSQL and Redis: skipped, visibly, elsewhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from './helpers/database.js';
import { reachable } from './helpers/net.js';
import { Feed, MULTIPROCESS_KEY as KEY, request, startProcess, type Proc } from './helpers/multiprocess.js';
import { cuttableProxy, type CuttableProxy } from './helpers/proxy.js';
import { until } from './helpers/process.js';

const onPostgres = testDatabaseKind() === 'postgres';
const haveRedis = onPostgres && (await reachable(6379));
if (onPostgres && !haveRedis) console.warn('\n  SKIPPED: test/multiprocess-faults.test.ts needs Redis at 127.0.0.1:6379.\n');
if (!onPostgres) console.warn('\n  SKIPPED: test/multiprocess-faults.test.ts needs a PostgreSQL server, and none answers in this run (three processes need a shared PostgreSQL).\n');

describe.skipIf(!haveRedis)('three processes riding out Redis and PostgreSQL outages', () => {
  let db: TestDatabase;
  let pgProxy: CuttableProxy;
  let redisProxy: CuttableProxy;
  const procs: Proc[] = [];
  const clients: Client[] = [];
  let project: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    pgProxy = await cuttableProxy(Number(new URL(db.url).port || 5432));
    redisProxy = await cuttableProxy(6379);
    const url = new URL(db.url);
    url.hostname = '127.0.0.1';
    url.port = String(pgProxy.port);
    const env = {
      DATABASE_URL: url.toString(),
      REDIS_URL: `redis://127.0.0.1:${redisProxy.port}`,
      BOOTSTRAP_API_KEY: KEY,
      SECRET_KEY: 'multiprocess-secret-key-0123456789abcdef',
      RATE_LIMIT_PER_MINUTE: '100000',
      JOB_POLL_MS: '200',
    };
    procs.push(await startProcess('A', env));
    procs.push(...(await Promise.all([startProcess('B', env), startProcess('C', env)])));
    project = (await request(procs[1]!, 'POST', '/api/projects', { body: { name: 'outages' } })).body.id;
  }, 180_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    for (const p of procs) {
      p.child.kill('SIGKILL');
      await new Promise((r) => (p.child.exitCode !== null ? r(null) : p.child.once('exit', r)));
    }
    await pgProxy?.close();
    await redisProxy?.close();
    await db?.drop();
  });

  const ready = async (p: Proc) => (await fetch(`${p.url}/readyz`)).status;

  /** Creates personas on B until the feed on A shows one whose name starts with `prefix`. */
  async function crossesProcesses(feed: Feed, prefix: string): Promise<string> {
    for (let i = 0; i < 40; i++) {
      const made = await request(procs[1]!, 'POST', `/api/projects/${project}/personas`, { body: { name: `${prefix}-${i}` } });
      expect(made.status, made.text).toBe(201);
      try {
        for (;;) {
          const name = (await feed.next(500)).data.personaChanged.persona.name as string;
          if (name.startsWith(prefix)) return name;
        }
      } catch {
        // nothing (more) within 500 ms: try again
      }
    }
    throw new Error(`no ${prefix} event crossed from B to A`);
  }

  it('Redis stopped and started: every process keeps answering, and a live subscription resumes without a restart', async () => {
    const c = createClient({ url: procs[0]!.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${KEY}` }, retryAttempts: 0 });
    clients.push(c);
    const feed = new Feed(c, 'subscription { personaChanged { kind persona { name } } }');
    await crossesProcesses(feed, 'before');

    redisProxy.cut();
    for (const p of procs) await until(async () => (await ready(p)) === 503, `${p.name} to report Redis away`, 30_000);
    for (const p of procs) {
      const me = await request(p, 'GET', '/api/v1/me');
      expect(me.status, `${p.name}: ${me.text}`).toBe(200);
    }
    const during = await request(procs[2]!, 'POST', `/api/projects/${project}/personas`, { body: { name: 'during-redis-outage' } });
    expect(during.status, during.text).toBe(201);

    redisProxy.restore();
    for (const p of procs) await until(async () => (await ready(p)) === 200, `${p.name} to be ready again`, 30_000);
    // The subscription opened before the outage is still open and carries B's changes again.
    expect(await crossesProcesses(feed, 'after')).toMatch(/^after-/);
    feed.stop();
  }, 120_000);

  it('PostgreSQL stopped and started: 503 with Retry-After everywhere, nothing half-written, the same processes serve again', async () => {
    pgProxy.cut();
    for (const [i, p] of procs.entries()) {
      const write = await request(p, 'POST', `/api/projects/${project}/personas`, { body: { name: `outage-${i}` }, headers: { 'Idempotency-Key': `outage-${i}` } });
      expect(write.status, `${p.name}: ${write.text}`).toBe(503);
      expect(write.text).not.toMatch(/ECONN|prisma|pg_|postgres/i);
      const read = await fetch(`${p.url}/api/v1/me`, { headers: { authorization: `Bearer ${KEY}` } });
      expect(read.status).toBe(503);
      expect(Number(read.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await fetch(`${p.url}/livez`)).status).toBe(200);
      expect(await ready(p)).toBe(503);
    }

    pgProxy.restore();
    for (const p of procs) await until(async () => (await ready(p)) === 200, `${p.name} to be ready again`, 30_000);
    const listed = await request(procs[0]!, 'GET', `/api/projects/${project}/personas`);
    expect(listed.status).toBe(200);
    expect(listed.body.filter((x: any) => String(x.name).startsWith('outage-'))).toEqual([]);
    // The same writes retried, each with its key, on another process: created, once.
    for (const i of [0, 1, 2]) {
      const again = await request(procs[(i + 1) % 3]!, 'POST', `/api/projects/${project}/personas`, { body: { name: `outage-${i}` }, headers: { 'Idempotency-Key': `outage-${i}` } });
      expect(again.status, again.text).toBe(201);
      const replay = await request(procs[(i + 2) % 3]!, 'POST', `/api/projects/${project}/personas`, { body: { name: `outage-${i}` }, headers: { 'Idempotency-Key': `outage-${i}` } });
      expect(replay.status).toBe(201);
      expect(replay.body.id).toBe(again.body.id);
    }
    const after = await request(procs[2]!, 'GET', `/api/projects/${project}/personas`);
    expect(after.body.filter((x: any) => String(x.name).startsWith('outage-')).map((x: any) => x.name).sort()).toEqual(['outage-0', 'outage-1', 'outage-2']);
  }, 120_000);
});

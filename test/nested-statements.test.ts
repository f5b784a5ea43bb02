/**
 * The benchmark's nested workload (W2: profiles → batches → items, three
 * levels) costs the same few SQL statements whatever its size, and a point
 * lookup costs one: counted on every statement the app runs, authentication
 * included (a key seen once is not looked up again within AUTH_CACHE_MS).
 * The data set and the operations are the benchmark's own (bench/lib/seed.ts,
 * bench/contenders/personagraph.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKGROUND_STATEMENT, startTestServer, type TestServer } from './helpers/server.js';
import { seed, type SqlClient } from '../bench/lib/seed.js';
import { personagraphWorkloads } from '../bench/contenders/personagraph.js';

const SMALL = { personas: 10, profiles: 3, batchesPerProfile: 2, itemsPerBatch: 1 };
const FULL = { personas: 200, profiles: 100, batchesPerProfile: 10, itemsPerBatch: 3 };

describe('SQL statements per request of the benchmark workloads', () => {
  const servers: TestServer[] = [];
  const ids = new Map<TestServer, string[]>();

  beforeAll(async () => {
    for (const size of [SMALL, FULL]) {
      // The key is looked up once, then cached for AUTH_CACHE_MS: the longest window, so a loaded machine's slow seed does not outlast it.
      const s = await startTestServer({ AUTH_CACHE_MS: '60000' });
      const team = (await s.request('GET', '/api/v1/me')).body.team.id as string;
      const client: SqlClient = { query: async (sql, params = []) => ({ rows: await s.app.deps.prisma.$queryRawUnsafe<any[]>(sql, ...params) }) };
      ids.set(s, (await seed(client, team, size)).personaIds);
      servers.push(s);
    }
  }, 120_000);
  afterAll(async () => Promise.all(servers.map((s) => s.close())));

  /** Statements of one request sent as the benchmark sends it, after one warm-up request (the key is then known). */
  async function statements(s: TestServer, workload: 'w1' | 'w2' | 'w4rest', i = 0) {
    const w = personagraphWorkloads(ids.get(s)!)[workload];
    const send = async (n: number) => {
      const req: { method: string; path: string; headers: Record<string, string>; body?: string } = w.request(n);
      const res = await fetch(s.url + req.path, { method: req.method, headers: { ...req.headers, authorization: `Bearer ${s.adminKey}` }, body: req.body });
      expect(res.status).toBe(200);
      return w.normalize(await res.json()) as any;
    };
    await send(i);
    const seen: string[] = [];
    // The job queue's poller runs beside the request; its statements are not the request's.
    const stop = s.app.onQuery((e) => void (BACKGROUND_STATEMENT.test(e.query) || seen.push(e.query)));
    const answer = await send(i + 1);
    stop();
    return { count: seen.length, seen, answer };
  }

  it('W2 (100 profiles × 10 batches × 3 items) reads in 3 statements, the same as 3 × 2 × 1', async () => {
    const [small, full] = servers as [TestServer, TestServer];
    const a = await statements(small, 'w2');
    const b = await statements(full, 'w2');
    expect(a.answer).toHaveLength(3);
    expect(b.answer).toHaveLength(100);
    expect(b.answer.every((p: any) => p.batches.length === 10 && p.batches.every((x: any) => x.items.length === 3))).toBe(true);
    expect(b.answer[0].batches[0].items.map((x: any) => x.position)).toEqual([0, 1, 2]); // items in position order
    expect(b.count, b.seen.join('\n')).toBeLessThanOrEqual(3);
    expect(b.count).toBe(a.count);
  });

  it('W1 and W4: a persona by id is one statement, through GraphQL and through REST', async () => {
    const s = servers[1]!;
    const gql = await statements(s, 'w1', 5);
    const rest = await statements(s, 'w4rest', 5);
    expect(gql.count, gql.seen.join('\n')).toBe(1);
    expect(rest.count, rest.seen.join('\n')).toBe(1);
    expect(gql.answer.id).toBe(ids.get(s)![6]);
    expect(rest.answer.id).toBe(ids.get(s)![6]);
  });
});

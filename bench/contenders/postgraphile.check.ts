/**
 * A by-hand self-check of the PostGraphile contenders:
 *   npx tsx bench/contenders/postgraphile.check.ts
 *
 * Creates a throwaway database (pgbench_pg_dev_<pid>) on BENCH_POSTGRES_URL
 * (default postgresql://postgres@127.0.0.1:5432/postgres), migrates it to
 * personagraph's schema, inserts a few rows, starts PostGraphile 4 and 5
 * behind a statement counter, runs every workload request against each and
 * prints the normalized JSON, the SQL statements per request, and whether
 * the answers equal each other and what SQL says they should be. Then it
 * probes W3 batch's transaction: ten aliased createPersona in one request,
 * once as is and once with the tenth failing (a duplicate id), and reads
 * the top-level transaction id of each row that stayed (a trigger records it). Drops the
 * database at the end. Exit code 1 if anything differs.
 */
import { isDeepStrictEqual } from 'node:util';
import pg from 'pg';
import { openDatabase } from '../../src/infra/db/client.js';
import { statementCounter } from '../../test/helpers/pg-statements.js';
import { createDatabase, startProcess, type Started } from '../lib/proc.js';
import { postgraphile4, postgraphile5, type Contender, type HttpRequest } from './postgraphile.js';
import { w3Persona, W3_BATCH_SIZE } from './personagraph.js';
import { W2_SQL } from './raw-sql.mjs';

const TEAM = 'team_pg_check';
let failures = 0;
const fail = (msg: string) => {
  failures++;
  console.log(`  FAIL ${msg}`);
};

/** Key order irrelevant. */
const canonical = (x: unknown): unknown =>
  Array.isArray(x) ? x.map(canonical) : x && typeof x === 'object' ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, canonical(v)])) : x;

async function send(server: Started, req: HttpRequest): Promise<{ status: number; json: any }> {
  const res = await fetch(server.url + req.path, { method: req.method, headers: req.headers, body: req.body });
  const text = await res.text();
  try {
    return { status: res.status, json: JSON.parse(text) };
  } catch {
    throw new Error(`HTTP ${res.status}, not JSON: ${text.slice(0, 300)}`);
  }
}

async function seed(url: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`INSERT INTO "Team" (id, name) VALUES ($1, 'PostGraphile check')`, [TEAM]);
    // Five personas (one draft, one with null description), distinct createdAt with milliseconds.
    await c.query(
      `INSERT INTO "Persona" (id, "teamId", name, description, "systemPrompt", status, "createdAt", "updatedAt")
       SELECT md5('check' || g)::uuid::text, $1, 'Persona ' || g, CASE WHEN g = 3 THEN NULL ELSE 'Described ' || g END,
              'Prompt ' || g, (ARRAY['published','draft'])[1 + g % 2],
              timestamp '2026-01-01 10:00:00.123' + g * interval '1 second', now()
         FROM generate_series(1, 5) g`,
      [TEAM],
    );
    // Three profiles, two of them created at the same instant (the id breaks the tie).
    await c.query(
      `INSERT INTO "Profile" (id, "teamId", name, niche, "createdAt", "updatedAt")
       VALUES ('prof_a', $1, 'Alpha', 'travel', '2026-02-01 00:00:01', now()),
              ('prof_b', $1, 'Beta', NULL, '2026-02-01 00:00:02', now()),
              ('prof_c', $1, 'Gamma', 'food', '2026-02-01 00:00:02', now())`,
      [TEAM],
    );
    // prof_a: 12 batches (first: 10 must cut two), prof_b: 1, prof_c: none.
    await c.query(
      `INSERT INTO "Batch" (id, "teamId", "profileId", count, status, "createdAt", "updatedAt")
       SELECT 'batch_a_' || lpad(g::text, 2, '0'), $1, 'prof_a', 3, 'completed', timestamp '2026-03-01' + g * interval '1 minute', now()
         FROM generate_series(1, 12) g
       UNION ALL SELECT 'batch_b_01', $1, 'prof_b', 2, 'queued', '2026-03-02', now()`,
      [TEAM],
    );
    // Items inserted in reverse position order, so only ORDER BY position gives the canonical order.
    await c.query(
      `INSERT INTO "ContentItem" (id, "teamId", "batchId", position, "profileId", status, caption, "updatedAt")
       SELECT b.id || '_ci' || p, $1, b.id, p, b."profileId", (ARRAY['pending_review','approved','rejected'])[1 + p],
              CASE WHEN p = 1 THEN NULL ELSE 'Caption ' || b.id || ' ' || p END, now()
         FROM "Batch" b, generate_series(2, 0, -1) p WHERE b."teamId" = $1 AND (b.id <> 'batch_b_01' OR p < 2)`,
      [TEAM],
    );
    // For the transaction probe, outside the public schema PostGraphile exposes.
    await c.query(`CREATE SCHEMA check_probe;
      CREATE TABLE check_probe.written (id text, txid bigint);
      CREATE FUNCTION check_probe.record() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO check_probe.written VALUES (NEW.id, txid_current()); RETURN NEW; END $$;
      CREATE TRIGGER check_probe_written AFTER INSERT ON "Persona" FOR EACH ROW EXECUTE FUNCTION check_probe.record();`);
    const { rows } = await c.query(`SELECT id FROM "Persona" WHERE "teamId" = $1 ORDER BY name`, [TEAM]);
    return rows.map((r) => r.id);
  } finally {
    await c.end();
  }
}

/** What the workloads should answer, straight from SQL (the raw contender's queries). */
async function expected(url: string, ids: string[]) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const w1 = [];
    for (const id of ids) {
      const { rows } = await c.query(
        `SELECT id, name, description, "systemPrompt", role, status, visibility, to_char("createdAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt" FROM "Persona" WHERE id = $1`,
        [id],
      );
      w1.push(rows[0]);
    }
    const { rows } = await c.query(
      W2_SQL,
      [TEAM],
    );
    return { w1, w2: JSON.parse(rows[0].json) };
  } finally {
    await c.end();
  }
}

const written = (i: number, k = 0) => ({ ...w3Persona(i, k), role: 'autouser', status: 'published' });

/** The primary keys a W3 batch request sends, in order. */
const sentIds = (req: HttpRequest): string[] => {
  const vars = JSON.parse(req.body).variables as Record<string, Record<string, string>>;
  return Array.from({ length: W3_BATCH_SIZE }, (_, k) => vars[`p${k}`]!.id ?? vars[`p${k}`]!.rowId!);
};

async function checkContender(c: Contender, url: string, ids: string[], want: Awaited<ReturnType<typeof expected>>) {
  console.log(`\n=== ${c.name} (${c.script})`);
  const target = new URL(url);
  const counter = await statementCounter({ host: target.hostname, port: Number(target.port || 5432) });
  const viaCounter = new URL(url);
  viaCounter.port = String(counter.port);
  const server = await startProcess({ cmd: process.execPath, args: [c.script], env: { DATABASE_URL: viaCounter.toString() }, ready: 'listening on' });
  console.log(`  ready in ${server.readyMs.toFixed(0)} ms (pid ${server.pid})`);
  const answers: Record<string, unknown> = {};
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    /** make() builds the request (W3: fresh ids each call); one warm-up request, then the measured one. */
    const run = async (label: string, make: () => HttpRequest, normalize: (j: unknown) => unknown, should: unknown) => {
      await send(server, make()); // warm: connections, prepared statements, caches
      counter.reset();
      const { status, json } = await send(server, make());
      const statements = counter.counts.statements;
      let got: unknown;
      try {
        got = normalize(json);
      } catch (err) {
        fail(`${label}: HTTP ${status}: ${(err as Error).message}`);
        return;
      }
      answers[label] = got;
      console.log(`\n  ${label}: HTTP ${status}, ${statements} SQL statement(s) for the request`);
      console.log(
        JSON.stringify(got, null, 1)
          .split('\n')
          .map((l) => `    ${l}`)
          .join('\n'),
      );
      if (status !== 200) fail(`${label}: HTTP ${status}`);
      if (!isDeepStrictEqual(canonical(got), canonical(should))) fail(`${label}: differs from the SQL answer ${JSON.stringify(should).slice(0, 400)}`);
    };
    for (let k = 0; k < ids.length; k++) await run(`w1[${k}]`, () => c.w1.request(k, ids), c.w1.normalize, want.w1[k]);
    await run('w1 (unknown id)', () => c.w1.request(0, ['no-such-persona']), c.w1.normalize, null);
    await run('w2', () => c.w2.request(0, ids), c.w2.normalize, want.w2);
    await run('w3create', () => c.w3create.request(1_000_000, ids), c.w3create.normalize, written(1_000_000));
    await run('w3batch', () => c.w3batch.request(1_000_000, ids), c.w3batch.normalize, Array.from({ length: W3_BATCH_SIZE }, (_, k) => written(1_000_000, k)));

    // Transactions: ten mutations in one request, where do they land?
    // check_probe.written (filled by a trigger) holds each row's top-level transaction id: txid_current() is the
    // top-level one even inside a SAVEPOINT, where xmin would be the subtransaction's.
    const xmins = async (pks: string[]) =>
      (await db.query(`SELECT p.id, w.txid::text AS xmin FROM "Persona" p JOIN check_probe.written w ON w.id = p.id WHERE p.id = ANY($1)`, [pks])).rows as { id: string; xmin: string }[];
    const ok = c.w3batch.request(2_000_000, ids);
    counter.reset();
    const okRes = await send(server, ok);
    const okStatements = counter.counts.statements;
    const okRows = await xmins(sentIds(ok));
    console.log(`\n  w3batch transaction probe: a good batch -> HTTP ${okRes.status}, ${okRows.length} rows written by ${new Set(okRows.map((r) => r.xmin)).size} transaction(s) (distinct top-level txid), ${okStatements} SQL statements`);

    const bad = c.w3batch.request(3_000_000, ids);
    const body = JSON.parse(bad.body);
    const pkKey = 'id' in body.variables.p0 ? 'id' : 'rowId';
    body.variables[`p${W3_BATCH_SIZE - 1}`][pkKey] = body.variables.p0[pkKey]; // the tenth reuses the first's id
    const badReq = { ...bad, body: JSON.stringify(body) };
    counter.reset();
    const badRes = await send(server, badReq);
    const badStatements = counter.counts.statements;
    const badRows = await xmins(sentIds(badReq));
    const dataKeys = Object.entries(badRes.json?.data ?? {}).filter(([, v]) => v !== null).length;
    console.log(
      `  w3batch transaction probe: tenth fails (duplicate id) -> HTTP ${badRes.status}, ${badRes.json?.errors?.length ?? 0} error(s) ` +
        `("${String(badRes.json?.errors?.[0]?.message ?? '').slice(0, 80)}"), ${dataKeys} of ${W3_BATCH_SIZE} mutations answered with data, ` +
        `${badRows.length} rows stayed in the database (${new Set(badRows.map((r) => r.xmin)).size} distinct transaction ids), ${badStatements} SQL statements`,
    );
    const atomic = badRows.length === 0;
    const oneTx = new Set(okRows.map((r) => r.xmin)).size === 1;
    console.log(`  => ${c.name}: one request's mutations ${oneTx ? 'share ONE transaction' : 'run in SEPARATE transactions'}; a failing one ${atomic ? 'rolls back all' : `leaves the other ${badRows.length} rows committed (not atomic)`}`);
    return answers;
  } finally {
    await db.end();
    await server.stop();
    await counter.close();
  }
}

const db = await createDatabase(`pgbench_pg_dev_${process.pid}`);
if (!db) {
  console.error('PostgreSQL is not reachable at BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres); nothing checked.');
  process.exit(2);
}
try {
  console.log(`database ${db.url}: migrating`);
  const migrated = await openDatabase({ kind: 'postgres', url: db.url } as Parameters<typeof openDatabase>[0], { migrate: true });
  await migrated.close();
  const ids = await seed(db.url);
  const want = await expected(db.url, ids);
  postgraphile4.setTeam(TEAM);
  postgraphile5.setTeam(TEAM);
  const a4 = await checkContender(postgraphile4, db.url, ids, want);
  const a5 = await checkContender(postgraphile5, db.url, ids, want);
  console.log('\n=== PostGraphile 4 vs 5');
  for (const key of Object.keys(a4)) {
    const same = isDeepStrictEqual(canonical(a4[key]), canonical(a5[key]));
    console.log(`  ${key}: ${same ? 'same' : 'DIFFERENT'}`);
    if (!same) fail(`${key}: PostGraphile 4 and 5 differ`);
  }
} finally {
  await db.drop();
  console.log(`\ndropped ${db.url}`);
}
console.log(failures ? `\n${failures} failure(s)` : '\nall checks passed');
process.exit(failures ? 1 : 0);

/**
 * Which database a test run uses. The `pglite` project runs every file on a
 * fresh in-memory PGlite; the `postgres` project (when a server answers at
 * TEST_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/postgres)
 * gives every file a fresh database of its own, dropped afterwards.
 */
import { createHash, randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase } from '../../src/infra/db/client.js';
import { readMigrationList } from '../../src/infra/db/migrations.js';

export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export function testDatabaseKind(): 'pglite' | 'postgres' {
  return process.env.TEST_DB === 'postgres' ? 'postgres' : 'pglite';
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * A fresh database for one test file. On PostgreSQL it is a copy of a template migrated once per set of
 * migrations (as PGlite's in-memory opens load a migrated dump, src/infra/db/client.ts): migrating every
 * file's database through the schema engine was most of a server's start. `empty`: no tables, for the
 * tests of migrating itself.
 */
export async function createTestDatabase(opts: { empty?: boolean } = {}): Promise<TestDatabase> {
  if (testDatabaseKind() === 'pglite') return { url: 'pglite:memory', drop: async () => {} };
  const name = `pg_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  if (opts.empty) return createPostgresDatabase(POSTGRES_ADMIN_URL, name);
  return createPostgresDatabase(POSTGRES_ADMIN_URL, name, await migratedTemplate(POSTGRES_ADMIN_URL));
}

let template: Promise<string> | null = null;

/**
 * The name of a database migrated with the committed migrations, made by the first worker that asks
 * (the others wait on an advisory lock) and kept between runs: its name carries a hash of the
 * migrations, so an edited or added migration gets a template of its own. Marked IS_TEMPLATE only once
 * migrated, so a half-made one (a run killed mid-migration) is never copied but made again.
 */
function migratedTemplate(adminUrl: string): Promise<string> {
  template ??= (async () => {
    const hash = createHash('sha256');
    for (const d of (await readMigrationList()).migrationDirectories) hash.update(d.path).update(JSON.stringify(d.migrationFile.content));
    const name = `pg_test_template_${hash.digest('hex').slice(0, 16)}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
      const found = await admin.query('SELECT datistemplate FROM pg_database WHERE datname = $1', [name]);
      if (found.rows[0]?.datistemplate) return name;
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${name}`);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      const db = await openDatabase({ kind: 'postgres', url: url.toString() });
      await db.close();
      // A copy needs the template to have no sessions: the schema engine's pool keeps an idle one open.
      while ((await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name])).rowCount) await new Promise((r) => setTimeout(r, 20));
      await admin.query(`ALTER DATABASE ${name} IS_TEMPLATE true`);
      return name;
    } finally {
      await admin.end(); // ends the session, and with it the advisory lock
    }
  })();
  template.catch(() => (template = null));
  return template;
}

/** A new database `name` on the server at `adminUrl`, empty or a copy of `fromTemplate` (one left by an earlier run is dropped first). Also used by bench/. */
export async function createPostgresDatabase(adminUrl: string, name: string, fromTemplate?: string): Promise<TestDatabase> {
  const admin = (sql: string) => {
    const c = new pg.Client({ connectionString: adminUrl });
    return c.connect().then(() => c.query(sql)).finally(() => c.end());
  };
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin(fromTemplate ? `CREATE DATABASE ${name} TEMPLATE ${fromTemplate}` : `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).then(() => undefined) };
}

/**
 * For slow tests whose subject does not depend on the database (e.g. the CLI
 * spawning processes): run them once, on PostgreSQL when this run has it,
 * else on PGlite — never skipped everywhere.
 */
export function onceAcrossDatabases(): boolean {
  return testDatabaseKind() === 'postgres' || process.env.TEST_POSTGRES_RUNS !== '1';
}

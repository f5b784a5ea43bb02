/**
 * Which database a test run uses. The `pglite` project runs every file on a
 * fresh in-memory PGlite; the `postgres` project (when a server answers at
 * TEST_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/postgres)
 * gives every file a fresh database of its own, dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export function testDatabaseKind(): 'pglite' | 'postgres' {
  return process.env.TEST_DB === 'postgres' ? 'postgres' : 'pglite';
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (testDatabaseKind() === 'pglite') return { url: 'pglite:memory', drop: async () => {} };
  return createPostgresDatabase(POSTGRES_ADMIN_URL, `pg_test_${process.pid}_${randomBytes(4).toString('hex')}`);
}

/** A new, empty database `name` on the server at `adminUrl` (one left by an earlier run is dropped first). Also used by bench/. */
export async function createPostgresDatabase(adminUrl: string, name: string): Promise<TestDatabase> {
  const admin = (sql: string) => {
    const c = new pg.Client({ connectionString: adminUrl });
    return c.connect().then(() => c.query(sql)).finally(() => c.end());
  };
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${name}`);
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

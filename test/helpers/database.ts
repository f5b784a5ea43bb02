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
  const name = `pg_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * For slow tests whose subject does not depend on the database (e.g. the CLI
 * spawning processes): run them once, on PostgreSQL when this run has it,
 * else on PGlite — never skipped everywhere.
 */
export function onceAcrossDatabases(): boolean {
  return testDatabaseKind() === 'postgres' || process.env.TEST_POSTGRES_RUNS !== '1';
}

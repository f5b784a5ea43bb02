/**
 * The migration runner on the wasm schema engine: committed SQL matches
 * schema.prisma, applying is idempotent and keeps Prisma's history table,
 * and a diverging history stops the start without touching data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { applyMigrations, createMigration, MigrationError, readMigrationList } from '../src/infra/db/migrations.js';
import { createTestDatabase, testDatabaseKind, type TestDatabase } from './helpers/database.js';

describe('migrations', () => {
  it('the committed migrations produce exactly prisma/schema.prisma (run npm run db:diff -- <name> if not)', async () => {
    expect(await createMigration('drift_check', { dryRun: true })).toBeNull();
  });

  describe(`on ${testDatabaseKind()}`, () => {
    let db: TestDatabase;
    let query: (sql: string, params?: unknown[]) => Promise<any[]>;
    let factory: () => PrismaPGlite | PrismaPg;
    let close: () => Promise<void>;

    beforeAll(async () => {
      db = await createTestDatabase({ empty: true });
      if (db.url === 'pglite:memory') {
        const lite = new PGlite();
        query = async (sql, params) => (await lite.query(sql, params)).rows as any[];
        factory = () => new PrismaPGlite(lite);
        close = () => lite.close();
      } else {
        const client = new pg.Client({ connectionString: db.url });
        await client.connect();
        query = async (sql, params) => (await client.query(sql, params as any[])).rows;
        factory = () => new PrismaPg({ connectionString: db.url });
        close = () => client.end();
      }
    });
    afterAll(async () => {
      await close?.();
      await db?.drop();
    });

    it('applies every committed migration once and records it in _prisma_migrations', async () => {
      const all = (await readMigrationList()).migrationDirectories.map((d) => d.path);
      expect(await applyMigrations(factory())).toEqual(all);
      expect(await applyMigrations(factory())).toEqual([]);
      const rows = await query('SELECT migration_name, finished_at FROM _prisma_migrations ORDER BY migration_name');
      expect(rows.map((r) => r.migration_name)).toEqual(all);
      expect(rows.every((r) => r.finished_at !== null)).toBe(true);
    });

    it('refuses a database whose history has a migration this code does not know, and changes nothing', async () => {
      await query(`INSERT INTO "Team" (id, name) VALUES ('keep-me', 'survivor')`);
      await query(
        `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
         VALUES ('x', 'abc', now(), '29990101000000_from_the_future', now(), 1)`,
      );
      const err = await applyMigrations(factory()).catch((e) => e);
      expect(err).toBeInstanceOf(MigrationError);
      expect(err.message).toContain('29990101000000_from_the_future');
      expect(err.message).toContain('Nothing was changed');
      expect(await query(`SELECT name FROM "Team" WHERE id = 'keep-me'`)).toEqual([{ name: 'survivor' }]);
    });

    it('refuses a history whose applied migration was edited afterwards', async () => {
      await query(`DELETE FROM _prisma_migrations WHERE migration_name = '29990101000000_from_the_future'`);
      await query(`UPDATE _prisma_migrations SET checksum = 'edited' WHERE migration_name = (SELECT min(migration_name) FROM _prisma_migrations)`);
      const err = await applyMigrations(factory()).catch((e) => e);
      expect(err).toBeInstanceOf(MigrationError);
      expect(err.message).toMatch(/edited after they were applied/);
    });
  });
});

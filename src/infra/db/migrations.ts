/**
 * The project's migration runner: committed SQL under prisma/migrations,
 * created from prisma/schema.prisma and applied through the wasm schema engine
 * on the same driver adapter the app uses. History lives in Prisma's
 * `_prisma_migrations` table, so `prisma migrate deploy` agrees with it.
 */
import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../paths.js';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { MigrationList } from '@prisma/schema-engine-wasm';
import { openSchemaEngine } from './schema-engine.js';
import { sha256Hex } from '../crypto.js';

const root = projectRoot;
export const schemaPath = path.join(root, 'prisma/schema.prisma');
export const migrationsDir = path.join(root, 'prisma/migrations');

const noFilters = { externalTables: [], externalEnums: [] };

export class MigrationError extends Error {
  override name = 'MigrationError';
}

export async function readMigrationList(dir = migrationsDir): Promise<MigrationList> {
  const lockPath = path.join(dir, 'migration_lock.toml');
  const entries = existsSync(dir) ? await readdir(dir, { withFileTypes: true }) : [];
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const migrationDirectories = await Promise.all(
    names.map(async (name) => {
      const file = path.join(dir, name, 'migration.sql');
      const content = existsSync(file)
        ? { tag: 'ok' as const, value: await readFile(file, 'utf8') }
        : { tag: 'error' as const, value: `${file} is missing` };
      return { path: name, migrationFile: { path: 'migration.sql', content } };
    }),
  );
  return {
    baseDir: dir,
    lockfile: {
      path: 'migration_lock.toml',
      content: existsSync(lockPath) ? await readFile(lockPath, 'utf8') : null,
    },
    migrationDirectories,
    shadowDbInitScript: '',
  };
}

async function readDatamodel() {
  return { path: schemaPath, content: await readFile(schemaPath, 'utf8') };
}

/**
 * The fast path for a restart: when `_prisma_migrations` lists exactly the
 * committed migrations, all finished, none rolled back, with the checksums
 * Prisma computes (sha256 of the SQL), there is nothing to do and the wasm
 * engine need not be loaded. Anything else goes through the engine.
 */
async function historyMatches(factory: SqlMigrationAwareDriverAdapterFactory, list: MigrationList): Promise<boolean> {
  const adapter = await factory.connect();
  try {
    const result = await adapter.queryRaw({
      sql: 'SELECT migration_name, checksum, finished_at IS NOT NULL AS finished, rolled_back_at IS NULL AS live FROM _prisma_migrations',
      args: [],
      argTypes: [],
    });
    const rows = result.rows.filter((r) => r[3] === true || r[3] === 't');
    const expected = new Map(
      list.migrationDirectories.map((d) => [d.path, d.migrationFile.content.tag === 'ok' ? sha256Hex(d.migrationFile.content.value) : null]),
    );
    if (rows.length !== expected.size) return false;
    return rows.every(([name, checksum, finished]) => (finished === true || finished === 't') && expected.get(String(name)) === checksum);
  } catch {
    return false; // no history table yet, or an unexpected shape: let the engine decide
  } finally {
    await adapter.dispose();
  }
}

/**
 * Applies every committed migration the database has not seen. Refuses, with
 * a message saying what to do, when the database's history and the committed
 * files disagree (edited, failed, or unknown migrations): nothing is dropped.
 */
export async function applyMigrations(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
): Promise<string[]> {
  const migrationsList = await readMigrationList();
  if (await historyMatches(adapterFactory, migrationsList)) return [];
  const engine = await openSchemaEngine(await readDatamodel(), adapterFactory);
  try {
    const diagnosis = await engine.diagnoseMigrationHistory({
      migrationsList,
      optInToShadowDatabase: false,
      filters: noFilters,
    });
    const problems: string[] = [];
    if (diagnosis.failedMigrationNames.length)
      problems.push(`migrations that failed earlier: ${diagnosis.failedMigrationNames.join(', ')}`);
    if (diagnosis.editedMigrationNames.length)
      problems.push(`migrations edited after they were applied: ${diagnosis.editedMigrationNames.join(', ')}`);
    const history = diagnosis.history;
    if (history?.diagnostic === 'migrationsDirectoryIsBehind')
      problems.push(`the database has migrations this code does not know: ${history.unpersistedMigrationNames.join(', ')}`);
    if (history?.diagnostic === 'historiesDiverge')
      problems.push(
        `the histories diverge after ${history.lastCommonMigrationName ?? 'the start'}: ` +
          `database only: ${history.unpersistedMigrationNames.join(', ') || 'none'}; ` +
          `code only: ${history.unappliedMigrationNames.join(', ') || 'none'}`,
      );
    if (problems.length) {
      throw new MigrationError(
        `The database's migration history does not match prisma/migrations (${problems.join('; ')}). ` +
          'Nothing was changed. Point DATABASE_URL at the right database, or restore the matching code.',
      );
    }
    const out = await engine.applyMigrations({ migrationsList, filters: noFilters });
    return out.appliedMigrationNames;
  } finally {
    engine.free();
  }
}

/**
 * Writes prisma/migrations/<timestamp>_<name>/migration.sql with the SQL that
 * takes the committed migrations to the current schema.prisma. Runs against a
 * throwaway in-memory PGlite, so it needs no database and no network. With
 * `dryRun` it writes nothing and returns the SQL it would write (null: in sync).
 */
export async function createMigration(name: string, opts: { dryRun?: boolean } = {}): Promise<string | null> {
  const [{ PGlite }, { PrismaPGlite }] = await Promise.all([import('@electric-sql/pglite'), import('pglite-prisma-adapter')]);
  const pg = new PGlite();
  const factory = new PrismaPGlite(pg);
  const engine = await openSchemaEngine(await readDatamodel(), factory);
  try {
    // Replay the committed history on a throwaway database, then diff that
    // database against the datamodel (the wasm engine has no shadow database).
    const datamodel = await readDatamodel();
    await engine.applyMigrations({ migrationsList: await readMigrationList(), filters: noFilters });
    const diff = await engine.diff({
      from: { tag: 'schemaDatasource', files: [datamodel], configDir: root },
      to: { tag: 'schemaDatamodel', files: [datamodel] },
      script: true,
      exitCode: null,
      filters: noFilters,
    });
    const sql = diff.stdout ?? '';
    if (!sql.trim() || /^-- This is an empty migration/.test(sql.trim())) return null;
    const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
    const generated = `${stamp}_${name}`;
    if (opts.dryRun) return sql;
    const dir = path.join(migrationsDir, generated);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'migration.sql'), sql);
    const lock = path.join(migrationsDir, 'migration_lock.toml');
    if (!existsSync(lock))
      await writeFile(
        lock,
        '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n',
      );
    return generated;
  } finally {
    engine.free();
    await pg.close();
  }
}

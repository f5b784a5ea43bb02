/**
 * Opens the database the config names: embedded PGlite (a directory or memory)
 * or a PostgreSQL server, both behind a Prisma driver adapter, and brings its
 * schema up to date with the committed migrations.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaClient } from '../../generated/prisma/client.js';
import type { DatabaseTarget } from '../../config.js';
import { applyMigrations } from './migrations.js';
import { observedSql, pgliteSql, postgresSql, type Sql } from './sql.js';

export type { PrismaClient };

/** One SQL statement as Prisma ran it (for trace logging and statement counts in tests). */
export interface QueryEvent {
  query: string;
  params: string;
  duration: number;
}

export interface Database {
  prisma: PrismaClient;
  /** Plain SQL for hot key look-ups (src/infra/db/sql.ts). */
  sql: Sql;
  /** Calls `listener` for every SQL statement (when opened with observeQueries); returns a function that stops it. */
  onQuery(listener: (e: QueryEvent) => void): () => void;
  /** Human description for the banner and logs (no credentials). */
  description: string;
  kind: DatabaseTarget['kind'];
  close(): Promise<void>;
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres (unparseable url)';
  }
}

/** Another live process has the embedded database open (two writers would corrupt it). */
export class DatabaseInUseError extends Error {
  override name = 'DatabaseInUseError';
  constructor(readonly dir: string, readonly pid: number) {
    super(`The embedded database in ${dir} is in use by another personagraph process (pid ${pid}). Stop it first, or talk to it over HTTP.`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes `<dir>.lock` for this process (a lock left by a dead process is taken over); returns its release. */
async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const file = `${dir}.lock`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx' });
      return () => rm(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (pid && pid !== process.pid && alive(pid)) throw new DatabaseInUseError(dir, pid);
      await rm(file, { force: true });
    }
  }
  throw new Error(`could not lock ${dir}`);
}

/**
 * A migrated in-memory database, dumped once per process: later in-memory
 * opens load it instead of migrating from scratch (the test suite opens
 * dozens; a load takes a fraction of a migration). Never used for a directory.
 */
let memoryTemplate: Promise<Blob> | null = null;

export async function openAdapter(target: DatabaseTarget, from?: Blob): Promise<{
  factory: SqlMigrationAwareDriverAdapterFactory;
  sql: Sql;
  description: string;
  /** The embedded database's files as a tarball (PGlite only). */
  dump(): Promise<Blob>;
  close(): Promise<void>;
}> {
  if (target.kind === 'postgres') {
    const factory = new PrismaPg({ connectionString: target.url, max: 10 });
    const sql = postgresSql(target.url, 5);
    return { factory, sql, description: `PostgreSQL ${redact(target.url)}`, dump: () => Promise.reject(new Error('only an embedded database can be dumped')), close: () => sql.close() };
  }
  if (target.dataDir) await mkdir(target.dataDir, { recursive: true });
  const unlock = target.dataDir ? await lockDataDir(target.dataDir) : async () => {};
  // Loaded only for the embedded database: a process on PostgreSQL never pays PGlite's memory (~40 MB).
  const [{ PGlite }, { PrismaPGlite }] = await Promise.all([import('@electric-sql/pglite'), import('pglite-prisma-adapter')]);
  let pg: PGlite;
  try {
    pg = target.dataDir ? new PGlite(target.dataDir) : new PGlite(from ? { loadDataDir: from } : {});
    await pg.waitReady;
  } catch (err) {
    await unlock();
    throw err;
  }
  return {
    factory: new PrismaPGlite(pg),
    sql: pgliteSql(pg),
    dump: async () => (await pg.dumpDataDir('none')) as Blob,
    description: target.dataDir ? `embedded PGlite in ${target.dataDir}` : 'embedded PGlite in memory',
    close: async () => {
      await pg.close();
      await unlock();
    },
  };
}

export async function openDatabase(
  target: DatabaseTarget,
  opts: { migrate?: boolean; observeQueries?: boolean } = {},
): Promise<Database & { appliedMigrations: string[] }> {
  const fromTemplate = target.kind === 'pglite' && !target.dataDir && opts.migrate !== false && memoryTemplate ? await memoryTemplate.catch(() => undefined) : undefined;
  const adapter = await openAdapter(target, fromTemplate);
  const appliedMigrations = opts.migrate === false ? [] : await applyMigrations(adapter.factory);
  if (target.kind === 'pglite' && !target.dataDir && opts.migrate !== false && !memoryTemplate) {
    // Before anything else writes: the template is the migrated schema and nothing more.
    memoryTemplate = adapter.dump();
    await memoryTemplate.catch(() => (memoryTemplate = null));
  }
  // Query events cost time on every statement: only when someone asked to watch them.
  const client = new PrismaClient({ adapter: adapter.factory, ...(opts.observeQueries ? { log: [{ emit: 'event' as const, level: 'query' as const }] } : {}) });
  const listeners = new Set<(e: QueryEvent) => void>();
  if (opts.observeQueries) {
    (client as unknown as { $on(ev: 'query', cb: (e: QueryEvent) => void): void }).$on('query', (e) => {
      for (const l of listeners) l({ query: e.query, params: e.params, duration: e.duration });
    });
  }
  const prisma = client as unknown as PrismaClient;
  return {
    prisma,
    sql: opts.observeQueries ? observedSql(adapter.sql, (e) => listeners.forEach((l) => l(e))) : adapter.sql,
    onQuery(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    description: adapter.description,
    kind: target.kind,
    appliedMigrations,
    async close() {
      await prisma.$disconnect();
      await adapter.close();
    },
  };
}

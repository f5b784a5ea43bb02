/**
 * The database connection under Prisma: embedded PGlite (a directory or
 * memory) or a PostgreSQL pool, with the plain-SQL path beside it. Kept apart
 * from the Prisma client so that `src/main.ts` can start opening the embedded
 * database (PGlite's wasm start, ~0.5 s) while the rest of the app loads.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { PGlite } from '@electric-sql/pglite';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { DatabaseTarget } from '../../config.js';
import { pgliteSql, postgresSql, type Sql } from './sql.js';

export interface Adapter {
  factory: SqlMigrationAwareDriverAdapterFactory;
  sql: Sql;
  description: string;
  /** The embedded database's files as a tarball (PGlite only). */
  dump(): Promise<Blob>;
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
 * PGlite's own start parameters with a smaller buffer pool. PGlite defaults to
 * PostgreSQL's shared_buffers = 128MB, all of it touched inside its wasm memory
 * at start (RSS the process keeps for its life, and ~0.3 s of a cold start to
 * zero it). One process, one connection, and the data files sit in the OS page
 * cache anyway, so 16MB of buffers costs no round trip to disk. max_connections
 * sizes shared memory per backend slot (PGPROC, lock table): single-user PGlite
 * has one backend; with 10 slots one transaction can still lock over 4,000
 * objects (checked: 2,000 tables with their indexes created in one
 * transaction; 5,000 run out of shared memory), against a schema of a few
 * dozen tables. Durability is
 * unchanged: these are the defaults PGlite passes (`PGlite.defaultStartParams`,
 * its fsync and WAL settings included) plus the smaller pool.
 */
function startParams(defaults: readonly string[]): string[] {
  return [...defaults, '-c', 'shared_buffers=16MB', '-c', 'max_connections=10'];
}

export async function openAdapter(target: DatabaseTarget, from?: Blob): Promise<Adapter> {
  if (target.kind === 'postgres') {
    const { PrismaPg } = await import('@prisma/adapter-pg');
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
    const options = { startParams: startParams(PGlite.defaultStartParams) };
    pg = target.dataDir ? new PGlite(target.dataDir, options) : new PGlite(from ? { ...options, loadDataDir: from } : options);
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

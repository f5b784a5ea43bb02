/**
 * The database connection under Prisma: embedded PGlite (a directory or
 * memory) or a PostgreSQL pool, with the plain-SQL path beside it. Kept apart
 * from the Prisma client so that `src/main.ts` can start opening the embedded
 * database (PGlite's wasm start, ~0.5 s) while the rest of the app loads.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { DatabaseTarget } from '../../config.js';
import { pgliteSql, postgresSql, type Sql } from './sql.js';
import { discardTemplate, extractTemplate, readTemplate } from './template.js';

export interface Adapter {
  factory: SqlMigrationAwareDriverAdapterFactory;
  sql: Sql;
  description: string;
  /** The embedded database's files as a tarball (PGlite only). */
  dump(): Promise<Blob>;
  /** A new embedded database made from the migrated template (template.ts) rather than by initdb. */
  fromTemplate: boolean;
  /** A new embedded database, made by this open (in memory, or in a directory that held none). */
  created: boolean;
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

/** PostgreSQL's type id of bytea. */
const BYTEA = 17;

/**
 * bytea parameters as PostgreSQL's hex text, through Buffer's native encoder. PGlite's own serializer builds
 * a string per byte (`Array.from(bytes).map(…).join('')`): an upload of 1 MB to the embedded database spent
 * ~1 s in it and in the garbage it left. The same text, the same refusal of anything but bytes.
 */
export function serializeBytea(value: unknown): string {
  if (!(value instanceof Uint8Array)) throw new Error('Invalid input for bytea type');
  return `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
}

/**
 * `template`: a new embedded database (memory, or a data directory with nothing in it yet) starts from the
 * migrated template when there is one (template.ts); only for callers that migrate it anyway.
 */
export async function openAdapter(target: DatabaseTarget, opts: { template?: boolean } = {}): Promise<Adapter> {
  if (target.kind === 'postgres') {
    const { PrismaPg } = await import('@prisma/adapter-pg');
    const factory = new PrismaPg({ connectionString: target.url, max: 10 });
    const sql = postgresSql(target.url, 5);
    return { factory, sql, description: `PostgreSQL ${redact(target.url)}`, fromTemplate: false, created: false, dump: () => Promise.reject(new Error('only an embedded database can be dumped')), close: () => sql.close() };
  }
  const dir = target.dataDir;
  if (dir) {
    // PGlite writes its files world-writable (0666, whatever the umask): only this user may reach them.
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
  }
  const unlock = dir ? await lockDataDir(dir) : async () => {};
  // Loaded only for the embedded database: a process on PostgreSQL never pays PGlite's memory (~40 MB).
  const [{ PGlite }, { PrismaPGlite }] = await Promise.all([import('@electric-sql/pglite'), import('pglite-prisma-adapter')]);
  const options = { startParams: startParams(PGlite.defaultStartParams), serializers: { [BYTEA]: serializeBytea } };
  const open = async (loadDataDir?: Blob) => {
    const pg = dir ? new PGlite(dir, options) : new PGlite(loadDataDir ? { ...options, loadDataDir } : options);
    try {
      await pg.waitReady;
    } catch (err) {
      await pg.close().catch(() => {});
      throw err;
    }
    return pg;
  };
  // Checked under the lock, like the template's condition below.
  const created = !dir || !existsSync(path.join(dir, 'PG_VERSION'));
  let pg: PGlite | null = null;
  let fromTemplate = false;
  try {
    // Checked under the lock: an empty directory is one no other start is creating.
    if (opts.template && (!dir || (await readdir(dir)).length === 0)) {
      const loaded = dir ? extractTemplate(dir).then((found) => (found ? open() : null)) : readTemplate().then((blob) => blob && open(blob));
      pg = await loaded.catch(async () => {
        // A damaged template: forgotten, and this database made the slow way (which makes a new template).
        await discardTemplate();
        if (dir) await rm(dir, { recursive: true, force: true, maxRetries: 3 }).then(() => mkdir(dir, { recursive: true, mode: 0o700 }));
        return null;
      });
      fromTemplate = pg !== null;
    }
    pg ??= await open();
  } catch (err) {
    await unlock();
    throw err;
  }
  const db = pg;
  return {
    factory: new PrismaPGlite(db),
    sql: pgliteSql(db),
    fromTemplate,
    created,
    dump: async () => (await db.dumpDataDir('none')) as Blob,
    description: dir ? `embedded PGlite in ${dir}` : 'embedded PGlite in memory',
    close: async () => {
      await db.close();
      await unlock();
    },
  };
}

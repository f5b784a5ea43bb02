/**
 * Plain SQL beside Prisma, for the few hot paths where Prisma's per-query
 * work costs more than the query (a row by its key on every request, the
 * nested content loaders, persona inserts, a chat run's writes): a
 * node-postgres pool with named prepared statements on PostgreSQL, the
 * PGlite instance itself when embedded. Rows come back under Prisma's field
 * names (the tables have no @map), timestamps as UTC Dates and JSON parsed, so
 * they are the objects Prisma would have returned. Everything else stays
 * with Prisma.
 */
import type { PGlite } from '@electric-sql/pglite';
import { createHash } from 'node:crypto';
import pg from 'pg';

export interface Sql {
  /** Runs one statement; `name` prepares it once per connection (PostgreSQL). */
  rows<T>(name: string, text: string, params: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** Prisma keeps DateTime in `timestamp(3)` (no zone) as UTC; node-postgres and PGlite would read local time. */
const TIMESTAMP = 1114;
const utc = (v: string) => new Date(v + 'Z'); // V8 reads "2026-01-01 12:00:00.123Z" as ISO

export function postgresSql(url: string, max: number): Sql {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    // A server that does not answer is reported (503 upstream) rather than waited on.
    connectionTimeoutMillis: 5000,
    types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === TIMESTAMP ? utc : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser },
  });
  // An idle client's error (the server went away) must not crash the process; the next query reports it.
  pool.on('error', () => {});
  return {
    async rows<T>(name: string, text: string, params: unknown[]) {
      return (await pool.query({ name, text, values: params })).rows as T[];
    },
    close: () => pool.end(),
  };
}

export function pgliteSql(db: PGlite): Sql {
  return {
    async rows<T>(_name: string, text: string, params: unknown[]) {
      return (await db.query<T>(text, params, { parsers: { [TIMESTAMP]: utc } })).rows;
    },
    close: async () => {},
  };
}

/** Reports every statement to `listener` (the same events Prisma's statements give, for traces and statement counts). */
export function observedSql(sql: Sql, listener: (e: { query: string; params: string; duration: number }) => void): Sql {
  return {
    async rows<T>(name: string, text: string, params: unknown[]) {
      const t = performance.now();
      try {
        return await sql.rows<T>(name, text, params);
      } finally {
        listener({ query: text, params: JSON.stringify(params), duration: performance.now() - t });
      }
    },
    close: () => sql.close(),
  };
}

/** Groups rows under their parent key, in the order the keys were asked for. */
export function groupBy<R>(keys: readonly string[], rows: R[], keyOf: (r: R) => string): R[][] {
  const groups = new Map<string, R[]>(keys.map((k) => [k, []]));
  for (const r of rows) groups.get(keyOf(r))?.push(r);
  return keys.map((k) => groups.get(k)!);
}

const statementNames = new Map<string, string>();

/** A short, stable prepared-statement name for `text` (PostgreSQL truncates names at 63 bytes). */
export function statementName(prefix: string, text: string): string {
  let name = statementNames.get(text);
  if (!name) statementNames.set(text, (name = `${prefix}_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`));
  return name;
}

/** `"a", "b"` for a column list, or `*`; prefixed with `alias.` when given. */
export const selectList = (cols: readonly string[] | null, alias = '') => (cols ? cols.map((c) => `${alias ? alias + '.' : ''}"${c}"`).join(', ') : alias ? `${alias}.*` : '*');

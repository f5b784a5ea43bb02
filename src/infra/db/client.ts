/**
 * Opens the database the config names: embedded PGlite (a directory or memory)
 * or a PostgreSQL server, both behind a Prisma driver adapter, and brings its
 * schema up to date with the committed migrations.
 */
import { PrismaClient } from '../../generated/prisma/client.js';
import type { DatabaseTarget } from '../../config.js';
import { applyMigrations, readMigrationList } from './migrations.js';
import { saveTemplate } from './template.js';
import { observedSql, type Sql } from './sql.js';
import { openAdapter, type Adapter } from './adapter.js';

export { DatabaseInUseError } from './adapter.js';

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

export async function openDatabase(
  target: DatabaseTarget,
  /** `opening`: the adapter for `target`, already being opened (src/main.ts starts it before loading the app). */
  opts: { migrate?: boolean; observeQueries?: boolean; opening?: Promise<Adapter> } = {},
): Promise<Database & { appliedMigrations: string[] }> {
  const migrate = opts.migrate !== false;
  const adapter = await (opts.opening ?? openAdapter(target, { template: migrate }));
  let appliedMigrations: string[] = [];
  if (migrate) appliedMigrations = await applyMigrations(adapter.factory);
  if (migrate && target.kind === 'pglite' && (adapter.fromTemplate || appliedMigrations.length)) {
    const committed = (await readMigrationList()).migrationDirectories.map((d) => d.path);
    // Made from the template: the database got every migration, through the template.
    if (adapter.fromTemplate && !appliedMigrations.length) appliedMigrations = committed;
    // A database this open created, migrated and not yet written by anything else: the template for the next one.
    // Never one that was there before (whatever else it holds must not reach other databases).
    else if (adapter.created && appliedMigrations.length === committed.length) await saveTemplate(await adapter.dump());
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

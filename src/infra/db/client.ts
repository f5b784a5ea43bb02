/**
 * Opens the database the config names: embedded PGlite (a directory or memory)
 * or a PostgreSQL server, both behind a Prisma driver adapter, and brings its
 * schema up to date with the committed migrations.
 */
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaClient } from '../../generated/prisma/client.js';
import type { DatabaseTarget } from '../../config.js';
import { applyMigrations } from './migrations.js';

export type { PrismaClient };

/** One SQL statement as Prisma ran it (for trace logging and statement counts in tests). */
export interface QueryEvent {
  query: string;
  params: string;
  duration: number;
}

export interface Database {
  prisma: PrismaClient;
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

export async function openAdapter(target: DatabaseTarget): Promise<{
  factory: SqlMigrationAwareDriverAdapterFactory;
  description: string;
  close(): Promise<void>;
}> {
  if (target.kind === 'postgres') {
    const factory = new PrismaPg({ connectionString: target.url, max: 10 });
    return { factory, description: `PostgreSQL ${redact(target.url)}`, close: async () => {} };
  }
  if (target.dataDir) await mkdir(target.dataDir, { recursive: true });
  const pg = target.dataDir ? new PGlite(target.dataDir) : new PGlite();
  await pg.waitReady;
  return {
    factory: new PrismaPGlite(pg),
    description: target.dataDir ? `embedded PGlite in ${target.dataDir}` : 'embedded PGlite in memory',
    close: () => pg.close(),
  };
}

export async function openDatabase(
  target: DatabaseTarget,
  opts: { migrate?: boolean; observeQueries?: boolean } = {},
): Promise<Database & { appliedMigrations: string[] }> {
  const adapter = await openAdapter(target);
  const appliedMigrations = opts.migrate === false ? [] : await applyMigrations(adapter.factory);
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

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

export interface Database {
  prisma: PrismaClient;
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
  opts: { migrate?: boolean } = {},
): Promise<Database & { appliedMigrations: string[] }> {
  const adapter = await openAdapter(target);
  const appliedMigrations = opts.migrate === false ? [] : await applyMigrations(adapter.factory);
  const prisma = new PrismaClient({ adapter: adapter.factory });
  return {
    prisma,
    description: adapter.description,
    kind: target.kind,
    appliedMigrations,
    async close() {
      await prisma.$disconnect();
      await adapter.close();
    },
  };
}

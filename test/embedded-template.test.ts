/**
 * The embedded database's template (src/infra/db/template.ts): the first new
 * embedded database leaves its freshly migrated files as a template, later new
 * ones (a directory or memory) start from it with the same schema and history,
 * and a damaged template costs only time: the start makes the database the
 * slow way and replaces the template. A database that existed before a start
 * never becomes one.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readdir, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PGlite } from '@electric-sql/pglite';
import { openDatabase } from '../src/infra/db/client.js';
import { readMigrationList } from '../src/infra/db/migrations.js';
import { templateCache } from '../src/infra/db/template.js';

let cacheBefore: string;
let root: string;
let committed: string[];
beforeAll(async () => {
  cacheBefore = templateCache.dir;
  root = await mkdtemp(path.join(tmpdir(), 'personagraph-template-'));
  templateCache.dir = path.join(root, 'cache');
  committed = (await readMigrationList()).migrationDirectories.map((d) => d.path);
});
afterAll(() => {
  templateCache.dir = cacheBefore;
});

const templates = async () => (existsSync(templateCache.dir) ? (await readdir(templateCache.dir)).filter((f) => f.endsWith('.tar')) : []);

/** Opens an embedded database, checks it is usable, and says how it was made. */
async function openAndUse(dataDir: string | null) {
  const db = await openDatabase({ kind: 'pglite', dataDir });
  try {
    const history = await db.prisma.$queryRawUnsafe<{ id: string; migration_name: string }[]>('SELECT id, migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name');
    const team = await db.prisma.team.create({ data: { name: `t-${path.basename(dataDir ?? 'memory')}` } });
    expect(await db.prisma.team.findUnique({ where: { id: team.id } })).not.toBeNull();
    // The history rows' ids are random per migration run: equal ids mean copied from the same template.
    return { applied: db.appliedMigrations, history: history.map((r) => r.migration_name), runIds: history.map((r) => r.id).join() };
  } finally {
    await db.close();
  }
}

describe('the embedded database template', () => {
  it('the first new database migrates and leaves a template; a later one starts from it with the same history', async () => {
    const first = await openAndUse(path.join(root, 'first'));
    expect(first.applied).toEqual(committed);
    expect(first.history).toEqual(committed);
    expect(await templates()).toHaveLength(1);

    const dir = path.join(root, 'second');
    const second = await openAndUse(dir);
    expect(second.applied).toEqual(committed); // reported as applied: the database got them through the template
    expect(second.history).toEqual(committed);
    expect(second.runIds).toBe(first.runIds);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);

    // It is an ordinary database from then on: reopened, nothing to apply, the row written above is there.
    const db = await openDatabase({ kind: 'pglite', dataDir: dir });
    try {
      expect(db.appliedMigrations).toEqual([]);
      expect(await db.prisma.team.count({ where: { name: 't-second' } })).toBe(1);
    } finally {
      await db.close();
    }
    // The template itself did not take the write.
    const third = path.join(root, 'third');
    expect((await openAndUse(third)).runIds).toBe(first.runIds);
    const db3 = await openDatabase({ kind: 'pglite', dataDir: third });
    try {
      expect(await db3.prisma.team.count({ where: { name: 't-second' } })).toBe(0);
    } finally {
      await db3.close();
    }
  });

  let firstRunIds: string;
  it('an in-memory database starts from it too', async () => {
    expect(await templates()).toHaveLength(1);
    firstRunIds = (await openAndUse(path.join(root, 'one-more'))).runIds;
    const memory = await openAndUse(null);
    expect(memory.runIds).toBe(firstRunIds);
    expect(memory.applied).toEqual(committed);
    expect(memory.history).toEqual(committed);
  });

  it('a damaged template is skipped and replaced, and templates of other migrations or another PGlite are removed', async () => {
    const [name] = await templates();
    const file = path.join(templateCache.dir, name!);
    const good = (await stat(file)).size;
    // Never loaded (another name: other migrations or another PGlite), removed when this code saves its own.
    const stale = path.join(templateCache.dir, 'pglite-000000000000000000000000.tar');
    await copyFile(file, stale);
    await writeFile(file, Buffer.alloc(4096, 7)); // not a tarball of a database
    const dir = path.join(root, 'after-damage');
    const opened = await openAndUse(dir);
    expect(opened.applied).toEqual(committed);
    expect(opened.history).toEqual(committed);
    expect(opened.runIds).not.toBe(firstRunIds); // migrated here, not copied
    expect((await stat(file)).size).toBe(good); // made again from this database
    expect(await templates()).toEqual([name]);
    expect((await openAndUse(path.join(root, 'from-new-template'))).runIds).toBe(opened.runIds);

    // In memory: a tarball cut short.
    await truncate(file, good - 4000);
    const memory = await openAndUse(null);
    expect(memory.history).toEqual(committed);
    expect(memory.runIds).not.toBe(opened.runIds);
    expect((await stat(file)).size).toBe(good);
  });

  it('a database that was there before the start never becomes the template, whatever it holds', async () => {
    const before = templateCache.dir;
    templateCache.dir = path.join(root, 'cache-for-existing');
    try {
      const dir = path.join(root, 'existing-without-history');
      const lite = new PGlite(dir);
      // Outside the schema Prisma migrates, so the migrations apply on top of it.
      await lite.exec("CREATE SCHEMA elsewhere; CREATE TABLE elsewhere.someone_elses (secret text); INSERT INTO elsewhere.someone_elses VALUES ('tenant a')");
      await lite.close();
      const db = await openDatabase({ kind: 'pglite', dataDir: dir });
      expect(db.appliedMigrations).toEqual(committed); // migrated in place
      await db.close();
      expect(await templates()).toEqual([]); // so the next new database is made the slow way, without it
    } finally {
      templateCache.dir = before;
    }
  });
});

/**
 * The embedded database's template: the files of a PGlite database that has
 * the committed migrations and nothing else, kept as a tarball in
 * `node_modules/.cache/personagraph/` (the usual place for a package's
 * caches). A new embedded database (a new data directory or `pglite:memory`)
 * loads it instead of running initdb inside wasm and then every migration:
 * ~5.4 s → ~0.6 s in memory, ~0.4 s into a directory (2-core host).
 *
 * The first embedded database created after an install or a new migration
 * makes it (see `client.ts`): dumped right after its migrations, before the
 * app writes anything; never a database that existed before that start. Its name carries a hash of PGlite's version and of
 * every committed migration, so a template is only ever loaded into the code
 * that made it; after the load the migration history is still checked like
 * on any start. A template that cannot be read, written or loaded is
 * skipped: the database is then created the slow way, as without one.
 *
 * The only trace of its origin in a database: `_prisma_migrations` rows keep
 * the ids and times of the run that made the template.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { access, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { projectRoot } from '../../paths.js';

/** Where templates live; tests point it at a directory of their own. */
export const templateCache = { dir: path.join(projectRoot, 'node_modules/.cache/personagraph') };

/** Bumped when what a template holds or how it is made changes. */
const FORMAT = 1;

function pgliteVersion(): string {
  let dir = path.dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@electric-sql/pglite' && pkg.version) return pkg.version;
    } catch {
      // not this directory
    }
    const parent = path.dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}

let keyOnce: Promise<string> | null = null;

/** The template's name for this PGlite and these migrations (read once per process). */
function templateKey(): Promise<string> {
  // migrations.ts loads the schema engine's JS: imported only here, so src/main.ts stays light.
  keyOnce ??= import('./migrations.js').then(async ({ readMigrationList }) => {
    const list = await readMigrationList();
    const h = createHash('sha256').update(`format ${FORMAT}\npglite ${pgliteVersion()}\n`);
    for (const d of list.migrationDirectories) h.update(`${d.path}\n${d.migrationFile.content.tag}\n${d.migrationFile.content.value}\n`);
    return h.digest('hex').slice(0, 24);
  });
  return keyOnce;
}

const fileName = (key: string) => `pglite-${key}.tar`;

/** Where the template for this code is (or would be). */
const templateFile = async () => path.join(templateCache.dir, fileName(await templateKey()));

/**
 * Unpacks a tarball with node-tar (npm's own) into `dir`; throws when it is not a whole database's files.
 * PGlite's tarballs name files from the root ("/PG_VERSION"), which node-tar strips.
 */
async function unpack(file: string, dir: string): Promise<void> {
  const { x } = await import('tar');
  let damage: string | null = null;
  let pgVersion = false;
  await x({
    file,
    cwd: dir,
    onwarn: (code, message) => void (code === 'TAR_ENTRY_INFO' || (damage ??= `${code}: ${String(message)}`)),
    onReadEntry: (entry) => void (entry.path.replace(/^\/+/, '') === 'PG_VERSION' && (pgVersion = true)),
  });
  if (damage || !pgVersion) throw new Error(`the embedded database template ${file} is damaged (${damage ?? 'no PG_VERSION'})`);
}

/**
 * A tarball's outline: whole 512-byte blocks, a ustar header first, the two zero blocks that end an archive.
 * Enough to keep a damaged or truncated file from PGlite's own loader, which reports one as an unhandled
 * rejection rather than to its caller.
 */
function looksWhole(buf: Buffer): boolean {
  return buf.length >= 1536 && buf.length % 512 === 0 && buf.toString('latin1', 257, 262) === 'ustar' && buf.subarray(-1024).every((b) => b === 0);
}

/**
 * This process's copy, while the file is unchanged: the test suite opens dozens of in-memory databases per
 * process. PGlite keeps the tarball it loaded for the life of the database anyway.
 */
let cached: { file: string; mtimeMs: number; size: number; blob: Blob } | null = null;

/** The template for this code, or null when there is none (yet). Throws when it is damaged. */
export async function readTemplate(): Promise<Blob | null> {
  const file = await templateFile();
  const st = await stat(file).catch(() => null);
  if (!st) return null;
  if (cached?.file === file && cached.mtimeMs === st.mtimeMs && cached.size === st.size) return cached.blob;
  const buf = await readFile(file);
  if (!looksWhole(buf)) throw new Error(`the embedded database template ${file} is damaged`);
  cached = { file, mtimeMs: st.mtimeMs, size: st.size, blob: new Blob([buf]) };
  return cached.blob;
}

/**
 * Unpacks the template into `dir` (new and empty), for PGlite to open as an existing database; false when
 * there is none. Unpacked here rather than through PGlite's own `loadDataDir`, which keeps the tarball in
 * memory for the life of the database (~43 MB, and the RSS of its copies). Throws when it is damaged.
 */
export async function extractTemplate(dir: string): Promise<boolean> {
  const file = await templateFile();
  if (!(await exists(file))) return false;
  await unpack(file, dir);
  return true;
}

const exists = (file: string) => access(file).then(
  () => true,
  () => false,
);

/** Whether there is a template for this code (without reading it). */
export async function hasTemplate(): Promise<boolean> {
  return exists(await templateFile());
}

/**
 * Keeps `dump` (a freshly migrated database's files) as the template for this code, replacing templates
 * of other versions. Written under a temporary name and renamed, so concurrent first starts never see half
 * a file. Never throws: without a template the next start is merely slower.
 */
export async function saveTemplate(dump: Blob): Promise<void> {
  const dir = templateCache.dir;
  try {
    const key = await templateKey();
    await mkdir(dir, { recursive: true });
    const tmp = path.join(dir, `${fileName(key)}.${process.pid}.tmp`);
    await writeFile(tmp, Buffer.from(await dump.arrayBuffer()));
    await rename(tmp, path.join(dir, fileName(key)));
    for (const name of await readdir(dir)) {
      if (name.startsWith('pglite-') && name !== fileName(key) && !name.endsWith('.tmp')) await rm(path.join(dir, name), { force: true });
    }
  } catch {
    // a read-only install, a full disk: starts stay correct, only slower
  }
}

/** Forgets a template that failed to load, so that the next new database is made the slow way (and makes a new one). */
export async function discardTemplate(): Promise<void> {
  cached = null;
  await rm(await templateFile(), { force: true }).catch(() => {});
}

/**
 * Three projects, so each test file runs where its subject is and no more:
 * - `pglite`: every file except the process files, on embedded PGlite;
 * - `postgres` (when a server answers; otherwise a visible SKIPPED line, never
 *   a silent pass): every file that has database behaviour, i.e. all but the
 *   process files and those listed in PGLITE_ONLY with the reason;
 * - `processes`: the files that start real processes or pick their database
 *   themselves, run once (their database: PostgreSQL when the run has it, else
 *   PGlite; embedded-only ones use their own PGlite directories).
 * A new file runs on both databases unless it is listed below. What runs where
 * is printed at the start of every run.
 */
import { readFileSync, readdirSync } from 'node:fs';
import net from 'node:net';
import { createRequire } from 'node:module';
import path from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Files whose subject does not depend on the database: they run on PGlite only. */
const PGLITE_ONLY: Record<string, string> = {
  config: 'parses environment variables; no database',
  'safe-fetch': 'the outbound request guard against loopback servers; no database',
  'outbound-guard': 'which outbound requests the guard lets through; refused before any write',
  routes: 'auth, scope and body checks of the route table, answered before any handler reaches the database',
  openapi: 'the OpenAPI document and that it lists the routes the server answers',
  'graphql-limits': 'depth/alias/token/cost/size limits on GraphQL documents, checked before or after execution, whatever stores the data',
  'request-text': 'bad text and deep JSON refused at the edge (400) before any write',
  codegen: 'typed clients generated from schema.graphql; no server',
  browser: 'GraphiQL and /docs in Chromium: the page, not the database',
  graphiql: 'the GraphiQL and /docs pages and their files over HTTP; no data',
  readme: 'the README against config.ts, the scopes and the route table; no server',
  'data-dir': 'which files a start writes, on embedded databases of its own (and a refused PostgreSQL start)',
  compression: 'how answers are encoded on the way out, whatever stores the data',
  'embedded-template': 'the embedded database\'s migrated template (PGlite files); PostgreSQL has none',
};

/**
 * Files that start real processes (servers, the bundle, the command line's bin) or choose their
 * database themselves: run once, in the `processes` project.
 */
const PROCESSES: Record<string, string> = {
  lifecycle: 'real server processes on embedded databases of their own (banner, restarts, lock)',
  'lifecycle-shutdown': 'real server processes on embedded databases of their own (SIGTERM, config errors)',
  bundle: 'builds dist/ and starts it on an embedded database of its own',
  'npm-start': 'npm start (builds dist/ when stale) on an in-memory database, stopped by a SIGTERM to npm',
  multiprocess: 'three server processes on one PostgreSQL and Redis',
  'multiprocess-faults': 'three server processes through cut PostgreSQL and Redis proxies',
  workers: 'an api process and three worker processes on one PostgreSQL and Redis',
  faults: 'losing PostgreSQL and Redis: PostgreSQL only',
  cli: 'the command line: in-process on PostgreSQL when the run has it, plus real-bin runs',
  'cli-data': 'export/import and the demo seed through the command line, on PostgreSQL when the run has it',
};

/** Files that decide per test which database a part runs on need the database projects they expect. */
const CHOOSES_DATABASE = /testDatabaseKind|onceAcrossDatabases|TEST_DB/;

/**
 * The files that took longest in a full run (real processes, browsers, long flows) start first, so the run
 * does not end waiting on one of them alone: without timings from an earlier run vitest orders
 * by file size, and these are not the largest.
 */
const SLOW_FIRST = [
  'graphql-scopes', 'interrupted-runs', 'fuzz', 'content', 'multiprocess-faults', 'workers', 'lifecycle', 'embedded-template', 'evalstudio', 'agents', 'key-revocation', 'secrets',
  'cli-data', 'bundle', 'multiprocess', 'lifecycle-shutdown', 'eval-evaluators', 'secret-hosts', 'chat', 'files', 'browser', 'cli', 'batches', 'ops',
];
class SlowFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = SLOW_FIRST.indexOf(path.basename(f.moduleId, '.test.ts'));
      return i < 0 ? SLOW_FIRST.length : i;
    };
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

const pgUrl = new URL(process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 1000 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

/** The test files by name, and a check that the lists above name files that exist and put self-choosing files where they expect. */
function testFiles(): string[] {
  const names = readdirSync('test')
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => f.slice(0, -'.test.ts'.length))
    .sort();
  const problems: string[] = [];
  for (const n of [...Object.keys(PGLITE_ONLY), ...Object.keys(PROCESSES)]) if (!names.includes(n)) problems.push(`vitest.config.ts lists test/${n}.test.ts, which does not exist`);
  for (const n of Object.keys(PGLITE_ONLY)) {
    if (n in PROCESSES) problems.push(`test/${n}.test.ts is in both PGLITE_ONLY and PROCESSES`);
    if (CHOOSES_DATABASE.test(readFileSync(`test/${n}.test.ts`, 'utf8'))) problems.push(`test/${n}.test.ts chooses a database per test, so it cannot be PGLITE_ONLY`);
  }
  if (problems.length) throw new Error(problems.join('\n'));
  return names;
}

export default defineConfig(async () => {
  const withPostgres = process.env.TEST_DB_SKIP_POSTGRES !== '1' && (await reachable(pgUrl.hostname, Number(pgUrl.port || 5432)));
  if (!withPostgres) {
    console.warn(`\n  SKIPPED: the PostgreSQL run (no server at ${pgUrl.host}); the suite runs on embedded PGlite only.\n`);
  }
  const names = testFiles();
  const file = (n: string) => `test/${n}.test.ts`;
  const processes = names.filter((n) => n in PROCESSES);
  const both = names.filter((n) => !(n in PROCESSES) && !(n in PGLITE_ONLY));
  const pgliteOnly = names.filter((n) => n in PGLITE_ONLY);
  console.log(
    [
      `\n  test files: ${both.length} on PGlite${withPostgres ? ' and PostgreSQL' : ''}, ${pgliteOnly.length} on PGlite only (no database behaviour), ${processes.length} once in \`processes\` (on ${withPostgres ? 'PostgreSQL' : 'PGlite'} or their own embedded database)`,
      `  PGlite only: ${pgliteOnly.join(', ')}`,
      `  processes: ${processes.join(', ')}\n`,
    ].join('\n'),
  );
  // One copy of graphql, the one Node loads (its CommonJS main): Vite would
  // otherwise resolve our imports to graphql's ESM build while Pothos, Yoga and
  // graphql-ws get the CommonJS one, and errors and types would cross realms.
  const resolve = { alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve('graphql') }] };
  // Sized for a loaded 2-core machine (a CPU hog on both cores): a test that waits on a condition ends as soon as it holds,
  // so a long bound costs nothing when all is well and only makes a real hang take longer to report.
  const common = { testTimeout: 120_000, hookTimeout: 180_000 };
  // The database projects share modules between the files a worker runs (no re-import of src/, of the GraphQL
  // schema and of PGlite's migrated template per file: that was more than half the suite's CPU time). Their
  // files keep no state outside their servers; the process helpers register hooks at module level, so the
  // processes project keeps one module graph per file.
  const shared = { isolate: false };
  const postgresRuns = withPostgres ? '1' : '0';
  return {
    test: {
      // Test files spend much of their time waiting on sockets, child processes and the database:
      // three workers on a 2-core machine keep both cores busy (two left them idle about a third of the time).
      maxWorkers: 3,
      // Bundles the sources once for the server processes tests start (test/helpers/server-command.ts).
      globalSetup: ['test/global-setup.ts'],
      sequence: { sequencer: SlowFilesFirst },
      projects: [
        { resolve, test: { ...common, ...shared, name: 'pglite', include: [...both, ...pgliteOnly].map(file), env: { TEST_DB: 'pglite', TEST_POSTGRES_RUNS: postgresRuns } } },
        ...(withPostgres ? [{ resolve, test: { ...common, ...shared, name: 'postgres', include: both.map(file), env: { TEST_DB: 'postgres' } } }] : []),
        {
          resolve,
          test: { ...common, name: 'processes', include: processes.map(file), env: { TEST_DB: withPostgres ? 'postgres' : 'pglite', TEST_POSTGRES_RUNS: postgresRuns } },
        },
      ],
    },
  };
});

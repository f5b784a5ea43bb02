/**
 * Two runs of the same suite: on embedded PGlite (always) and on a PostgreSQL
 * server (when one answers; otherwise a visible SKIPPED line, never a silent pass).
 */
import net from 'node:net';
import { createRequire } from 'node:module';
import path from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that take longest (real processes, browsers) start first, so the
 * run does not end waiting on one of them alone: without timings from an
 * earlier run vitest orders by file size, and these are not the largest.
 */
const SLOW_FIRST = ['lifecycle', 'lifecycle-shutdown', 'cli-data', 'cli', 'browser', 'batches', 'multiprocess-faults', 'workers', 'ops', 'webhooks', 'publishing', 'multiprocess'];
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

export default defineConfig(async () => {
  const withPostgres = process.env.TEST_DB_SKIP_POSTGRES !== '1' && (await reachable(pgUrl.hostname, Number(pgUrl.port || 5432)));
  if (!withPostgres) {
    console.warn(`\n  SKIPPED: the PostgreSQL run (no server at ${pgUrl.host}); the suite runs on embedded PGlite only.\n`);
  }
  // One copy of graphql, the one Node loads (its CommonJS main): Vite would
  // otherwise resolve our imports to graphql's ESM build while Pothos, Yoga and
  // graphql-ws get the CommonJS one, and errors and types would cross realms.
  const resolve = { alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve('graphql') }] };
  const common = { include: ['test/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 60_000 };
  return {
    test: {
      // Test files spend much of their time waiting on sockets, child processes and the database:
      // three workers on a 2-core machine keep both cores busy (two left them idle about a third of the time).
      maxWorkers: 3,
      sequence: { sequencer: SlowFilesFirst },
      projects: [
        { resolve, test: { ...common, name: 'pglite', env: { TEST_DB: 'pglite', TEST_POSTGRES_RUNS: withPostgres ? '1' : '0' } } },
        ...(withPostgres ? [{ resolve, test: { ...common, name: 'postgres', env: { TEST_DB: 'postgres' } } }] : []),
      ],
    },
  };
});

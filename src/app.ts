/**
 * Builds the running application from a config: the core (src/core.ts:
 * database, secrets, AI providers, pubsub, rate limiter, jobs, metrics,
 * bootstrap of the first team), then the HTTP server, then starts the job
 * workers. main.ts and the tests both start the server through here.
 */
import { ConfigError, type Config } from './config.js';
import type { Deps } from './context.js';
import type { Database } from './infra/db/client.js';
import type { Adapter } from './infra/db/adapter.js';
import { createLogger, type Logger } from './infra/logger.js';
import { scheduleRecurringJobs } from './jobs.js';
import { openCore } from './core.js';
import { createHttpServer, type HttpServer } from './server/http.js';
import { localModeActor } from './modules/auth/service.js';
import { isAppError } from './errors.js';

export interface App {
  deps: Deps;
  http: HttpServer;
  databaseDescription: string;
  /** EvalStudio local mode's team, when it is on. */
  evalStudioLocalTeam: string | null;
  /** Set when this start created the admin key (shown once). */
  createdAdminKey: string | null;
  adminKeyFile: string | null;
  /** Calls `listener` for every SQL statement the app runs; returns a function that stops it. */
  onQuery: Database['onQuery'];
  listen(): Promise<{ port: number; host: string }>;
  close(): Promise<void>;
}

export async function createApp(
  config: Config,
  log: Logger = createLogger(config.logLevel),
  /** `opening`: the database adapter, already being opened (see src/main.ts). */
  opts: { observeQueries?: boolean; opening?: Promise<Adapter> } = {},
): Promise<App> {
  // An api process leaves jobs to the workers: it enqueues them, never claims them.
  const core = await openCore(config.role === 'api' ? { ...config, jobs: { ...config.jobs, concurrency: 0 } } : config, log, opts);
  const { deps } = core;
  // EvalStudio local mode acts for one team, which must exist before anything is served.
  let evalStudioLocal = null;
  if (config.evalStudioLocal) {
    try {
      evalStudioLocal = await localModeActor(deps, config.evalStudioLocal.team);
    } catch (err) {
      await core.close();
      throw isAppError(err) ? new ConfigError([err.message]) : err;
    }
  }
  const http = createHttpServer(deps, { evalStudioLocal });
  await deps.jobs.start();
  // Every role: any process may hold chat runs (a worker's eval jobs chat with agents), and any may end a dead one's.
  await deps.leases.start();
  if (config.role !== 'api') await scheduleRecurringJobs(deps);

  return {
    deps,
    http,
    databaseDescription: core.databaseDescription,
    evalStudioLocalTeam: evalStudioLocal?.teamName ?? null,
    createdAdminKey: core.createdAdminKey,
    adminKeyFile: core.adminKeyFile,
    onQuery: core.db.onQuery,
    listen: () =>
      new Promise((resolve, reject) => {
        http.server.once('error', reject);
        http.server.listen(config.port, config.host, () => {
          const addr = http.server.address();
          resolve({ port: typeof addr === 'object' && addr ? addr.port : config.port, host: config.host });
        });
      }),
    async close() {
      await deps.jobs.stop(config.shutdownTimeoutMs);
      await http.close(config.shutdownTimeoutMs);
      await deps.leases.stop(); // runs still going end as interrupted now, not after the lease
      await core.close();
    },
  };
}

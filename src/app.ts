/**
 * Builds the running application from a config: database (migrated), secrets,
 * AI providers, pubsub, rate limiter, bootstrap of the first team, and the
 * HTTP server. main.ts and the tests both start the server through here.
 */
import { mkdir, readFile, writeFile, chmod } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Config } from './config.js';
import type { Deps } from './context.js';
import { openDatabase, type Database } from './infra/db/client.js';
import { createLogger, type Logger } from './infra/logger.js';
import { SecretBox } from './infra/crypto.js';
import { SecretVault } from './infra/vault.js';
import { AiProviders } from './infra/ai/provider.js';
import { createAppPubSub } from './infra/pubsub.js';
import { RateLimiter } from './infra/rate-limit.js';
import { JobQueue } from './infra/jobs.js';
import { Metrics } from './infra/metrics.js';
import { registerJobKinds } from './jobs.js';
import { bootstrap } from './modules/auth/service.js';
import { syncSystemPersonas } from './modules/personas/service.js';
import { createHttpServer, type HttpServer } from './server/http.js';

export interface App {
  deps: Deps;
  http: HttpServer;
  databaseDescription: string;
  /** Set when this start created the admin key (shown once). */
  createdAdminKey: string | null;
  adminKeyFile: string | null;
  /** Calls `listener` for every SQL statement the app runs; returns a function that stops it. */
  onQuery: Database['onQuery'];
  listen(): Promise<{ port: number; host: string }>;
  close(): Promise<void>;
}

/** SECRET_KEY, else a key generated once and kept in DATA_DIR (mode 0600). */
async function secretKey(config: Config): Promise<string> {
  if (config.secretKey) return config.secretKey;
  const file = path.join(config.dataDir, 'secret-key');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  await mkdir(config.dataDir, { recursive: true });
  const key = randomBytes(32).toString('base64url');
  await writeFile(file, key + '\n', { mode: 0o600 });
  return key;
}

export async function createApp(
  config: Config,
  log: Logger = createLogger(config.logLevel),
  opts: { observeQueries?: boolean } = {},
): Promise<App> {
  const db = await openDatabase(config.database, { observeQueries: opts.observeQueries || log.isLevelEnabled('trace') });
  if (log.isLevelEnabled('trace')) db.onQuery((e) => log.trace({ sql: e.query, ms: e.duration }, 'sql'));
  if (db.appliedMigrations.length) log.info({ migrations: db.appliedMigrations }, 'applied migrations');
  const master = await secretKey(config);
  const pubsub = createAppPubSub(config.redisUrl, log);
  const rateLimiter = new RateLimiter(config.redisUrl, log);
  const deps: Deps = {
    config,
    prisma: db.prisma,
    log,
    secrets: new SecretBox(master),
    vault: new SecretVault(master, config.previousSecretKeys),
    ai: new AiProviders(config),
    pubsub: pubsub.pubsub,
    rateLimiter,
    jobs: new JobQueue(db.prisma, log, { ...config.jobs, singleProcess: db.kind === 'pglite' }),
    metrics: new Metrics({ prisma: db.prisma }),
  };
  deps.jobs.onAttempt = (kind, outcome) => deps.metrics.jobAttempts.inc({ kind, outcome });
  registerJobKinds(deps);
  await syncSystemPersonas(db.prisma);
  const { createdSecret } = await bootstrap(deps);
  let adminKeyFile: string | null = null;
  if (createdSecret && db.kind === 'pglite' && !config.bootstrapApiKey) {
    await mkdir(config.dataDir, { recursive: true });
    adminKeyFile = path.join(config.dataDir, 'admin-key');
    await writeFile(adminKeyFile, createdSecret + '\n', { mode: 0o600 });
    await chmod(adminKeyFile, 0o600);
  }
  const http = createHttpServer(deps);
  await deps.jobs.start();

  return {
    deps,
    http,
    databaseDescription: db.description,
    createdAdminKey: createdSecret,
    adminKeyFile,
    onQuery: db.onQuery,
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
      await pubsub.close();
      await rateLimiter.close();
      await db.close();
    },
  };
}

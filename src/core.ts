/**
 * The application without its HTTP server: database (migrated), secrets, AI
 * providers, pubsub, rate limiter, job queue, metrics, and the bootstrap of
 * the first team. app.ts adds the server; the command line (src/cli) uses
 * this alone, so it never builds the GraphQL schema it does not need.
 */
import { mkdir, readFile, writeFile, chmod } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigError, type Config } from './config.js';
import type { Deps } from './context.js';
import { openDatabase, type Database } from './infra/db/client.js';
import type { Adapter } from './infra/db/adapter.js';
import { createLogger, type Logger } from './infra/logger.js';
import { SecretBox } from './infra/crypto.js';
import { SecretVault } from './infra/vault.js';
import { AiProviders } from './infra/ai/provider.js';
import { createAppPubSub } from './infra/pubsub.js';
import type { Topics } from './events.js';
import { RateLimiter } from './infra/rate-limit.js';
import { JobQueue } from './infra/jobs.js';
import { WorkLeases } from './infra/leases.js';
import { Metrics } from './infra/metrics.js';
import { registerJobKinds } from './jobs.js';
import { registerChatRunLeases } from './modules/chat/service.js';
import { bootstrap } from './modules/auth/service.js';
import { syncSystemPersonas } from './modules/personas/service.js';
import { sealLegacyConnectorHeaders } from './modules/evals/service.js';

export interface Core {
  deps: Deps;
  db: Database;
  databaseDescription: string;
  /** Set when this start created the admin key (shown once). */
  createdAdminKey: string | null;
  adminKeyFile: string | null;
  /** Closes pubsub, rate limiter and database (the caller stops jobs and servers first). */
  close(): Promise<void>;
}

/**
 * SECRET_KEY; else, on the embedded database, a key generated once and kept beside it in DATA_DIR (mode
 * 0600); on an in-memory database one for this process (nothing it encrypts outlives it). On PostgreSQL
 * SECRET_KEY is required (every process must use the same key, and DATA_DIR is not created for it); a
 * DATA_DIR/secret-key that an earlier version generated is still read.
 */
async function secretKey(config: Config, log: Logger): Promise<string> {
  if (config.secretKey) return config.secretKey;
  if (config.database.kind === 'pglite' && !config.database.dataDir) return randomBytes(32).toString('base64url');
  const file = path.join(config.dataDir, 'secret-key');
  if (existsSync(file)) {
    if (config.database.kind === 'postgres') log.warn({ file }, 'SECRET_KEY is not set: using the key an earlier start generated in DATA_DIR; set SECRET_KEY to it (every process must use the same key)');
    return (await readFile(file, 'utf8')).trim();
  }
  if (config.database.kind === 'postgres') {
    throw new ConfigError([
      'SECRET_KEY: required with DATABASE_URL=postgres://… (at least 32 characters, the same for every process; e.g. `openssl rand -base64 32`): it encrypts stored secrets',
    ]);
  }
  await mkdir(config.dataDir, { recursive: true });
  const key = randomBytes(32).toString('base64url');
  await writeFile(file, key + '\n', { mode: 0o600 });
  return key;
}

export async function openCore(
  config: Config,
  log: Logger = createLogger(config.logLevel),
  opts: { observeQueries?: boolean; opening?: Promise<Adapter> } = {},
): Promise<Core> {
  const master = await secretKey(config, log); // before the database: a missing SECRET_KEY stops the start at once
  const db = await openDatabase(config.database, { observeQueries: opts.observeQueries || log.isLevelEnabled('trace'), opening: opts.opening });
  if (log.isLevelEnabled('trace')) db.onQuery((e) => log.trace({ sql: e.query, ms: e.duration }, 'sql'));
  if (db.appliedMigrations.length) log.info({ migrations: db.appliedMigrations }, 'applied migrations');
  const pubsub = createAppPubSub<Topics>(config.redisUrl, log);
  const rateLimiter = new RateLimiter(config.redisUrl, log);
  const deps: Deps = {
    config,
    prisma: db.prisma,
    sql: db.sql,
    log,
    secrets: new SecretBox(master),
    vault: new SecretVault(master, config.previousSecretKeys),
    ai: new AiProviders(config),
    pubsub: pubsub.pubsub,
    rateLimiter,
    jobs: new JobQueue(db.prisma, log, { ...config.jobs, singleProcess: db.kind === 'pglite' }),
    leases: new WorkLeases(db.sql, log, { leaseMs: config.runLeaseMs, singleProcess: db.kind === 'pglite' }),
    metrics: new Metrics({ prisma: db.prisma }),
  };
  deps.jobs.onAttempt = (kind, outcome) => deps.metrics.jobAttempts.inc({ kind, outcome });
  registerJobKinds(deps);
  registerChatRunLeases(deps);
  await syncSystemPersonas(db.prisma);
  await sealLegacyConnectorHeaders(deps);
  const { createdSecret } = await bootstrap(deps);
  let adminKeyFile: string | null = null;
  // Kept beside the embedded database (not for one in memory, nor on PostgreSQL: printed once, then).
  if (createdSecret && config.database.kind === 'pglite' && config.database.dataDir && !config.bootstrapApiKey) {
    await mkdir(config.dataDir, { recursive: true });
    adminKeyFile = path.join(config.dataDir, 'admin-key');
    await writeFile(adminKeyFile, createdSecret + '\n', { mode: 0o600 });
    await chmod(adminKeyFile, 0o600);
  }
  return {
    deps,
    db,
    databaseDescription: db.description,
    createdAdminKey: createdSecret,
    adminKeyFile,
    async close() {
      await pubsub.close();
      await rateLimiter.close();
      await db.close();
    },
  };
}

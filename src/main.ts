/**
 * Composition root: config → app (database, infra, server) → listen.
 * Stops gracefully on SIGINT/SIGTERM.
 *
 * Cold start: the database starts opening (for the embedded one, PGlite's
 * wasm start) before the rest of the app is loaded, so the two overlap; only
 * light modules are imported statically here.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig, type Config } from './config.js';
import { DatabaseInUseError, openAdapter } from './infra/db/adapter.js';
import { hasTemplate } from './infra/db/template.js';
import { createLogger } from './infra/logger.js';

/** Set for the child that creates a new embedded data directory (below); it exits when that is done. */
const PREPARE_ONLY = 'PERSONAGRAPH_PREPARE_DATA_DIR';

/**
 * The first start on an embedded data directory (no database in it yet) loads the migrated template
 * (src/infra/db/template.ts) when there is one. Without one it creates and migrates the database in a child
 * process, then opens the ready files: PGlite's wasm memory grows by ~400 MB while initdb runs and never
 * shrinks, so done in this process the server would keep that for its life (bench W6: RSS at rest 765 MB
 * on a first start, 330 MB on every later one). The second PGlite boot it costs overlaps the app's loading.
 * The child's failure (a migration, a locked directory) is reported by the child and ends this start with its
 * code.
 */
async function prepareNewDataDir(config: Config): Promise<void> {
  const dir = config.database.kind === 'pglite' ? config.database.dataDir : null;
  if (!dir || existsSync(path.join(dir, 'PG_VERSION')) || (await hasTemplate())) return;
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { env: { ...process.env, [PREPARE_ONLY]: '1' }, stdio: 'inherit' });
  return new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      if (code === 0) return resolve();
      process.exit(code ?? (signal === 'SIGINT' ? 130 : 1));
    }),
  );
}

/** The child of prepareNewDataDir: creates and migrates the database, and exits. */
async function prepareOnly(config: Config): Promise<void> {
  const [{ openDatabase }, { MigrationError }] = await Promise.all([import('./infra/db/client.js'), import('./infra/db/migrations.js')]);
  try {
    const db = await openDatabase(config.database, { migrate: true });
    await db.close();
  } catch (err) {
    if (err instanceof MigrationError || err instanceof DatabaseInUseError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  process.exit(0);
}

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  const started = performance.now();
  if (process.env[PREPARE_ONLY] === '1') return prepareOnly(config);
  // Opening starts at once (for a new data directory without a template: once the child has made it), while the app loads.
  const opening = prepareNewDataDir(config).then(() => openAdapter(config.database, { template: true }));
  opening.catch(() => {}); // handled where createApp awaits it
  let app;
  const [{ createApp }, { MigrationError }] = await Promise.all([import('./app.js'), import('./infra/db/migrations.js')]);
  try {
    app = await createApp(config, log, { opening });
  } catch (err) {
    if (err instanceof MigrationError || err instanceof DatabaseInUseError) {
      console.error(err.message);
      process.exit(1);
    }
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  // Before listening and before the banner: whoever saw the banner (a supervisor, a test) may stop us at once.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    try {
      await app!.close();
      process.exit(0);
    } catch (err) {
      log.error({ err }, 'error during shutdown');
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  let listening;
  try {
    listening = await app.listen();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EADDRINUSE' && code !== 'EACCES' && code !== 'EADDRNOTAVAIL') throw err;
    // A port someone else holds (or one this user may not open) is a setup problem, not a crash: say which, and how to choose another.
    const where = `${config.host}:${config.port}`;
    console.error(
      code === 'EADDRINUSE'
        ? `Port ${where} is already in use by another process. Stop it, or start with PORT=<another port>.`
        : code === 'EACCES'
          ? `Not allowed to listen on ${where}. Use a port above 1023 (PORT), or run with the rights for it.`
          : `${config.host} is not an address of this machine (HOST). Use 127.0.0.1, 0.0.0.0 or one of its addresses.`,
    );
    await app.close().catch(() => {});
    process.exit(1);
  }
  const { port, host } = listening;
  const base = `http://${host}:${port}`;
  const lines = [
    '',
    `personagraph is listening (${Math.round(performance.now() - started)} ms)`,
    `  GraphQL + GraphiQL  ${base}/graphql   (graphql-ws on the same URL)`,
    `  REST                ${base}/api/v1  ·  ${base}/api/projects`,
    `  REST docs           ${base}/docs   (OpenAPI: ${base}/api/v1/openapi.json)`,
    `  Health              ${base}/livez · ${base}/readyz · ${base}/metrics`,
    `  Database            ${app.databaseDescription}`,
    `  Role                ${config.role === 'all' ? 'all (serves the API and runs jobs)' : config.role === 'api' ? 'api (serves the API; jobs run on worker processes)' : 'worker (runs jobs; HTTP serves health and metrics only)'}`,
    `  AI providers        ${config.openai.apiKey ? 'OpenAI-compatible' + (config.openai.baseURL ? ` at ${config.openai.baseURL}` : '') : 'embedded (offline)'}`,
  ];
  if (app.evalStudioLocalTeam) {
    lines.push(`  EvalStudio local    ${base}/api/projects… answer without a key, as team "${app.evalStudioLocalTeam}" (EVALSTUDIO_LOCAL_MODE)`);
  }
  if (app.createdAdminKey && !config.bootstrapApiKey) {
    lines.push('', `  Admin API key (shown once): ${app.createdAdminKey}`);
    if (app.adminKeyFile) lines.push(`  also written to ${app.adminKeyFile} (mode 0600)`);
  }
  console.log(lines.join('\n') + '\n');
}

await main();

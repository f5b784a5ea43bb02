/**
 * Composition root: config → app (database, infra, server) → listen.
 * Stops gracefully on SIGINT/SIGTERM.
 *
 * Cold start: the database starts opening (for the embedded one, PGlite's
 * wasm start) before the rest of the app is loaded, so the two overlap; only
 * light modules are imported statically here.
 */
import { ConfigError, loadConfig } from './config.js';
import { DatabaseInUseError, openAdapter } from './infra/db/adapter.js';
import { createLogger } from './infra/logger.js';

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
  const opening = openAdapter(config.database);
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

  const { port, host } = await app.listen();
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

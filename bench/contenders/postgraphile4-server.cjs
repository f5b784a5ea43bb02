/**
 * PostGraphile 4 (npm alias `postgraphile4`, postgraphile@4.14) as a benchmark
 * contender: the library middleware on plain node:http over a pg Pool of 10,
 * exposing the `public` schema with the default inflection.
 *   DATABASE_URL=… PORT=… node bench/contenders/postgraphile4-server.cjs
 *
 * Options: the "For Production" set of PostGraphile 4's documentation
 * (usage-cli / usage-library: no GraphiQL, no watch, query log off, no
 * explain, dynamic JSON, RBAC-aware introspection, errcode-only errors,
 * query batching, legacy relations omitted), minus what would change the
 * API the workloads use (the simplify-inflector plugin: default inflection
 * here) or cannot apply (subscriptions and JWT/pgSettings: no auth in this
 * benchmark, so queries run without a transaction, which is PostGraphile's
 * fastest path). Its parse/validate cache (queryCacheMaxSize, 50 MB) and
 * NODE_ENV=production (set by the harness) stay at their defaults.
 *
 * Prints `listening on <port>` once the schema is built; exits on SIGTERM.
 */
'use strict';
const http = require('node:http');
const Module = require('node:module');
const path = require('node:path');
const stopOnSigterm = require('./stop-on-sigterm.cjs');
const { maybeCompressed } = require('./compress.cjs');

// bench/ installs PostGraphile 5 (graphql 16) beside PostGraphile 4 (graphql
// 15, nested under node_modules/postgraphile4). npm hoists v4's
// graphql-parse-resolve-info to bench/node_modules, where it resolves graphql
// 16: two graphql copies in one schema make every argument fail with
// "Unexpected input type". A PostGraphile 4 app has one graphql; so does this
// server: `graphql` required from that package resolves to v4's own copy.
const v4Dir = path.dirname(require.resolve('postgraphile4/package.json'));
const resolveParseInfoGraphql = Module._resolveFilename;
Module._resolveFilename = function (request, parent, isMain, options) {
  if ((request === 'graphql' || request.startsWith('graphql/')) && parent?.filename?.includes(`${path.sep}graphql-parse-resolve-info${path.sep}`)) {
    return resolveParseInfoGraphql.call(this, request, parent, isMain, { paths: [v4Dir] });
  }
  return resolveParseInfoGraphql.call(this, request, parent, isMain, options);
};

const { postgraphile } = require('postgraphile4');
// The pg that postgraphile4 itself resolves, so the Pool is the class it expects.
const { Pool } = require(require.resolve('pg', { paths: [require.resolve('postgraphile4')] }));

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
pool.on('error', (err) => console.error('pg pool error:', err.message));

const middleware = postgraphile(pool, 'public', {
  graphqlRoute: '/graphql',
  graphiql: false,
  watchPg: false,
  disableQueryLog: true,
  allowExplain: false,
  retryOnInitFail: false, // fail fast: the harness wants an exit, not a retry loop
  dynamicJson: true,
  setofFunctionsContainNulls: false,
  ignoreRBAC: false,
  extendedErrors: ['errcode'],
  showErrorStack: false,
  enableQueryBatching: true,
  legacyRelations: 'omit',
  enableCors: false,
});

const server = http.createServer(maybeCompressed(middleware));
server.keepAliveTimeout = 65_000;

(async () => {
  await middleware.getGraphQLSchema(); // introspection and schema build before "listening"
  server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log(`listening on ${server.address().port}`));
})().catch((err) => {
  console.error(err);
  process.exit(1);
});

stopOnSigterm(server, () => Promise.resolve(middleware.release?.()).then(() => pool.end()));

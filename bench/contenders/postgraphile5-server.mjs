/**
 * PostGraphile 5 (postgraphile@5.1) as a benchmark contender: the Amber
 * preset over `public` with a pg Pool of 10 (makePgService), served by
 * grafserv's node:http adapter at POST /graphql, default inflection.
 *   DATABASE_URL=… PORT=… node bench/contenders/postgraphile5-server.mjs
 *
 * Production settings per PostGraphile 5's documentation: no GraphiQL
 * (Ruru), no watch mode, no explain, no websockets, no CORS; the default
 * parse/validate cache (500 documents), @dataplan/pg's default prepared
 * statement cache and NODE_ENV=production (set by the harness). No
 * pgSettings (this benchmark has no auth), so reads run without a
 * transaction, PostGraphile's fastest path.
 *
 * PostGraphile 5 declares node >= 22; on Node 20 the only thing missing is
 * Promise.withResolvers, polyfilled here before anything of it is loaded
 * (hence the dynamic imports).
 *
 * Prints `listening on <port>` once the schema is built; exits on SIGTERM.
 */
import http from 'node:http';
import stopOnSigterm from './stop-on-sigterm.cjs';
import { compressServer } from './compress.cjs';

if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

const { postgraphile } = await import('postgraphile');
const { PostGraphileAmberPreset } = await import('postgraphile/presets/amber');
const { makePgService } = await import('postgraphile/adaptors/pg');
const { grafserv } = await import('postgraphile/grafserv/node');

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [makePgService({ connectionString: process.env.DATABASE_URL, schemas: ['public'], poolConfig: { max: 10 } })],
  grafserv: {
    graphqlPath: '/graphql',
    graphiql: false,
    graphiqlOnGraphQLGET: false,
    watch: false,
    websockets: false,
    dangerouslyAllowAllCORSRequests: false,
  },
  grafast: { explain: false },
};

const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = http.createServer();
server.keepAliveTimeout = 65_000;

try {
  await pgl.getSchema(); // introspection and schema build before "listening"
  await serv.addTo(server);
  compressServer(server); // W7 (COMPRESS=1)
  server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log(`listening on ${server.address().port}`));
} catch (err) {
  console.error(err);
  process.exit(1);
}

stopOnSigterm(server, () => Promise.resolve(serv.release?.()).then(() => pgl.release()));

/**
 * W7: a contender's node:http handler behind the `compression` middleware
 * (expressjs/compression, what a PostGraphile library deployment puts in
 * front of it to compress), when the harness starts it with COMPRESS=1.
 * Settings as personagraph's: gzip level 6 for bodies from 1 KB.
 */
'use strict';
const { createRequire } = require('node:module');

const compression = createRequire(__filename)('compression');

/** The handler, compressed when COMPRESS=1; unchanged otherwise. */
function maybeCompressed(handler) {
  if (process.env.COMPRESS !== '1') return handler;
  const middleware = compression({ level: 6, threshold: 1024 });
  return (req, res) => middleware(req, res, () => handler(req, res));
}

/** The same for a server whose library attached its own 'request' listeners (grafserv's addTo). */
function compressServer(server) {
  if (process.env.COMPRESS !== '1') return;
  const listeners = server.listeners('request');
  server.removeAllListeners('request');
  server.on('request', maybeCompressed((req, res) => { for (const l of listeners) l.call(server, req, res); }));
}

module.exports = { maybeCompressed, compressServer };

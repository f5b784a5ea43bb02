// The contender servers' graceful stop (CommonJS, so the PostGraphile 4 script can require it and the 5 one import it):
// on SIGTERM, drop keep-alive connections, close the server, run `release`, exit 0.
module.exports = function stopOnSigterm(server, release) {
  let stopping = false;
  process.on('SIGTERM', () => {
    if (stopping) return;
    stopping = true;
    server.closeAllConnections?.();
    server.close(() => {
      Promise.resolve()
        .then(release)
        .finally(() => process.exit(0));
    });
  });
};

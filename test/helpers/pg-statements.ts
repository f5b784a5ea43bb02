import net from 'node:net';

/**
 * A TCP proxy in front of PostgreSQL that counts the statements clients
 * execute, read off the wire protocol: every simple Query ('Q') and every
 * extended-protocol Execute ('E') is one statement, whoever the client is
 * (Prisma's pg adapter, node-postgres, PostGraphile). Parses ('P') are
 * counted apart: a statement prepared once and executed many times shows.
 */
export async function statementCounter(target: { host?: string; port: number }) {
  const counts = { statements: 0, parses: 0, connections: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    counts.connections++;
    const upstream = net.connect(target.port, target.host ?? '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => (client.destroy(), upstream.destroy()));
    }
    let started = false;
    let pending: Buffer = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      for (;;) {
        if (!started) {
          // Untyped start-up packets: length, then a code (SSL request, cancel, or the protocol version).
          if (pending.length < 8) break;
          const len = pending.readInt32BE(0);
          if (pending.length < len) break;
          const code = pending.readInt32BE(4);
          pending = pending.subarray(len);
          if (code !== 80877103 && code !== 80877104) started = true; // not SSLRequest / GSSENCRequest
          continue;
        }
        if (pending.length < 5) break;
        const len = pending.readInt32BE(1);
        if (pending.length < 1 + len) break;
        const type = String.fromCharCode(pending[0]!);
        if (type === 'Q' || type === 'E') counts.statements++;
        if (type === 'P') counts.parses++;
        pending = pending.subarray(1 + len);
      }
    });
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as net.AddressInfo).port,
    counts,
    /** Counts from now on. */
    reset: () => Object.assign(counts, { statements: 0, parses: 0 }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export type StatementCounter = Awaited<ReturnType<typeof statementCounter>>;

/** Loopback helpers for tests that spawn servers or probe services. */
import net from 'node:net';

/** Whether something accepts TCP connections on 127.0.0.1:port (e.g. Redis, PostgreSQL). */
export function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port, timeout: 500 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The server prints its banner and installs its SIGINT/SIGTERM handlers in the same synchronous step, so
 * once it has answered a request the handlers are in place: a SIGTERM sent right after the banner could
 * otherwise land in between on a loaded machine and end the process by the default action, not the graceful stop.
 */
export async function answering(base: string): Promise<void> {
  await fetch(`${base}/livez`).then((r) => r.arrayBuffer());
}

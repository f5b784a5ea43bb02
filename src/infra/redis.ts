/**
 * Redis connections report their trouble to the log instead of crashing or
 * spamming: a lost connection is logged once (then at most every 30 s while
 * it stays down), and again when it is back. ioredis reconnects by itself.
 */
import type { Redis } from 'ioredis';
import type { Logger } from './logger.js';

export function watchRedis(client: Redis, log: Logger, name: string): Redis {
  let down = false;
  let lastLog = 0;
  client.on('error', (err: Error) => {
    const now = Date.now();
    if (!down || now - lastLog > 30_000) {
      log.warn({ redis: name, error: err.message }, 'Redis is unreachable; retrying');
      lastLog = now;
    }
    down = true;
  });
  client.on('ready', () => {
    if (down) log.info({ redis: name }, 'Redis is reachable again');
    down = false;
  });
  return client;
}

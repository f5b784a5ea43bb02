/** Structured JSON logs (pino). Every request log line carries its request id. */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'personagraph' } });
}

import { Prisma } from '../../generated/prisma/client.js';
import { AppError, isAppError, ServiceUnavailableError } from '../../errors.js';

/** A unique index refused the write (Prisma P2002): how services turn races into 409s. */
export function isUniqueViolation(e: unknown): boolean {
  // P2002 through Prisma; SQLSTATE 23505 through plain SQL (src/infra/db/sql.ts).
  return (e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002') || (e as { code?: unknown } | null)?.code === '23505';
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', '57P01', '57P02', '57P03', '53300']);
const NETWORK_MESSAGES = /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|Client has encountered a connection error|Can't reach database server|the database system is (starting up|shutting down)|too many clients/i;
const PRISMA_UNREACHABLE = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);

/**
 * Whether an error means the database cannot be reached right now (refused,
 * dropped, timed out, restarting, out of connections) rather than a bug or a
 * bad query. Walks the cause chain, since drivers wrap each other.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof Prisma.PrismaClientInitializationError) return true;
    if (e instanceof Prisma.PrismaClientKnownRequestError && PRISMA_UNREACHABLE.has(e.code)) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    const kind = (e as { kind?: unknown }).kind;
    if (kind === 'DatabaseNotReachable' || kind === 'ConnectionClosed' || kind === 'SocketTimeout') return true;
    if (e instanceof Error && NETWORK_MESSAGES.test(e.message)) return true;
  }
  return false;
}

/** The AppError an error stands for: itself, a 503 when the database is away, else null (a bug). */
export function asAppError(err: unknown): AppError | null {
  if (isAppError(err)) return err;
  if (isDatabaseUnavailable(err)) return new ServiceUnavailableError('The database');
  return null;
}

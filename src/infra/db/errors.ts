import { Prisma } from '../../generated/prisma/client.js';

/** A unique index refused the write (Prisma P2002): how services turn races into 409s. */
export function isUniqueViolation(e: unknown): boolean {
  return e instanceof Prisma.PrismaClientKnownRequestError && e.code === 'P2002';
}
